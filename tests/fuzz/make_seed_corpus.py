#!/usr/bin/env python3
"""Writes the seed corpora in tests/fuzz/corpus/ (docs/fuzzing.md).

A one-off tool, not part of the build: the corpus is checked in, and this
script only documents how it was made. Needs python3 with `cryptography`
and `yaml`. The token, JSON and JWK corpora use keys generated afresh on
every run, so re-running rewrites them with new keys and signatures; the
config and service corpora are deterministic (HMAC with the fuzzers' fixed
secrets, fixed texts). Hand-added reproducers (crash-*, any name not
written here) are left alone. With target names, only those corpora are
written.

    python3 tests/fuzz/make_seed_corpus.py [TARGET...]
"""

import base64
import hashlib
import hmac
import json
import os
import sys

import yaml

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature)

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")
ROOT = os.path.dirname(os.path.dirname(HERE))

# Must match token_parser_fuzzer.cc.
SECRET = b"jwtd-fuzzing-hs256-secret-32byte"
HMAC_KID = "hs256-key"
EC_KID = "es256-key"
ISSUER = "https://issuer.example"
NOW = 1700000000


def b64(data):
    if isinstance(data, str):
        data = data.encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def compact(obj):
    return json.dumps(obj, separators=(",", ":"))


def uint(value, length=None):
    if length is None:
        length = max(1, (value.bit_length() + 7) // 8)
    return value.to_bytes(length, "big")


HASHES = {"256": hashes.SHA256, "384": hashes.SHA384, "512": hashes.SHA512}
EC_CURVES = {"ES256": (ec.SECP256R1, 32), "ES384": (ec.SECP384R1, 48),
             "ES512": (ec.SECP521R1, 66)}

_keys = {}


def key_for(alg):
    """One private key per algorithm family, made on first use."""
    if alg in EC_CURVES:
        name = alg
    elif alg.startswith(("RS", "PS")):
        name = "RSA"
    else:
        name = alg
    if name not in _keys:
        if name in EC_CURVES:
            _keys[name] = ec.generate_private_key(EC_CURVES[name][0]())
        elif name == "RSA":
            _keys[name] = rsa.generate_private_key(65537, 2048)
        elif name == "EdDSA":
            _keys[name] = ed25519.Ed25519PrivateKey.generate()
        elif name == "Ed448":
            _keys[name] = ed448.Ed448PrivateKey.generate()
    return _keys[name]


def sign(alg, data, secret=SECRET):
    if alg.startswith("HS"):
        digest = {"256": hashlib.sha256, "384": hashlib.sha384,
                  "512": hashlib.sha512}[alg[2:]]
        return hmac.new(secret, data, digest).digest()
    key = key_for(alg)
    if alg in EC_CURVES:
        der = key.sign(data, ec.ECDSA(HASHES[alg[2:]]()))
        r, s = decode_dss_signature(der)
        size = EC_CURVES[alg][1]
        return uint(r, size) + uint(s, size)
    if alg.startswith("RS"):
        return key.sign(data, padding.PKCS1v15(), HASHES[alg[2:]]())
    if alg.startswith("PS"):
        h = HASHES[alg[2:]]()
        return key.sign(data, padding.PSS(mgf=padding.MGF1(h),
                                          salt_length=h.digest_size), h)
    if alg == "EdDSA":
        return key.sign(data)
    raise ValueError(alg)


def token(header, payload, alg=None, secret=SECRET):
    """A compact JWS; header/payload are dicts or raw strings."""
    h = header if isinstance(header, str) else compact(header)
    p = payload if isinstance(payload, str) else compact(payload)
    signing_input = b64(h) + "." + b64(p)
    alg = alg or (header.get("alg") if isinstance(header, dict) else None)
    signable = alg in EC_CURVES or alg == "EdDSA" or (
        alg is not None and alg[:2] in ("HS", "RS", "PS"))
    signature = sign(alg, signing_input.encode(), secret) if signable else b""
    return signing_input + "." + b64(signature)


def with_trailing_bits(encoded):
    """`encoded` with a non-zero unused bit in its last character."""
    assert len(encoded) % 4 in (2, 3)
    alphabet = ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                "0123456789-_")
    return encoded[:-1] + alphabet[alphabet.index(encoded[-1]) | 1]


