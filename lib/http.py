"""Response headers for pages and files that carry personal data."""

from __future__ import annotations

from typing import TypeVar

from django.http import HttpResponseBase

# Personal documents and pages about people: never kept by a browser or a shared proxy, and
# never sniffed into another type than the one we send.
PRIVATE_HEADERS = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}

R = TypeVar("R", bound=HttpResponseBase)


def private(response: R) -> R:
    """`response` with PRIVATE_HEADERS set."""
    for name, value in PRIVATE_HEADERS.items():
        response[name] = value
    return response
