"""The one home of "what anyone is told about a registration has changed" (ADR 0030).

The public verification page answers from the cache under the registration's version. Every
service that changes what that page shows calls `registration_answers_replace`: the register's
status and history (`registry.services`), a certificate's status and a 加注 copy's
(`certificates.services`). A revocation then shows at the next request, in every process."""

from __future__ import annotations

from lib.publiccache import version_of, version_replace


def _name(registration_id: int) -> str:
    return f"registration:{registration_id}"


def registration_answers_version(*, registration_id: int) -> str | None:
    """The version public answers about the registration are kept under; None without a cache."""
    return version_of(_name(registration_id))


def registration_answers_replace(*, registration_id: int) -> None:
    """What the public is told about the registration changes with this transaction."""
    version_replace(_name(registration_id))