def claims(**overrides):
    c = {"iss": ISSUER, "sub": "user-1", "aud": "api", "iat": NOW - 600,
         "nbf": NOW - 600, "exp": NOW + 3600, "jti": "seed-1",
         "scope": "read write"}
    for name, value in overrides.items():
        if value is None:
            c.pop(name, None)
        else:
            c[name] = value
    return c


def token_corpus():
    hs = {"alg": "HS256", "kid": HMAC_KID, "typ": "JWT"}
    t = {
        # Valid at the fuzzer's fixed time against its fixed HS256 key.
        "hs256_valid": token(hs, claims()),
        "hs256_typ_application_jwt": token(
            dict(hs, typ="application/JWT"),
            claims(aud=["other", "api"], exp=NOW + 0.5)),
        "hs256_no_kid": token({"alg": "HS256", "typ": "JWT"}, claims()),
        "hs256_expired": token(hs, claims(exp=NOW - 3600)),
        "hs256_bad_claim_types": token(
            hs, claims(exp="tomorrow", aud=[], iat=-1)),
        "hs384": token({"alg": "HS384", "kid": "hs384-key"}, claims(),
                       secret=SECRET * 2),
        "hs512": token({"alg": "HS512", "kid": "hs512-key"}, claims(),
                       secret=SECRET * 2),
        # Signed with keys the fuzzer does not hold; ES256 gets re-signed.
        "es256": token({"alg": "ES256", "kid": EC_KID, "typ": "JWT"},
                       claims()),
        "es384": token({"alg": "ES384", "kid": "es384-key"}, claims()),
        "es512": token({"alg": "ES512", "kid": "es512-key"}, claims()),
        "rs256": token({"alg": "RS256", "kid": "rsa-key"}, claims()),
        "ps256": token({"alg": "PS256", "kid": "rsa-key"}, claims()),
        "eddsa": token({"alg": "EdDSA", "kid": "ed-key"}, claims()),
        # Edge cases.
        "alg_none": token({"alg": "none", "typ": "JWT"}, claims()),
        "alg_none_capitalised": token({"alg": "None"}, claims()) + "c2ln",
        "jwe_five_segments": ".".join(
            [b64(compact({"alg": "RSA-OAEP", "enc": "A256GCM"})),
             b64(b"k" * 32), b64(b"iv" * 6), b64(b"ciphertext"),
             b64(b"t" * 16)]),
        "header_too_deep": token(
            '{"alg":"HS256","kid":"hs256-key","x":[[[[1]]]]}', claims(),
            alg="HS256"),
        "header_duplicate_alg": token(
            '{"alg":"HS256","kid":"hs256-key","alg":"none"}', claims(),
            alg="HS256"),
        "header_crit": token(dict(hs, crit=["exp"]), claims()),
        "header_jku": token(dict(hs, jku="https://evil.example/jwks"),
                            claims()),
        "header_cty_jwt": token(dict(hs, cty="jwt"), claims()),
        "kid_too_long": token(dict(hs, kid="k" * 257), claims()),
        "payload_not_json": token(hs, "not json at all"),
        "payload_duplicate_exp": token(
            hs, '{"iss":"%s","sub":"a","aud":"api","iat":%d,"exp":%d,'
                '"exp":1}' % (ISSUER, NOW, NOW + 60)),
        "base64_padding": b64(compact(hs)) + "=." + b64("{}") + ".c2ln",
        "base64_trailing_bits": with_trailing_bits(
            b64('{"alg":"HS256","kid":"k"}')) + ".e30.c2lnbmF0dXJl",
        "empty": "",
        "dots_only": "..",
    }
    return t


def ec_jwk(for_alg, private=False, **extra):
    key = key_for(for_alg)
    nums = key.public_key().public_numbers()
    size = EC_CURVES[for_alg][1]
    jwk = {"kty": "EC", "crv": {"ES256": "P-256", "ES384": "P-384",
                                 "ES512": "P-521"}[for_alg],
           "x": b64(uint(nums.x, size)), "y": b64(uint(nums.y, size))}
    if private:
        jwk["d"] = b64(uint(key.private_numbers().private_value, size))
    jwk.update(extra)
    return jwk


