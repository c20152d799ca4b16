"""The allowed status changes of a batch, as data: a draft is published, and a published batch
changes no more. `bulletins.services` refuses anything else."""

from __future__ import annotations

from bulletins.models import BulletinAction, BulletinStatus

BULLETIN_TRANSITIONS: dict[tuple[BulletinStatus, BulletinAction], BulletinStatus] = {
    (BulletinStatus.DRAFT, BulletinAction.PUBLISH): BulletinStatus.PUBLISHED,
}


def bulletin_target(*, status: str, action: str) -> BulletinStatus | None:
    return BULLETIN_TRANSITIONS.get((BulletinStatus(status), BulletinAction(action)))
