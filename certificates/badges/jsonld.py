"""The JSON-LD contexts a badge uses, served from package data: nothing is fetched.

A document that names any other context is refused (``UnknownContext``): signing
must never depend on the network, and a term that no context defines would be
dropped silently from what the signature covers.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from threading import Lock
from typing import Any

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
DATA_INTEGRITY_V2 = "https://w3id.org/security/data-integrity/v2"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"
DID_V1 = "https://www.w3.org/ns/did/v1"
CONTEXT_FILES = {
    VC_V2: "credentials-v2.jsonld",
    OB_V3: "ob-v3p0-3.0.3.jsonld",
    DATA_INTEGRITY_V2: "data-integrity-v2.jsonld",
    MULTIKEY_V1: "multikey-v1.jsonld",
    DID_V1: "did-v1.jsonld",
}


# pyld keeps the contexts it has processed in one module-level cache that is not made
# for threads: requests that sign at the same moment take turns (it is milliseconds).
_PYLD = Lock()


class UnknownContext(ValueError):
    """A document named a context that is not bundled."""


@cache
def context(url: str) -> dict[str, Any]:
    """The bundled context document for ``url``."""
    name = CONTEXT_FILES.get(url)
    if name is None:
        raise UnknownContext(f"JSON-LD context {url!r} is not bundled")
    text = resources.files(__package__).joinpath("contexts", name).read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def document_loader(url: str, options: object = None) -> dict[str, Any]:
    """pyld's document loader, offline: only the bundled contexts."""
    return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url,
            "document": context(url)}  # fmt: skip


def canonize(document: dict[str, Any]) -> str:
    """The RDFC-1.0 (URDNA2015) canonical N-Quads of ``document``."""
    options = {"algorithm": "URDNA2015", "format": "application/n-quads",
               "documentLoader": document_loader}  # fmt: skip
    # pyld is imported on first use: it costs a server about 24 MB, and most never sign.
    from pyld import jsonld  # type: ignore[import-untyped]

    with _PYLD:
        canonical: str = jsonld.normalize(document, options)
    return canonical
