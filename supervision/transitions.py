"""The allowed answers to an extension request, as data: a request waiting is granted or
refused, once; nothing else moves."""

from __future__ import annotations

from supervision.models import ExtensionStatus

S = ExtensionStatus
EXTENSION_TRANSITIONS: frozenset[tuple[ExtensionStatus, ExtensionStatus]] = frozenset(
    {(S.REQUESTED, S.APPROVED), (S.REQUESTED, S.REFUSED)}
)


def extension_may(*, source: str, target: str) -> bool:
    return (ExtensionStatus(source), ExtensionStatus(target)) in EXTENSION_TRANSITIONS
