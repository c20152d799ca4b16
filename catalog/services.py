"""Writes to the catalogue. The catalogue is reference data; the admin and the seed are
its only writers."""

from __future__ import annotations

from catalog.models import Matter
from catalog.search import matter_search_text


def matter_index_refresh(*, matter: Matter) -> None:
    """Recompute the derived search text from the name and aliases and store it.

    Called after every edit of a 事项 (seed, admin), because the search reads only
    `search_text`: a stale one would hide a renamed 事项 from its new name."""
    matter.search_text = matter_search_text(name=matter.name, aliases=matter.aliases)
    matter.save(update_fields=["search_text"])
