#!/usr/bin/python3
"""Independent JOSE implementations for jwtd's interop_test.

Runs Debian's python3-jwcrypto and python3-jwt (PyJWT) against tokens and
keys that interop_test.cc hands over in files, or makes tokens for it to
check. Every command prints one JSON document on stdout.

  jose_interop.py check
      {"jwcrypto": version, "pyjwt": version}; exit status 3 when a module
      is missing (the C++ test then skips).
  jose_interop.py verify MANIFEST
      MANIFEST: {"cases": [{"name", "alg", "token", "jwks", "issuer",
      "audience", "subject"}]}. Each library verifies each token with the
      JWKS (key chosen by kid), checks iss/aud/sub/exp, and must also
      reject the token with its last signature byte changed. Prints
      {"results": [{"name", "lib", "status": "ok"|"fail"|"skip", "detail"}]}.
  jose_interop.py sign REQUEST
      REQUEST: {"cases": [{"name", "alg", "crv"?}], "issuer", "audience",
      "subject", "now"}. Each library generates a key and signs a JWT per
      case. Prints {"results": [{"name", "lib", "alg", "status", "detail",
      "token", "jwk"}]}; "jwk" is the public JWK (the oct JWK for HS*) with
      kid and alg.

A library that cannot handle an algorithm or curve at all reports "skip"
with the reason; anything else that goes wrong is "fail".
"""

import base64
from importlib import metadata
import json
import sys

try:
    import jwt as pyjwt
    from jwcrypto import jwk as jwcrypto_jwk
    from jwcrypto import jwt as jwcrypto_jwt
except ImportError as error:  # pragma: no cover - reported to the C++ side
    print(json.dumps({"error": f"missing module: {error}"}))
    sys.exit(3)

LIBS = ("jwcrypto", "pyjwt")


def tamper(token):
    """The token with the last byte of its signature changed."""
    head, _, signature = token.rpartition(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)))
    raw[-1] ^= 0x01
    return head + "." + base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()


def find_jwk(jwks, token):
    kid = pyjwt.get_unverified_header(token).get("kid")
    for key in jwks["keys"]:
        if key.get("kid") == kid:
            return key
    raise LookupError(f"no key with kid {kid!r}")


def verify_jwcrypto(case, token):
    keyset = jwcrypto_jwk.JWKSet.from_json(json.dumps(case["jwks"]))
    checked = jwcrypto_jwt.JWT(
        jwt=token,
        key=keyset,
        algs=[case["alg"]],
        check_claims={"iss": case["issuer"], "aud": case["audience"], "exp": None},
    )
    return json.loads(checked.claims)


def verify_pyjwt(case, token):
    key = pyjwt.PyJWK(find_jwk(case["jwks"], token), algorithm=case["alg"]).key
    return pyjwt.decode(
        token,
        key,
        algorithms=[case["alg"]],
        audience=case["audience"],
        issuer=case["issuer"],
        options={"require": ["exp", "iss", "aud"]},
    )


VERIFIERS = {"jwcrypto": verify_jwcrypto, "pyjwt": verify_pyjwt}


def verify(manifest):
    results = []
    for case in manifest["cases"]:
        for lib in LIBS:
            result = {"name": case["name"], "lib": lib}
            try:
                claims = VERIFIERS[lib](case, case["token"])
                if claims.get("sub") != case["subject"]:
                    raise ValueError(f"sub is {claims.get('sub')!r}")
            except Exception as error:  # any failure to verify is a failure
                result.update(status="fail", detail=f"{type(error).__name__}: {error}")
                results.append(result)
                continue
            try:
                VERIFIERS[lib](case, tamper(case["token"]))
                result.update(status="fail", detail="accepted a tampered signature")
            except Exception as error:
                result.update(status="ok", detail=f"verified; tampered copy refused ({type(error).__name__})")
            results.append(result)
    return results


def generate(case, cache):
    """A jwcrypto JWK (private) for the case, shared per key shape."""
    alg = case["alg"]
    if alg.startswith("HS"):
        shape = ("oct", alg)
        params = {"kty": "oct", "size": 8 * {"HS256": 32, "HS384": 48, "HS512": 64}[alg]}
    elif alg[:2] in ("RS", "PS"):
        shape = ("RSA",)
        params = {"kty": "RSA", "size": 2048}
    elif alg.startswith("ES"):
        crv = {"ES256": "P-256", "ES384": "P-384", "ES512": "P-521"}[alg]
        shape = ("EC", crv)
        params = {"kty": "EC", "crv": crv}
    else:
        shape = ("OKP", case["crv"])
        params = {"kty": "OKP", "crv": case["crv"]}
    if shape not in cache:
        cache[shape] = jwcrypto_jwk.JWK.generate(**params)
    return cache[shape]


def public_jwk(key, alg, kid):
    exported = json.loads(key.export() if key.get("kty") == "oct" else key.export_public())
    exported.update(alg=alg, kid=kid, use="sig")
    return exported


def sign(request):
    claims = {
        "iss": request["issuer"],
        "aud": request["audience"],
        "sub": request["subject"],
        "iat": request["now"],
        "exp": request["now"] + 600,
        "jti": "interop",
    }
    results = []
    cache = {}
    for case in request["cases"]:
        alg = case["alg"]
        for lib in LIBS:
            kid = f"{lib}-{case['name']}"
            result = {"name": case["name"], "lib": lib, "alg": alg}
            try:
                key = generate(case, cache)
            except Exception as error:
                result.update(status="skip", detail=f"cannot make the key: {error}")
                results.append(result)
                continue
            try:
                if lib == "jwcrypto":
                    token = jwcrypto_jwt.JWT(
                        header={"alg": alg, "kid": kid, "typ": "JWT"}, claims=claims
                    )
                    token.make_signed_token(key)
                    serialized = token.serialize()
                else:
                    if key.get("kty") == "oct":
                        signing_key = base64.urlsafe_b64decode(key.k + "=" * (-len(key.k) % 4))
                    else:
                        signing_key = key.get_op_key("sign")
                    serialized = pyjwt.encode(claims, signing_key, algorithm=alg, headers={"kid": kid})
            except NotImplementedError as error:
                result.update(status="skip", detail=f"unsupported: {error}")
                results.append(result)
                continue
            except Exception as error:
                result.update(status="fail", detail=f"{type(error).__name__}: {error}")
                results.append(result)
                continue
            result.update(status="ok", detail="signed", token=serialized, jwk=public_jwk(key, alg, kid))
            results.append(result)
    return results


def main(argv):
    if len(argv) == 2 and argv[1] == "check":
        print(json.dumps({"jwcrypto": metadata.version("jwcrypto"), "pyjwt": pyjwt.__version__}))
        return 0
    if len(argv) != 3 or argv[1] not in ("verify", "sign"):
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[2], encoding="utf-8") as handle:
        request = json.load(handle)
    results = verify(request) if argv[1] == "verify" else sign(request)
    print(json.dumps({"results": results}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
