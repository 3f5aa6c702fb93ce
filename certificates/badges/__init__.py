"""Open Badges 3.0: certificates as signed OpenBadgeCredentials (plain rules, no web, no database).

- ``jsonld``: the bundled JSON-LD contexts and the offline document loader that serves them;
- ``multibase``: base58btc and the Multikey form of an Ed25519 public key;
- ``proof``: Data Integrity proofs with the ``eddsa-rdfc-2022`` cryptosuite;
- ``documents``: the credential, the issuer profile, the key and the status list credential;
- ``status_list``: the W3C Bitstring Status List bitstring (GZIP, base64url, multibase);
- ``baking``: the badge image, with the credential baked into a PNG or an SVG.
"""
