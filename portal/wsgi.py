from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

from lib.memory import malloc_tune

# Each gunicorn worker loads this module itself: freed PDF and picture buffers go back to the
# system rather than staying with the worker (lib/memory.py).
malloc_tune()
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
application = get_wsgi_application()
