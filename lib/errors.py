"""The one family of refusals a person may read.

A service that refuses raises `ApplicationError` with a plain Chinese sentence; a view, an
admin action or a command catches the base and shows `message` as it is. A subclass exists
only where some caller catches it apart from the others: the checkers of ID numbers, codes
and uploads (a form turns them into a field's error) and `registry.services.RegistryError`
(the approval turns it into advice to deny)."""

from __future__ import annotations


class ApplicationError(Exception):
    """A refusal whose `message` is written for the person who asked, in Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
