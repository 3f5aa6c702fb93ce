"""Data Integrity proofs with the ``eddsa-rdfc-2022`` cryptosuite (W3C VC DI EdDSA 1.0).

Sign: canonicalise the proof options (with the document's ``@context``) and the
document without its proof (RDFC-1.0), hash each with SHA-256, sign the two hashes
(options first) with Ed25519, and put the signature, multibase base58btc, in
``proofValue``. Ed25519 is deterministic: the same document, options and key give
the same proof, in every process.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from certificates.badges.jsonld import canonize
from certificates.badges.multibase import base58btc, from_base58btc

CRYPTOSUITE = "eddsa-rdfc-2022"


def xsd_datetime(moment: datetime) -> str:
    """``2026-12-04T01:02:03Z``: UTC, whole seconds."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _hash_data(document: dict[str, Any], options: dict[str, Any]) -> bytes:
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    config = {"@context": document["@context"], **options}
    proof_hash = hashlib.sha256(canonize(config).encode()).digest()
    document_hash = hashlib.sha256(canonize(unsecured).encode()).digest()
    return proof_hash + document_hash


def sign(
    document: dict[str, Any],
    *,
    key: Ed25519PrivateKey,
    verification_method: str,
    created: datetime,
) -> dict[str, Any]:
    """``document`` with an ``assertionMethod`` DataIntegrityProof made with ``key``."""
    options = {
        "type": "DataIntegrityProof",
        "cryptosuite": CRYPTOSUITE,
        "created": xsd_datetime(created),
        "verificationMethod": verification_method,
        "proofPurpose": "assertionMethod",
    }
    signature = key.sign(_hash_data(document, options))
    return {**document, "proof": {**options, "proofValue": "z" + base58btc(signature)}}


def verify(document: dict[str, Any], *, public_key: Ed25519PublicKey) -> bool:
    """Whether ``document``'s proof is a valid ``eddsa-rdfc-2022`` signature by ``public_key``.

    Only the signature: the key's controller and the status are the verifier's to check.
    """
    proof = document.get("proof")
    if not isinstance(proof, dict) or proof.get("cryptosuite") != CRYPTOSUITE:
        return False
    value = proof.get("proofValue")
    if not isinstance(value, str) or not value.startswith("z"):
        return False
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    try:
        public_key.verify(from_base58btc(value[1:]), _hash_data(document, options))
    except (InvalidSignature, ValueError):
        return False
    return True
