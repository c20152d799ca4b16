"""The public verification page's answer (the QR code's page), computed once and kept in the
shared cache until something it shows changes (ADR 0030).

What is kept is data (`PublicRecord`, plain values), keyed by the copy's token, the version of
its registration's public answers (`registry.answers`, replaced by every service that changes
the register, a certificate or a copy) and the day: a verdict depends on the date (a copy's
使用有效期 ends at midnight, a registration lapses the day after its last specialty), so a new
day is a new key, and so is a new release (`release`). For a visitor with no session and no
message waiting, who gets the same page as every other such visitor, the rendered page is kept
too, with a hole for the time of the check (`PageHoles`), and without a CSRF token (its two
forms need none). The page is still the template's; only its rendering is reused.

With the cache down, everything is computed as if there were none."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from django.conf import settings
from django.http import Http404, HttpRequest
from django.utils import timezone

from certificates import selectors
from certificates.crl import crl_state, crl_version
from certificates.keys import ca_certificate_der
from certificates.models import CertificateCopy, CopyStatus
from certificates.selectors import Verdict
from certificates.validity import verdict_since
from certificates.verify import revocation_judged
from lib.masking import mask_name
from lib.publiccache import answer_get, answer_set, visitor_like_any_other
from registry.answers import registration_answers_version


@dataclass(frozen=True)
class SpecialtyLine:
    name: str
    valid_from: date
    valid_to: date


@dataclass(frozen=True)
class SealStatus:
    """The seal on the copy's file as the page shows it (ADR 0032): its trusted time, and the
    signer certificate's revocation when the CA's list names it."""

    stamped_at: datetime | None
    revoked_at: datetime | None = None
    valid: bool = True
    note: str = ""


def seal_status(*, copy: CertificateCopy, now: datetime) -> SealStatus:
    """Judged as the file check judges the file (`certificates.verify.revocation_judged`)."""
    if not copy.signer_serial or not settings.CERT_CRL_FILE:
        return SealStatus(stamped_at=copy.stamped_at)
    state = crl_state(ca_der=ca_certificate_der(), now=now)
    revocation = state.revocation_of(int(copy.signer_serial))
    if revocation is None:
        return SealStatus(stamped_at=copy.stamped_at)
    valid, note = revocation_judged(what="签章证书", revocation=revocation, trusted=copy.stamped_at)
    return SealStatus(stamped_at=copy.stamped_at, revoked_at=revocation.revoked_at, valid=valid, note=note)


@dataclass(frozen=True)
class PublicRecord:
    """What anyone may see of a copy: the register's live record, the holder's name masked."""

    verdict: Verdict
    holder_name: str
    number: str
    employer_name: str
    authority: str
    specialties: tuple[SpecialtyLine, ...]
    issued_on: date
    license_id: str
    usage_valid_until: date
    revoked_at: datetime | None
    seal: SealStatus


def public_record(*, copy: CertificateCopy, today: date) -> PublicRecord:
    """Computed from the database: `copy` as `selectors.copy_by_token` reads it."""
    certificate = copy.certificate
    registration = certificate.registration
    verdict = selectors.copy_verdict(copy=copy, today=today)
    return PublicRecord(
        verdict=verdict,
        holder_name=mask_name(registration.person.name),
        number=registration.number,
        employer_name=registration.employer_name,
        authority=registration.created_by_case.department.name,
        specialties=tuple(
            SpecialtyLine(s.get_specialty_display(), s.valid_from, s.valid_to)
            for s in registration.specialties.all()
        ),
        issued_on=certificate.issued_on,
        license_id=certificate.license_id,
        usage_valid_until=copy.usage_valid_until,
        revoked_at=verdict_since(certificate=certificate, verdict=verdict.code),
        seal=seal_status(copy=copy, now=timezone.now()),
    )


@dataclass(frozen=True)
class AnswerKey:
    """Where the answer for a token today is kept: None when the cache cannot answer (then
    compute without it)."""

    token: uuid.UUID
    key: str | None

    @property
    def page_key(self) -> str | None:
        return f"{self.key}:page" if self.key is not None else None


# token -> registration id, which never changes once a copy is made: kept in this process (a
# bounded dict), so a hit reads two keys of the shared cache, the version and the answer.
_REGISTRATION_OF: dict[uuid.UUID, int] = {}
_REGISTRATION_OF_MAX = 10_000


def _registration_of(token: uuid.UUID) -> int:
    found = _REGISTRATION_OF.get(token)
    if found is not None:
        return found
    registration_id = (
        CertificateCopy.objects.filter(token=token, status=CopyStatus.READY)
        .values_list("certificate__registration_id", flat=True)
        .first()
    )
    if registration_id is None:
        raise Http404("未找到该证书")
    if len(_REGISTRATION_OF) >= _REGISTRATION_OF_MAX:
        _REGISTRATION_OF.clear()
    _REGISTRATION_OF[token] = registration_id
    return registration_id


@functools.cache
def release() -> str:
    """What this release renders and answers with: its templates, its static files' manifest
    (hashed names) and the code that words the verdict and the record, by content. A page or a
    record kept by the previous release (another look, a stylesheet it names gone, a verdict
    worded otherwise, a field it did not have) is not served by the next, and two hosts of one
    release share their keys (paths are taken relative to the project)."""
    base = Path(settings.BASE_DIR)
    digest = hashlib.sha256(PublicRecord.__qualname__.encode())
    files = sorted(path for path in (base / "templates").rglob("*") if path.is_file())
    for app in _ANSWERING_CODE:
        files += sorted(path for path in (base / app).glob("*.py"))
    files.append(Path(settings.STATIC_ROOT) / "staticfiles.json")
    for path in files:
        with contextlib.suppress(ValueError):
            digest.update(str(path.relative_to(base)).encode())
        with contextlib.suppress(OSError):
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


# The modules a kept answer is computed by: the verdict and its wording, the record, masking;
# and the catalogue's pages kept the same way (portal/sharedpages.py).
_ANSWERING_CODE = ("certificates", "registry", "lib", "catalog", "portal")


def verification_key(*, token: uuid.UUID, today: date) -> AnswerKey:
    """The key of the answer for the copy whose QR code was scanned; 404 for no made copy."""
    registration_id = _registration_of(token)
    # Taken before any row is read: a change committed after this replaces it.
    version = registration_answers_version(registration_id=registration_id)
    if version is None:
        return AnswerKey(token, None)
    # A new revocation list is a new key too: the page says whether it names the signer.
    crl = hashlib.sha256(crl_version().encode()).hexdigest()[:8]
    return AnswerKey(token, f"verify:{release()}:{token.hex}:{version}:{today.isoformat()}:{crl}")


def verification_record(*, answer: AnswerKey, today: date) -> PublicRecord:
    """The kept record, or the one computed now (and kept)."""
    if answer.key is not None:
        record = answer_get(answer.key)
        if isinstance(record, PublicRecord):
            return record
    record = public_record(copy=selectors.copy_by_token(token=answer.token), today=today)
    if answer.key is not None:
        answer_set(answer.key, record)
    return record


# --- the rendered page, for a visitor like any other -------------------------------------


@dataclass(frozen=True)
class PageHoles:
    """A page rendered once, with a random mark where the time of the check goes: nothing a
    record holds can contain a mark made after it was read."""

    html: str
    time_mark: str

    @staticmethod
    def mark() -> str:
        return f"timemark{secrets.token_hex(16)}"

    def fill(self, *, checked_at: str) -> str:
        return self.html.replace(self.time_mark, checked_at)


def shared_page_allowed(request: HttpRequest) -> bool:
    """Whether the visitor sees what every visitor without an account sees: no session (so
    not logged in, no messages kept there), no message in a cookie, no query string (the page
    repeats its own address in the 关怀版 switch). The display mode is part of the key."""
    return visitor_like_any_other(request) and not request.META.get("QUERY_STRING")


def page_get(key: str) -> PageHoles | None:
    found = answer_get(key)
    return found if isinstance(found, PageHoles) else None


def page_set(key: str, page: PageHoles) -> None:
    answer_set(key, page)