def rsa_jwk(private=False, bits=None, **extra):
    key = rsa.generate_private_key(65537, bits) if bits else key_for("RS256")
    pub = key.public_key().public_numbers()
    jwk = {"kty": "RSA", "n": b64(uint(pub.n)), "e": b64(uint(pub.e))}
    if private:
        p = key.private_numbers()
        jwk.update(d=b64(uint(p.d)), p=b64(uint(p.p)), q=b64(uint(p.q)),
                   dp=b64(uint(p.dmp1)), dq=b64(uint(p.dmq1)),
                   qi=b64(uint(p.iqmp)))
    jwk.update(extra)
    return jwk


def okp_jwk(curve="Ed25519", private=False, **extra):
    from cryptography.hazmat.primitives import serialization
    key = key_for("EdDSA" if curve == "Ed25519" else "Ed448")
    raw = serialization.Encoding.Raw
    jwk = {"kty": "OKP", "crv": curve,
           "x": b64(key.public_key().public_bytes(
               raw, serialization.PublicFormat.Raw))}
    if private:
        jwk["d"] = b64(key.private_bytes(
            raw, serialization.PrivateFormat.Raw,
            serialization.NoEncryption()))
    jwk.update(extra)
    return jwk


def jwk_corpus():
    realistic = {"keys": [
        ec_jwk("ES256", kid="ec-p256", alg="ES256", use="sig"),
        ec_jwk("ES384", kid="ec-p384"),
        ec_jwk("ES512", alg="ES512", key_ops=["verify"]),
        rsa_jwk(kid="rsa-rs256", alg="RS256", use="sig"),
        rsa_jwk(kid="rsa-ps384", alg="PS384"),
        okp_jwk("Ed25519", kid="ed25519", alg="EdDSA"),
        okp_jwk("Ed448", kid="ed448"),
        rsa_jwk(kid="rsa-enc", alg="RSA-OAEP", use="enc"),
    ]}
    bad_point = ec_jwk("ES256", kid="bad")
    y = bytearray(base64.urlsafe_b64decode(bad_point["y"] + "="))
    y[-1] ^= 1
    bad_point["y"] = b64(bytes(y))
    short_x = ec_jwk("ES256", kid="short")
    short_x["x"] = b64(base64.urlsafe_b64decode(short_x["x"] + "=")[1:])
    e_even = rsa_jwk(kid="even-e", alg="RS256")
    e_even["e"] = b64(uint(65536))
    docs = {
        "jwks_realistic": realistic,
        "jwks_oct": {"keys": [
            {"kty": "oct", "kid": "hs256", "alg": "HS256", "k": b64(SECRET)},
            {"kty": "oct", "kid": "hs512", "alg": "HS512",
             "k": b64(SECRET * 2)}]},
        "jwks_oct_short_secret": {"keys": [
            {"kty": "oct", "kid": "hs512", "alg": "HS512",
             "k": b64(SECRET)}]},
        "jwks_oct_without_kid": {"keys": [
            {"kty": "oct", "alg": "HS256", "k": b64(SECRET)}]},
        "jwks_mixed_secret_and_public": {"keys": [
            {"kty": "oct", "kid": "hs256", "alg": "HS256", "k": b64(SECRET)},
            ec_jwk("ES256", kid="ec")]},
        "jwks_ec_bad_point": {"keys": [bad_point]},
        "jwks_ec_short_coordinate": {"keys": [short_x]},
        "jwks_ec_alg_mismatch": {"keys": [
            ec_jwk("ES384", kid="p384", alg="ES256")]},
        "jwks_rsa_without_alg": {"keys": [rsa_jwk(kid="rsa")]},
        "jwks_rsa_1024": {"keys": [rsa_jwk(bits=1024, kid="small",
                                           alg="RS256")]},
        "jwks_rsa_even_exponent": {"keys": [e_even]},
        "jwks_duplicate_kid": {"keys": [ec_jwk("ES256", kid="same"),
                                        okp_jwk(kid="same")]},
        "jwks_private_key": {"keys": [ec_jwk("ES256", private=True,
                                             kid="priv")]},
        "jwk_ec_private": ec_jwk("ES256", private=True, kid="ec-priv",
                                 alg="ES256"),
        "jwk_rsa_private": rsa_jwk(private=True, kid="rsa-priv",
                                   alg="PS256"),
        "jwk_okp_private": okp_jwk(private=True, kid="ed-priv"),
        "jwk_okp_x25519": {"kty": "OKP", "crv": "X25519",
                           "x": b64(b"\x09" * 32)},
        "jwk_alg_none": dict(ec_jwk("ES256"), alg="none"),
    }
    out = {name: json.dumps(doc, indent=1 if name == "jwks_realistic"
                            else None) for name, doc in docs.items()}
    out["jwks_not_an_array"] = '{"keys":{"kty":"EC"}}'
    out["jwks_keys_twice"] = '{"keys":[],"keys":[]}'
    return out


