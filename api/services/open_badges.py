"""Open Badges 3.0: every certificate as a signed OpenBadgeCredential, and what verifies it.

The credential is signed with ``eddsa-rdfc-2022`` (Data Integrity, Ed25519) rather
than as a VC-JWT: the proof sits inside the JSON that a badge image carries, it is
the form Open Badges 3.0 verifiers and wallets check first, and VC-JWT would need a
``credentialSubject.id``, which a learner without a wallet does not have.

When: a credential is signed when it is first asked for, and kept in a bounded
cache in the process. Nothing is written: the credential is a function of the
certificate, the key and the settings (the proof is dated at the certificate's
issue, and Ed25519 is deterministic), so every process signs the same bytes, and a
download needs only a read transaction. Signing costs about 10 ms.

Revocation: each certificate has a ``status_index`` given at issue; revocation
list *n* (``/badges/status/n``) has the bits of the revoked certificates and of
those whose holder's data was erased, and is signed when it changes.

Keys: ``api.core.signing_keys``. Every key that has signed is kept in ``badge_key``
(the app records its current key at start, the rotation command before it replaces
the key) and stays in the issuer document, so older credentials still verify.
"""

from __future__ import annotations

import json
import logging
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from threading import Lock
from typing import Any

from sqlalchemy import Engine, func, or_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from api.core import signing_keys
from api.core.config import Settings
from api.core.db import transaction
from api.core.errors import (
    BadgeKeyConfigured,
    BadgeKeyNotFound,
    CertificateNotFound,
    StatusListNotFound,
)
from api.data.models import BadgeKey, Certificate, User, utcnow
from api.services.certificates import NORWAY, current_for_user, revoked_error
from certificates.badges import baking, documents, proof, status_list
from certificates.badges.documents import BadgeFacts, BadgeUrls, Issuer
from course.models import CourseInfo

logger = logging.getLogger("innostudy")
NOT_ISSUED = "Du har ikke fått kursbevis ennå. Hent det på siden Kursbevis først."
NO_STATUS_ENTRY = (
    "Dette kursbeviset har ingen plass i statuslisten, så det kan ikke lages som Open Badge."
)
_file_keys: dict[tuple[str, int], signing_keys.SigningKey] = {}


@dataclass(frozen=True, slots=True)
class SignedBadge:
    json: str  # the signed credential, as served and as baked into the image
    code: str
    course_title: str


def signing_key(settings: Settings) -> signing_keys.SigningKey:
    """The key new credentials are signed with: configured, else the data folder's."""
    if settings.badge_signing_key is not None:
        return _configured_key(settings.badge_signing_key.get_secret_value())
    path = signing_keys.key_path(settings.data_dir)
    if not path.exists():
        return signing_keys.from_file(settings.data_dir)
    stamp = (str(path), path.stat().st_mtime_ns)  # a rotated file is read again
    if stamp not in _file_keys:
        _file_keys[stamp] = signing_keys.from_file(settings.data_dir)
    return _file_keys[stamp]


@lru_cache(maxsize=8)
def _configured_key(pem: str) -> signing_keys.SigningKey:
    return signing_keys.load_pem(pem)


def issuer(settings: Settings, info: CourseInfo) -> Issuer:
    return Issuer(settings.certificate_issuer or info.issuer, BadgeUrls(settings.base_url))


