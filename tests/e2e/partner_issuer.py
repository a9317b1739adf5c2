#!/usr/bin/python3
"""The Python side of keys_and_http_e2e_test: a partner issuer and a verifier.

Uses Debian's python3-jwcrypto and python3-jwt (PyJWT), independent of
jwtd's JOSE code. Every command prints one JSON document on stdout.

  partner_issuer.py check
      {"jwcrypto": version, "pyjwt": version}; exit status 3 when a module
      is missing (the C++ test then skips).
  partner_issuer.py verify JWKS_URL TOKEN ISSUER AUDIENCE SUBJECT
      Fetches the JWK Set from JWKS_URL (urllib) and verifies TOKEN with
      both libraries (key chosen by the token's kid; iss, aud, sub and exp
      checked); each must also refuse a copy with a changed signature.
      Prints {"kids": [...], "results": [{"lib", "status": "ok"|"fail",
      "detail"}]}.
  partner_issuer.py make ISSUER AUDIENCE SUBJECT NOW
      Generates the partner's keys with jwcrypto and signs its tokens
      (iat NOW, exp NOW + 600):
        "es256", "rs256"  signed by the published EC P-256 / RSA-2048 keys
                          (kids "partner-ec-1", "partner-rsa-1");
        "rogue"           an EC key that is never published
                          (kid "partner-rogue");
        "next"            an EC key the partner has not published yet
                          (kid "partner-ec-2").
      Prints {"jwks": {"keys": [public JWKs of es256 and rs256]},
      "jwks_next": {"keys": [... and of next]}, "tokens": {name: token},
      "kids": {name: kid}}.
  partner_issuer.py sign-pem PEM_FILE ALG KID ISSUER AUDIENCE SUBJECT NOW
      Signs a token with the PKCS#8 PEM private key in PEM_FILE (jwcrypto).
      Prints {"token": token}.
"""

import base64
from importlib import metadata
import json
import sys
import urllib.request

try:
    import jwt as pyjwt
    from jwcrypto import jwk as jwcrypto_jwk
    from jwcrypto import jwt as jwcrypto_jwt
except ImportError as error:  # pragma: no cover - reported to the C++ side
    print(json.dumps({"error": f"missing module: {error}"}))
    sys.exit(3)

# Members a public JWK must not carry.
PRIVATE_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "oth", "k")


def tamper(token):
    """The token with the last byte of its signature changed."""
    head, _, signature = token.rpartition(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)))
    raw[-1] ^= 0x01
    return head + "." + base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()


def fetch_jwks(url):
    # Straight to the URL: no proxy from the environment.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=10) as response:
        if response.status != 200:
            raise ValueError(f"HTTP {response.status} from {url}")
        return json.loads(response.read().decode("utf-8"))


def verify_jwcrypto(jwks, token, alg, issuer, audience):
    keyset = jwcrypto_jwk.JWKSet.from_json(json.dumps(jwks))
    checked = jwcrypto_jwt.JWT(
        jwt=token,
        key=keyset,
        algs=[alg],
        check_claims={"iss": issuer, "aud": audience, "exp": None},
    )
    return json.loads(checked.claims)


def verify_pyjwt(jwks, token, alg, issuer, audience):
    kid = pyjwt.get_unverified_header(token).get("kid")
    matching = [key for key in jwks["keys"] if key.get("kid") == kid]
    if len(matching) != 1:
        raise LookupError(f"{len(matching)} keys with kid {kid!r}")
    key = pyjwt.PyJWK(matching[0], algorithm=alg).key
    return pyjwt.decode(
        token,
        key,
        algorithms=[alg],
        audience=audience,
        issuer=issuer,
        options={"require": ["exp", "iss", "aud"]},
    )


def verify(url, token, issuer, audience, subject):
    jwks = fetch_jwks(url)
    for key in jwks["keys"]:
        leaked = [member for member in PRIVATE_MEMBERS if member in key]
        if leaked:
            raise ValueError(f"JWK {key.get('kid')!r} has private members {leaked}")
    alg = pyjwt.get_unverified_header(token)["alg"]
    results = []
    for lib, verifier in (("jwcrypto", verify_jwcrypto), ("pyjwt", verify_pyjwt)):
        result = {"lib": lib}
        try:
            claims = verifier(jwks, token, alg, issuer, audience)
            if claims.get("sub") != subject:
                raise ValueError(f"sub is {claims.get('sub')!r}")
        except Exception as error:  # any failure to verify is a failure
            result.update(status="fail", detail=f"{type(error).__name__}: {error}")
            results.append(result)
            continue
        try:
            verifier(jwks, tamper(token), alg, issuer, audience)
            result.update(status="fail", detail="accepted a tampered signature")
        except Exception as error:
            result.update(status="ok", detail=f"verified; tampered copy refused ({type(error).__name__})")
        results.append(result)
    return {"kids": [key.get("kid") for key in jwks["keys"]], "results": results}


def claims_of(issuer, audience, subject, now):
    return {
        "iss": issuer,
        "aud": audience,
        "sub": subject,
        "iat": now,
        "exp": now + 600,
        "jti": "partner-e2e",
    }


def signed(key, alg, kid, claims):
    token = jwcrypto_jwt.JWT(header={"alg": alg, "kid": kid, "typ": "JWT"}, claims=claims)
    token.make_signed_token(key)
    return token.serialize()


def public_jwk(key, alg, kid):
    exported = json.loads(key.export_public())
    exported.update(alg=alg, kid=kid, use="sig")
    return exported


def make(issuer, audience, subject, now):
    claims = claims_of(issuer, audience, subject, now)
    ec = jwcrypto_jwk.JWK.generate(kty="EC", crv="P-256")
    rsa = jwcrypto_jwk.JWK.generate(kty="RSA", size=2048)
    rogue = jwcrypto_jwk.JWK.generate(kty="EC", crv="P-256")
    upcoming = jwcrypto_jwk.JWK.generate(kty="EC", crv="P-256")
    plan = {
        "es256": (ec, "ES256", "partner-ec-1"),
        "rs256": (rsa, "RS256", "partner-rsa-1"),
        "rogue": (rogue, "ES256", "partner-rogue"),
        "next": (upcoming, "ES256", "partner-ec-2"),
    }
    tokens = {name: signed(key, alg, kid, claims) for name, (key, alg, kid) in plan.items()}
    published = [public_jwk(*plan[name]) for name in ("es256", "rs256")]
    return {
        "jwks": {"keys": published},
        "jwks_next": {"keys": published + [public_jwk(*plan["next"])]},
        "tokens": tokens,
        "kids": {name: kid for name, (_, _, kid) in plan.items()},
    }


def sign_pem(pem_file, alg, kid, issuer, audience, subject, now):
    with open(pem_file, "rb") as handle:
        key = jwcrypto_jwk.JWK.from_pem(handle.read())
    return {"token": signed(key, alg, kid, claims_of(issuer, audience, subject, now))}


def main(argv):
    command = argv[1] if len(argv) > 1 else ""
    if command == "check" and len(argv) == 2:
        result = {"jwcrypto": metadata.version("jwcrypto"), "pyjwt": pyjwt.__version__}
    elif command == "verify" and len(argv) == 7:
        result = verify(*argv[2:7])
    elif command == "make" and len(argv) == 6:
        result = make(argv[2], argv[3], argv[4], int(argv[5]))
    elif command == "sign-pem" and len(argv) == 9:
        result = sign_pem(*argv[2:8], int(argv[8]))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