def json_corpus():
    return {
        "claims": compact(claims()),
        "header": compact({"alg": "ES256", "kid": "k", "typ": "JWT"}),
        "whitespace": ' \t\r\n{ "a" : [ 1 , 2.5 , true , false , null ] }\n',
        "depth_16": '{"a":' * 15 + '[]' + '}' * 15,
        "depth_17": '{"a":' * 16 + '[]' + '}' * 16,
        "duplicate_member": '{"a":1,"b":2,"a":3}',
        "duplicate_member_large_object": "{" + ",".join(
            '"m%d":%d' % (i, i) for i in range(20)) + ',"m7":0}',
        "duplicate_member_nested": '{"x":{"y":[{"z":1,"z":1}]}}',
        "unicode_escapes": r'{"s":"\u00e9\ud83d\ude00\u2028\"\\\/\b\f\n\r\t",'
                           '"raw":"\u00e9\U0001F600"}',
        "lone_surrogate": r'{"s":"\ud800"}',
        "invalid_utf8": b'{"s":"\xff\xfe","o":"\xc0\xaf"}',
        "control_characters": r'{"\u0000":"\u001f\u007f"}',
        "numbers": '{"a":9223372036854775807,"b":-9223372036854775808,'
                   '"c":9223372036854775808,"d":18446744073709551616,'
                   '"e":1e308,"f":-0,"g":-0.0,"h":0.1e-5,"i":1E+2,'
                   '"j":5e-324,"k":9.3e18,"l":123456789012345678901234}',
        "number_overflow": '{"a":1e309}',
        "trailing_garbage": '{"a":1}x',
        "top_level_array": '[{"a":1}]',
        "empty_object": "{}",
        "leading_zero": '{"a":01}',
    }