def publish_key(*, session: Session, key_id: str) -> None:
    """Record ``key_id`` as a key that signs (again: nothing changes)."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.exec(
        insert(BadgeKey).values(key_id=key_id, published_at=utcnow()).on_conflict_do_nothing()
    )


def publish_current_key(*, engine: Engine, settings: Settings) -> None:
    """At start: the current key recorded, so it stays published after a rotation.

    Best effort: a database that is not there yet must not stop the server (the
    current key is published all the same, and recorded at the next start).
    """
    try:
        key_id = signing_key(settings).key_id
        with transaction(engine, write=True) as session:
            publish_key(session=session, key_id=key_id)
    except Exception:
        logger.warning("could not record the Open Badges signing key", exc_info=True)


def key_ids(*, session: Session, settings: Settings) -> list[str]:
    """Every published key: those recorded, oldest first, and the current one."""
    recorded = session.exec(
        select(BadgeKey.key_id).order_by(col(BadgeKey.published_at), col(BadgeKey.key_id))
    ).all()
    current = signing_key(settings).key_id
    return [*recorded, current] if current not in recorded else list(recorded)


def issuer_document(*, session: Session, settings: Settings, info: CourseInfo) -> dict[str, Any]:
    """The issuer profile, which is also the controller document of every key."""
    return documents.issuer_document(
        issuer(settings, info), key_ids(session=session, settings=settings)
    )


def key_document(*, session: Session, settings: Settings, key_id: str) -> dict[str, Any]:
    """One published key as a Multikey document; ``BadgeKeyNotFound`` for any other id."""
    if key_id not in key_ids(session=session, settings=settings):
        raise BadgeKeyNotFound()
    return documents.key_document(BadgeUrls(settings.base_url), key_id)


def _sign(
    document: dict[str, Any], key: signing_keys.SigningKey, urls: BadgeUrls, created: datetime
) -> str:
    signed = proof.sign(
        document, key=key.private, verification_method=urls.key(key.key_id), created=created
    )
    return json.dumps(signed, ensure_ascii=False, indent=2)


@lru_cache(maxsize=4096)
def _signed_credential(
    facts: BadgeFacts, badge_issuer: Issuer, key: signing_keys.SigningKey
) -> str:
    unsigned = documents.open_badge_credential(facts, badge_issuer)
    return _sign(unsigned, key, badge_issuer.urls, facts.issued_at)


def facts(certificate: Certificate) -> BadgeFacts:
    if certificate.status_index is None:
        raise CertificateNotFound(NO_STATUS_ENTRY)
    return BadgeFacts(
        code=certificate.code,
        holder_name=certificate.holder_name,
        course_title=certificate.course_title,
        course_slug=certificate.course_slug,
        course_version=certificate.course_version,
        completed_on=certificate.completed_at.astimezone(NORWAY).date(),
        issued_at=certificate.issued_at,
        status_index=certificate.status_index,
    )


def holder_badge(
    *, session: Session, user: User, info: CourseInfo, settings: Settings
) -> SignedBadge:
    """The learner's own valid certificate as a signed OpenBadgeCredential.

    Raises ``CertificateNotFound`` if none was issued, ``CertificateRevoked`` (with
    the holder's explanation) if it was revoked.
    """
    assert user.id is not None
    certificate = current_for_user(session=session, user_id=user.id, info=info)
    if certificate is None:
        raise CertificateNotFound(NOT_ISSUED)
    if certificate.revoked_at is not None:
        raise revoked_error(certificate)
    text = _signed_credential(facts(certificate), issuer(settings, info), signing_key(settings))
    return SignedBadge(text, certificate.code, certificate.course_title)


def badge_png(badge: SignedBadge) -> bytes:
    """The badge image with the credential baked in."""
    return baking.bake_png(_badge_image(badge.course_title), badge.json)


@lru_cache(maxsize=16)
def _badge_image(course_title: str) -> bytes:
    return baking.badge_image(course_title)


class _StatusLists:
    """Signed status lists, by what they say: signed again only when a bit changes."""

    def __init__(self, size: int = 64) -> None:
        self._signed: OrderedDict[tuple[Any, ...], str] = OrderedDict()
        self._size = size
        self._lock = Lock()

    def get(self, key: tuple[Any, ...]) -> str | None:
        with self._lock:
            found = self._signed.get(key)
            if found is not None:
                self._signed.move_to_end(key)
            return found

    def put(self, key: tuple[Any, ...], value: str) -> None:
        with self._lock:
            self._signed[key] = value
            while len(self._signed) > self._size:
                self._signed.popitem(last=False)


_STATUS_LISTS = _StatusLists()


def status_list_count(*, session: Session) -> int:
    highest = session.exec(select(func.max(Certificate.status_index))).one()
    return 1 if highest is None else highest // status_list.LIST_LENGTH + 1


def status_list_credential(
    *, session: Session, settings: Settings, info: CourseInfo, number: int
) -> str:
    """Revocation list ``number`` as a signed BitstringStatusListCredential (JSON)."""
    if not 1 <= number <= status_list_count(session=session):
        raise StatusListNotFound()
    first = (number - 1) * status_list.LIST_LENGTH
    indices = session.exec(
        select(Certificate.status_index).where(
            col(Certificate.status_index) >= first,
            col(Certificate.status_index) < first + status_list.LIST_LENGTH,
            or_(
                col(Certificate.revoked_at).is_not(None),
                col(Certificate.holder_erased_at).is_not(None),
            ),
        )
    ).all()
    encoded = status_list.encode(sorted(i - first for i in indices if i is not None))
    badge_issuer = issuer(settings, info)
    key = signing_key(settings)
    cache_key = (number, encoded, badge_issuer, key.key_id)
    found = _STATUS_LISTS.get(cache_key)
    if found is not None:
        return found
    now = utcnow()
    unsigned = documents.status_list_credential(
        issuer=badge_issuer, number=number, encoded_list=encoded, valid_from=now
    )
    signed = _sign(unsigned, key, badge_issuer.urls, now)
    _STATUS_LISTS.put(cache_key, signed)
    return signed


@dataclass(frozen=True, slots=True)
class Rotation:
    old_key_id: str
    new_key_id: str


def rotate_key(*, engine: Engine, settings: Settings) -> Rotation:
    """Replace the data folder's key with a new one; the old one stays published.

    The old public key is recorded (and committed) before the file is replaced, so
    credentials it signed go on verifying; the old private key is gone. Raises
    ``BadgeKeyConfigured`` when the key comes from ``INNOSTUDY_BADGE_SIGNING_KEY``:
    that one is rotated by setting a new value.
    """
    if settings.badge_signing_key is not None:
        raise BadgeKeyConfigured()
    old = signing_key(settings)
    with transaction(engine, write=True) as session:
        publish_key(session=session, key_id=old.key_id)
    new = signing_keys.replace_key(signing_keys.key_path(settings.data_dir))
    with transaction(engine, write=True) as session:
        publish_key(session=session, key_id=new.key_id)
    return Rotation(old.key_id, new.key_id)
