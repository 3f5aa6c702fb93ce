"""The pure Open Badges pieces: Multikey, the status bitstring, proofs, baking, contexts."""

from __future__ import annotations

import copy
import gzip
import io
import json
from datetime import UTC, date, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PIL import Image

from certificates.badges import baking, documents, multibase, proof, status_list
from certificates.badges.jsonld import UnknownContext, canonize

URLS = documents.BadgeUrls("https://kurs.example.no")
ISSUER = documents.Issuer("Kommunesektorens organisasjon", URLS)
FACTS = documents.BadgeFacts(
    code="ABCD-EFGH-JKM", holder_name="Kari Nordmann", course_title="Innovasjon i kommunen",
    course_slug="innovasjon", course_version="1", completed_on=date(2026, 12, 1),
    issued_at=datetime(2026, 12, 2, 9, 30, tzinfo=UTC), status_index=131_073,
)  # fmt: skip


def test_an_ed25519_key_in_multikey_form_matches_the_did_key_test_vector() -> None:
    # The did:key specification's Ed25519 example: the raw key and its z6Mk… form.
    raw = bytes.fromhex("2e6fcce36701dc791488e0d0b1745cc1e33a4c1c9fcc41c63bd343dbbe0970e6")
    encoded = "z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
    assert multibase.public_key_multibase(raw) == encoded
    assert multibase.raw_public_key(encoded) == raw
    with pytest.raises(ValueError):
        multibase.raw_public_key("z" + multibase.base58btc(b"\x12\x20" + raw))


def test_the_status_list_sets_the_leftmost_bit_first_and_is_16_kb() -> None:
    encoded = status_list.encode([0, 9, 131_071])
    assert encoded.startswith("u") and "=" not in encoded
    bits = status_list.decode(encoded)
    assert len(bits) == 16_384
    assert bits[0] == 0b1000_0000 and bits[1] == 0b0100_0000 and bits[-1] == 1
    assert [i for i in range(131_072) if status_list.is_set(bits, i)] == [0, 9, 131_071]
    assert status_list.encode([0, 9, 131_071]) == encoded  # deterministic (gzip mtime 0)
    with pytest.raises(ValueError):
        status_list.encode([131_072])
    assert gzip.decompress(gzip.compress(bits)) == bits


def test_the_credential_points_into_the_right_status_list() -> None:
    credential = documents.open_badge_credential(FACTS, ISSUER)
    status = credential["credentialStatus"]
    assert status["statusListCredential"] == "https://kurs.example.no/badges/status/2"
    assert status["statusListIndex"] == "1"
    assert status["statusPurpose"] == "revocation"


def test_a_proof_verifies_and_any_change_breaks_it() -> None:
    key = Ed25519PrivateKey.generate()
    credential = documents.open_badge_credential(FACTS, ISSUER)
    signed = proof.sign(credential, key=key, verification_method=URLS.key("z6Mk"),
                        created=FACTS.issued_at)  # fmt: skip
    assert proof.verify(signed, public_key=key.public_key())
    assert signed == proof.sign(credential, key=key, verification_method=URLS.key("z6Mk"),
                                created=FACTS.issued_at)  # fmt: skip
    assert not proof.verify(signed, public_key=Ed25519PrivateKey.generate().public_key())
    changed = copy.deepcopy(signed)
    changed["credentialSubject"]["activityEndDate"] = "2026-11-30"
    assert not proof.verify(changed, public_key=key.public_key())
    redated = copy.deepcopy(signed)
    redated["proof"]["created"] = "2027-01-01T00:00:00Z"
    assert not proof.verify(redated, public_key=key.public_key())


def test_the_issuer_document_is_a_controller_document_and_a_profile() -> None:
    document = documents.issuer_document(ISSUER, ["z6Mk1", "z6Mk2"])
    quads = canonize(document)
    issuer = "<https://kurs.example.no/badges/issuer>"
    for key_id in ("z6Mk1", "z6Mk2"):
        assert (
            f"{issuer} <https://w3id.org/security#assertionMethod> "
            f"<https://kurs.example.no/badges/keys/{key_id}> ."
        ) in quads
    assert f'{issuer} <https://schema.org/name> "Kommunesektorens organisasjon" .' in quads


def test_the_loader_serves_only_bundled_contexts() -> None:
    with pytest.raises(Exception) as raised:  # pyld wraps the loader's error
        canonize({"@context": "https://example.org/anything", "name": "x"})
    causes = []
    error: BaseException | None = raised.value
    while error is not None:
        causes.append(error)
        error = error.__cause__ or error.__context__
    assert any(isinstance(cause, UnknownContext) for cause in causes)


def test_a_baked_png_keeps_its_image_and_carries_the_credential() -> None:
    image = baking.badge_image("Innovasjon i kommunen: en lang tittel som må brytes over linjer")
    text = json.dumps({"name": "Kursbevis ÆØÅ"}, ensure_ascii=False)
    baked = baking.bake_png(image, text)
    assert baking.unbake_png(baked) == text
    assert baking.unbake_png(image) is None
    rebaked = baking.bake_png(baked, "{}")
    assert baking.unbake_png(rebaked) == "{}"
    assert rebaked.count(baking.KEYWORD) == 1

    with Image.open(io.BytesIO(baked)) as opened:
        opened.load()
        assert opened.size == (512, 512)
        assert opened.text["openbadgecredential"] == text  # Pillow reads the iTXt chunk too