def read(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        return f.read()


def embedded_configs(manifest):
    """The jwtd.yaml of each ConfigMap in a Kubernetes manifest."""
    return [doc["data"]["jwtd.yaml"] for doc in yaml.safe_load_all(
        read(manifest)) if doc and doc.get("kind") == "ConfigMap"]


# The smallest valid configuration, and variants of it.
MINIMAL = """issuers:
  - issuer: https://jwtd.example
    keys:
      local: {}
"""


def remote_issuer(**fields):
    lines = ["issuers:", "  - issuer: https://partner.example",
             "    keys:", "      remote_jwks:"]
    fields.setdefault("jwks_uri", "https://partner.example/jwks.json")
    lines += ["        %s: %s" % item for item in fields.items()]
    return "\n".join(lines) + "\n"


def config_corpus():
    sidecar, = embedded_configs("deploy/kubernetes/sidecar.yaml")
    issuer, = embedded_configs("deploy/kubernetes/issuer.yaml")
    audiences = ", ".join("aud-%d" % i for i in range(33))
    return {
        # Valid: the documented example, the deployments, small variants.
        "example": read("docs/jwtd.example.yaml"),
        "kubernetes_sidecar": sidecar,
        "kubernetes_issuer": issuer,
        "minimal": MINIMAL,
        "minimal_flow_style": '{"issuers": [{"issuer": "https://jwtd.example",'
                              ' "keys": {"local": {"alg": "EdDSA"}}}]}',
        "two_local_sources": MINIMAL + """  - issuer: https://second.example
    keys:
      local: {dir: /var/lib/jwtd/second, rotation_period: 0s}
""",
        "files_source": """issuers:
  - issuer: https://legacy.example
    require_exp: false
    algorithms: [RS256, PS256]
    keys:
      files: {paths: [/etc/jwtd/a.pem, /etc/jwtd/b.json], alg: RS256,
              allow_secret_keys: true, poll_interval: 0s}
""",
        "remote_discovery": remote_issuer(
            jwks_uri="", discovery_url="https://partner.example",
            default_rsa_alg="PS256", min_refresh="1m", max_refresh="1h",
            cooldown="0s", timeout="300s"),
        "serving_unix_and_redis": MINIMAL + """grpc_listen: unix:/run/jwtd/jwtd.sock
grpc_socket_mode: 0600
privileged_listen: 127.0.0.1:7000
validation_cache_mib: 0
access_log: all
revocation:
  store: redis
  redis: {host: redis.local, port: "6380", password: "", on_unavailable: fail_open}
""",
        # Refused.
        "empty": "",
        "not_a_mapping": "- a\n- b\n",
        "unknown_field": MINIMAL + "grpc_lisen: 127.0.0.1:1\n",
        "wrong_types": MINIMAL + "limits: {max_message_bytes: [1], "
                                 "keepalive_time: {a: b}}\n",
        "bad_duration": MINIMAL + "default_ttl: 15 minutes\n",
        "infinite_duration": MINIMAL + "shutdown_grace: inf\n",
        "ttl_above_max": MINIMAL + "default_ttl: 2h\nmax_ttl: 1h\n",
        "local_hmac": MINIMAL.replace("local: {}", "local: {alg: HS256}"),
        "publish_ahead_too_long": MINIMAL.replace(
            "local: {}", "local: {rotation_period: 1h, publish_ahead: 2h}"),
        "duplicate_issuer": MINIMAL + MINIMAL[len("issuers:\n"):],
        "two_sources": MINIMAL + "      files: {paths: [a.pem]}\n",
        "remote_plain_http": remote_issuer(
            jwks_uri="http://partner.example/jwks.json"),
        "privileged_callers_without_mtls": MINIMAL + """authorization:
  privileged_callers: [dns:login.local, "spiffe://td/x"]
""",
        "tls_key_without_cert": MINIMAL + "tls: {key_file: /k.pem}\n",
        "socket_mode_not_octal": MINIMAL + 'grpc_socket_mode: "0980"\n',
        "redis_port_zero": MINIMAL + "revocation: {redis: {port: 0}}\n",
        "unknown_alg_long": MINIMAL + "    algorithms: [%s]\n" % ("X" * 600),
        "unknown_field_long": MINIMAL + "%s: 1\n" % ("k" * 600),
        # What start-up refuses must be refused by the check too.
        "remote_timeout_too_long": remote_issuer(timeout="10m"),
        "remote_min_refresh_zero": remote_issuer(min_refresh="0s"),
        "remote_default_rsa_alg_es256": remote_issuer(default_rsa_alg="ES256"),
        "remote_url_without_host": remote_issuer(jwks_uri="https:///jwks"),
        "local_rotation_under_1s": MINIMAL.replace(
            "local: {}", "local: {rotation_period: 500ms, publish_ahead: 0s}"),
        "too_many_audiences": MINIMAL + "    audiences: [%s]\n" % audiences,
        "audience_too_long": MINIMAL + "    audiences: [%s]\n" % ("a" * 513),
        # YAML edge cases: nesting, anchors, tags, documents, bytes.
        "deep_flow_1999": "[" * 1999 + "]" * 1999,
        "deep_flow_5000": "[" * 5000,
        "deep_mixed": "a: " + "{b: [" * 1200 + "]}" * 1200 + "\n",
        "deep_block": "".join(" " * i + "- \n" for i in range(150)),
        "anchors_and_aliases": """base: &base {issuer: https://a.example, keys: {local: {}}}
issuers: [*base, *base]
""",
        "self_alias": "a: &x [*x]\n",
        "undefined_alias": "issuers: *nowhere\n",
        "merge_key": MINIMAL + "limits: {<<: {max_message_bytes: 2048}}\n",
        "tags": MINIMAL + "data_dir: !!binary aGVsbG8=\nmax_ttl: !custom 2h\n",
        "complex_key": MINIMAL + "? [a, b]\n: c\n",
        "two_documents": MINIMAL + "---\n" + MINIMAL,
        "tab_indent": "issuers:\n\t- issuer: x\n",
        "invalid_utf8": MINIMAL.encode() + b"data_dir: \xff\xfe\n",
        "nul_byte": MINIMAL.encode() + b"data_dir: a\x00b\n",
    }


# Must match validate_service_fuzzer.cc.
PARTNER_SECRET = b"jwtd-fuzzing-partner-secret-32by"
PARTNER_ISSUER = "https://partner.example"
SHARED_KID = "shared-kid"
F_INTROSPECT, F_SCOPE, F_ROLE, F_SWAP = 1, 2, 4, 8


def step(index):
    """The clock-step flag bits for kClockSteps[index]."""
    return index << 4


def service_input(flags, token_text, audience=None):
    prefix = bytes([flags])
    if audience is not None:
        prefix += audience.encode() + b"\n"
    return prefix + token_text.encode()


def service_corpus():
    own = {"alg": "HS256", "kid": HMAC_KID, "typ": "JWT"}
    partner = {"alg": "HS256", "kid": SHARED_KID, "typ": "at+jwt"}

    def own_token(header=None, **overrides):
        c = claims(**overrides)
        c["roles"] = ["dev"]
        return token(header or own, c)

    def partner_token(header=None, **overrides):
        c = claims(iss=PARTNER_ISSUER, aud="partner", jti="partner-1")
        for name, value in overrides.items():
            if value is None:
                c.pop(name, None)
            else:
                c[name] = value
        return token(header or partner, c, secret=PARTNER_SECRET)

    valid = own_token()
    return {
        "own_valid": service_input(0, valid),
        "own_valid_audience": service_input(0, valid, "api"),
        "own_valid_other_audience": service_input(0, valid, "admin"),
        "own_valid_scope_and_role": service_input(F_SCOPE | F_ROLE, valid),
        "own_valid_no_scope": service_input(F_SCOPE, own_token(scope=None)),
        "own_valid_no_roles": service_input(
            F_ROLE, token(own, claims())),
        "own_valid_introspect_1h": service_input(F_INTROSPECT | step(4),
                                                 valid),
        "own_valid_swap_keys": service_input(F_SWAP, valid),
        "own_valid_back_1h": service_input(step(7), valid),
        "own_valid_25h": service_input(F_INTROSPECT | step(5), valid),
        "own_exp_in_30s": service_input(
            step(2), own_token(exp=NOW + 30)),
        "own_nbf_in_1m": service_input(
            step(3), own_token(nbf=NOW + 60)),
        "own_shared_kid": service_input(
            0, own_token(dict(own, kid=SHARED_KID))),
        "own_no_kid": service_input(0, own_token({"alg": "HS256"})),
        "own_revoked": service_input(F_INTROSPECT, own_token(jti="revoked-1")),
        "own_revoked_short_31m": service_input(
            step(3), own_token(jti="revoked-short")),
        "own_expired": service_input(0, own_token(exp=NOW - 3600)),
        "own_too_old": service_input(0, own_token(iat=NOW - 25 * 3600)),
        "own_no_iat": service_input(0, own_token(iat=None)),
        "own_no_sub": service_input(0, own_token(sub=None)),
        "own_no_jti": service_input(step(1), own_token(jti=None)),
        "own_wrong_audience": service_input(0, own_token(aud="other")),
        "own_untrusted_issuer": service_input(
            0, own_token(iss="https://evil.example")),
        "own_unknown_kid": service_input(
            0, own_token(dict(own, kid="nobody"))),
        "partner_valid": service_input(0, partner_token(), "partner"),
        "partner_no_kid": service_input(
            F_INTROSPECT, partner_token({"alg": "HS256", "typ": "at+jwt"})),
        "partner_wrong_typ": service_input(
            0, partner_token(dict(partner, typ="JWT"))),
        "partner_leeway_zero": service_input(
            step(1), partner_token(exp=NOW + 10)),
        "partner_claims_own_iss": service_input(
            0, partner_token(iss=ISSUER, aud="api")),
        "alg_none": service_input(0, token({"alg": "none"}, claims())),
        "not_a_token": service_input(0, "not a token", "api"),
        "empty_token": service_input(0, ""),
    }


def write(target, files):
    directory = os.path.join(CORPUS, target)
    os.makedirs(directory, exist_ok=True)
    for name, content in files.items():
        data = content if isinstance(content, bytes) else content.encode()
        with open(os.path.join(directory, name), "wb") as f:
            f.write(data)


CORPORA = {
    "token_parser_fuzzer": token_corpus,
    "json_parser_fuzzer": json_corpus,
    "jwk_import_fuzzer": jwk_corpus,
    "config_loader_fuzzer": config_corpus,
    "validate_service_fuzzer": service_corpus,
}


def main(targets):
    for target in targets or CORPORA:
        if target not in CORPORA:
            sys.exit("unknown target %s (one of %s)" % (
                target, ", ".join(CORPORA)))
        write(target, CORPORA[target]())


if __name__ == "__main__":
    main(sys.argv[1:])
