"""The documents of Open Badges 3.0 issuance, unsigned: plain data in, JSON-LD out.

Where each one is published (``BadgeUrls``), all under the site's base URL:

- ``/badges/issuer``: the issuer's Profile, which is also the controller document
  of its keys (``assertionMethod`` lists every key it ever signed with);
- ``/badges/keys/{key-id}``: one Multikey (the key id is its ``publicKeyMultibase``);
- ``/badges/status/{n}``: revocation list *n* (a BitstringStatusListCredential).

The credential holds no more about the learner than the certificate shows: the
name, as the OB 3.0 ``identifier`` of type ``name``. No e-mail address, no account id.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from certificates.badges.jsonld import DID_V1, MULTIKEY_V1, OB_V3, VC_V2
from certificates.badges.proof import xsd_datetime
from certificates.badges.status_list import LIST_LENGTH

CREDENTIAL_CONTEXT = [VC_V2, OB_V3]
# The issuer document is read as a controller document by verifiers (DID v1 terms,
# Multikey) and as an OB Profile: every term it uses has one meaning in these.
ISSUER_CONTEXT = [DID_V1, MULTIKEY_V1, VC_V2, OB_V3]


@dataclass(frozen=True, slots=True)
class BadgeUrls:
    base_url: str  # INNOSTUDY_BASE_URL, without a trailing slash

    @property
    def issuer(self) -> str:
        return f"{self.base_url}/badges/issuer"

    def key(self, key_id: str) -> str:
        return f"{self.base_url}/badges/keys/{key_id}"

    def status_list(self, number: int) -> str:
        return f"{self.base_url}/badges/status/{number}"

    def verify(self, code: str) -> str:
        return f"{self.base_url}/verify/{code}"


@dataclass(frozen=True, slots=True)
class Issuer:
    name: str
    urls: BadgeUrls


@dataclass(frozen=True, slots=True)
class BadgeFacts:
    """What a certificate says, as the credential says it."""

    code: str
    holder_name: str
    course_title: str
    course_slug: str
    course_version: str
    completed_on: date
    issued_at: datetime
    status_index: int  # across all lists: list ``index // LIST_LENGTH + 1``


def list_position(status_index: int) -> tuple[int, int]:
    """(list number from 1, index within that list) of a certificate's status index."""
    return status_index // LIST_LENGTH + 1, status_index % LIST_LENGTH


def _issuer_profile(issuer: Issuer) -> dict[str, Any]:
    return {
        "id": issuer.urls.issuer,
        "type": ["Profile"],
        "name": issuer.name,
        "url": issuer.urls.base_url,
    }


def credential_id(urls: BadgeUrls, code: str) -> str:
    """A stable ``urn:uuid`` for the certificate's credential (its code's verify URL, hashed)."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, urls.verify(code))}"


def open_badge_credential(facts: BadgeFacts, issuer: Issuer) -> dict[str, Any]:
    """The certificate as an unsigned OpenBadgeCredential (OB 3.0, VC Data Model 2.0)."""
    urls = issuer.urls
    number, index = list_position(facts.status_index)
    status_list = urls.status_list(number)
    achievement = {
        "id": f"{urls.base_url}/badges/achievements/{facts.course_slug}",
        "type": ["Achievement"],
        "achievementType": "Certificate",
        "name": facts.course_title,
        "description": f"Kursbevis for {facts.course_title}.",
        "criteria": {
            "narrative": (
                "Deltakeren har lest alle obligatoriske moduler i kurset og bestått quizen "
                "i hver av dem."
            )
        },
        "inLanguage": "nb",
    }
    return {
        "@context": list(CREDENTIAL_CONTEXT),
        "id": credential_id(urls, facts.code),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"Kursbevis: {facts.course_title}",
        "description": (
            f"Kursbevis med kode {facts.code}. Kontrolleres også på {urls.verify(facts.code)}."
        ),
        "issuer": _issuer_profile(issuer),
        "validFrom": xsd_datetime(facts.issued_at),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "name",
                    "hashed": False,
                    "identityHash": facts.holder_name,
                }
            ],
            "activityEndDate": facts.completed_on.isoformat(),
            "achievement": achievement,
        },
        "credentialStatus": {
            "id": f"{status_list}#{index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(index),
            "statusListCredential": status_list,
        },
    }


def status_list_credential(
    *, issuer: Issuer, number: int, encoded_list: str, valid_from: datetime
) -> dict[str, Any]:
    """Revocation list ``number`` as an unsigned BitstringStatusListCredential."""
    url = issuer.urls.status_list(number)
    return {
        "@context": [VC_V2],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer.urls.issuer,
        "validFrom": xsd_datetime(valid_from),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encoded_list,
        },
    }


def key_document(urls: BadgeUrls, key_id: str) -> dict[str, Any]:
    """One Ed25519 public key as a Multikey controlled by the issuer."""
    return {
        "@context": MULTIKEY_V1,
        "id": urls.key(key_id),
        "type": "Multikey",
        "controller": urls.issuer,
        "publicKeyMultibase": key_id,
    }


def issuer_document(issuer: Issuer, key_ids: Sequence[str]) -> dict[str, Any]:
    """The issuer's Profile and the controller document of its keys, old ones included."""
    keys = [issuer.urls.key(key_id) for key_id in key_ids]
    return {
        "@context": list(ISSUER_CONTEXT),
        **_issuer_profile(issuer),
        "assertionMethod": keys,
    }
