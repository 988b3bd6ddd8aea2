#!/usr/bin/env python3
"""Checks frontdesk's discovery documents with a third-party validator: authlib's
AuthorizationServerMetadata (RFC 8414) and OpenIDProviderMetadata (OpenID Connect Discovery 1.0).

    python3 tests/oidc/authlib_metadata.py http://127.0.0.1:8080

The argument is where to fetch the documents; the server's public URL must be https (RFC 8414 §2
requires an https issuer, and authlib checks it). Exit status 0 when both documents validate.
"""
import json
import sys
import urllib.request

from authlib.oauth2.rfc8414 import AuthorizationServerMetadata
from authlib.oidc.discovery import OpenIDProviderMetadata

CHECKS = {
    "/.well-known/oauth-authorization-server": [AuthorizationServerMetadata],
    "/.well-known/openid-configuration": [AuthorizationServerMetadata, OpenIDProviderMetadata],
}


def main(base: str) -> int:
    failed = 0
    for path, validators in CHECKS.items():
        with urllib.request.urlopen(base.rstrip("/") + path, timeout=10) as response:
            document = json.load(response)
        for validator in validators:
            try:
                validator(document).validate()
                print(f"ok    {path} is valid {validator.__name__}")
            except ValueError as e:
                print(f"FAIL  {path} as {validator.__name__}: {e}")
                failed = 1
    return failed


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1]))
