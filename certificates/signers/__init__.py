"""Signers that keep the issuing authority's private key away from the app hosts (ADR 0031):

- `remote`: a signing service over HTTP (`CERT_SIGNER=certificates.signers.remote.http_signer`),
  the contract in `contract` and docs/signing.md; `service` is the reference service that
  `manage.py serve_signing` runs on the one host that holds the key;
- `pkcs11`: an HSM (密码机) through its PKCS#11 module
  (`CERT_SIGNER=certificates.signers.pkcs11.pkcs11_signer`).

Both compute e = SM3(Z ‖ M) here, ask for a signature of it, and verify every signature they
get against the signer certificate (which they check once against the CA, the signer profile and
the seal) before the portal uses it: a wrong or hostile signer can fail a copy, never seal one
badly. The local key file (`certificates.crypto.local_signer`) stays the default."""
