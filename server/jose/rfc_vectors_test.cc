// Published JOSE examples, verified through the public API exactly as a
// relying party would meet them: the RFC's JWK through ParseJwk/ImportJwks,
// the RFC's compact token through VerifyCompactJws (and JwtValidator where
// the payload is a claim set, at a fixed clock).
//
//  - RFC 7515 Appendix A.1 (HS256), A.2 (RS256), A.3 (ES256), A.4 (ES512),
//    A.5 (unsecured "none": rejected).
//  - RFC 7520 section 4: 4.1 RS256, 4.2 PS384, 4.3 ES512, 4.4 HS256, and the
//    4.5 (detached), 4.6, 4.7, 4.8 variants as far as compact JWS can carry
//    them.
//  - RFC 8037 Appendix A (Ed25519), and the RFC 7638 / RFC 8037 A.3
//    thumbprints.
//
// Deterministic signatures (HMAC, RSASSA-PKCS1-v1_5, Ed25519) are also
// reproduced byte for byte from the private JWK over the RFC's exact signing
// input (whose headers hold whitespace and CRLF, so SignCompact's own header
// could not match). The constants were checked against python3-jwcrypto and
// against the RFC 7520 figures in Wycheproof's json_web_signature_test.json.

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/jose/algorithm.h"
#include "server/jose/base64url.h"
#include "server/jose/json.h"
#include "server/jose/json_parser.h"
#include "server/jose/jwk.h"
#include "server/jose/jwks.h"
#include "server/jose/jws.h"
#include "server/jose/jwt_validator.h"
#include "server/jose/key_material.h"
#include "server/jose/key_set.h"
#include "server/jose/keys.h"
#include "tests/support/reject_matchers.h"
#include "tests/support/status_matchers.h"

namespace jwtd::jose {
namespace {

using ::jwtd::testing::IsRejected;
using ::jwtd::testing::StatusIs;

// ---------------------------------------------------------------------------
// RFC 7515 Appendix A.
// ---------------------------------------------------------------------------

// A.1 header: {"typ":"JWT",\r\n "alg":"HS256"}
// A.1-A.3 payload:
//   {"iss":"joe",\r\n "exp":1300819380,\r\n "http://example.com/is_root":true}
// signature: HMAC-SHA256 with the A.1 key.
constexpr char kRfc7515A1Token[] =
    "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9."
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcG"
    "xlLmNvbS9pc19yb290Ijp0cnVlfQ."
    "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

// The A.1 JWK exactly as printed: a 64-byte oct key with neither alg nor
// kid.
constexpr char kRfc7515A1Jwk[] =
    R"({"kty":"oct","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS)"
    R"(0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"})";

// A.1's payload, the JWS Payload of A.1, A.2 and A.3.
constexpr char kRfc7515Payload[] =
    "{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n"
    " \"http://example.com/is_root\":true}";
// The A.1-A.3 "exp": 2011-03-22T18:43:00Z.
constexpr int64_t kRfc7515Exp = 1300819380;

// A.2 header: {"alg":"RS256"}; payload as A.1; RSASSA-PKCS1-v1_5 SHA-256.
constexpr char kRfc7515A2Token[] =
    "eyJhbGciOiJSUzI1NiJ9."
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcG"
    "xlLmNvbS9pc19yb290Ijp0cnVlfQ."
    "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AA"
    "uHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAyn"
    "RFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZR"
    "mB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnv"
    "Wh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_Ioy"
    "pGlUPQGe77Rw";

// The A.2 JWK: a 2048-bit RSA private key (n, e, d, p, q, dp, dq, qi), no
// alg, no kid.
constexpr char kRfc7515A2Jwk[] =
    R"({"kty":"RSA","n":"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0)"
    R"(l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgN)"
    R"(MsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5)"
    R"(z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3)"
    R"(qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkM)"
    R"(Ls91kzk2PAcDTW9gb54h4FRWyuXpoQ","e":"AQAB","d":"Eq5xpGnNCivDflJsRQ)"
    R"(BXHx1hdR1k6Ulwe2JZD50LpXyWPEAeP88vLNO97IjlA7_GQ5sLKMgvfTeXZx9SE-7Y)"
    R"(wVol2NXOoAJe46sui395IW_GO-pWJ1O0BkTGoVEn2bKVRUCgu-GjBVaYLU6f3l9kJf)"
    R"(FNS3E0QbVdxzubSu3Mkqzjkn439X0M_V51gfpRLI9JYanrC4D4qAdGcopV_0ZHHzQl)"
    R"(BjudU2QvXt4ehNYTCBr6XCLQUShb1juUO1ZdiYoFaFQT5Tw8bGUl_x_jTj3ccPDVZF)"
    R"(D9pIuhLhBOneufuBiB4cS98l2SR_RQyGWSeWjnczT0QU91p1DhOVRuOopznQ","p":)"
    R"("4BzEEOtIpmVdVEZNCqS7baC4crd0pqnRH_5IB3jw3bcxGn6QLvnEtfdUdiYrqBdss)"
    R"(1l58BQ3KhooKeQTa9AB0Hw_Py5PJdTJNPY8cQn7ouZ2KKDcmnPGBY5t7yLc1QlQ5xH)"
    R"(dwW1VhvKn-nXqhJTBgIPgtldC-KDV5z-y2XDwGUc","q":"uQPEfgmVtjL0Uyyx88G)"
    R"(ZFF1fOunH3-7cepKmtH4pxhtCoHqpWmT8YAmZxaewHgHAjLYsp1ZSe7zFYHj7C6ul7)"
    R"(TjeLQeZD_YwD66t62wDmpe_HlB-TnBA-njbglfIsRLtXlnDzQkv5dTltRJ11BKBByp)"
    R"(eeF6689rjcJIDEz9RWdc","dp":"BwKfV3Akq5_MFZDFZCnW-wzl-CCo83WoZvnLQw)"
    R"(CTeDv8uzluRSnm71I3QCLdhrqE2e9YkxvuxdBfpT_PI7Yz-FOKnu1R6HsJeDCjn12S)"
    R"(k3vmAktV2zb34MCdy7cpdTh_YVr7tss2u6vneTwrA86rZtu5Mbr1C1XsmvkxHQAdYo)"
    R"(0","dq":"h_96-mK1R_7glhsum81dZxjTnYynPbZpHziZjeeHcXYsXaaMwkOlODsWa)"
    R"(7I9xXDoRwbKgB719rrmI2oKr6N3Do9U0ajaHF-NKJnwgjMd2w9cjz3_-kyNlxAr2v4)"
    R"(IKhGNpmM5iIgOS1VZnOZ68m6_pbLBSp3nssTdlqvd0tIiTHU","qi":"IYd7DHOhrW)"
    R"(vxkwPQsRM2tOgrjbcrfvtQJipd-DlcxyVuuM9sQLdgjVk2oy26F0EmpScGLq2MowX7)"
    R"(fhd_QJQ3ydy5cY7YIBi87w93IKLEdfnbJtoOPLUW0ITrJReOgo1cq9SbsxYawBgfp_)"
    R"(gh6A5603k2-ZQwVK0JKSHuLFkuQ3U"})";

// A.3 header: {"alg":"ES256"}; payload as A.1; ECDSA P-256 SHA-256, R||S.
constexpr char kRfc7515A3Token[] =
    "eyJhbGciOiJFUzI1NiJ9."
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcG"
    "xlLmNvbS9pc19yb290Ijp0cnVlfQ."
    "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApm"
    "WQxfKTUJqPP3-Kg6NU1Q";

// The A.3 JWK: a P-256 private key (x, y, d), no alg, no kid.
constexpr char kRfc7515A3Jwk[] =
    R"({"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9)"
    R"(uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0","d":"j)"
    R"(psQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"})";

// A.4 header: {"alg":"ES512"}; payload: the 7 bytes "Payload"; ECDSA P-521
// SHA-512, R||S of 132 bytes.
constexpr char kRfc7515A4Token[] =
    "eyJhbGciOiJFUzUxMiJ9."
    "UGF5bG9hZA."
    "AdwMgeerwtHoh-l192l60hp9wAHZFVJbLfD_UxMi70cwnZOYaRI1bKPWROc-mZZqwq"
    "T2SI-KGDKB34XO0aw_7XdtAG8GaSwFKdCAPZgoXD2YBJZCPEX3xKpRwcdOO8KpEHwJ"
    "jyqOgzDO7iKvU8vcnwNrmxYbSW9ERBXukOXolLzeO_Jn";

// The A.4 JWK: a P-521 private key (x, y, d), no alg, no kid.
constexpr char kRfc7515A4Jwk[] =
    R"({"kty":"EC","crv":"P-521","x":"AekpBQ8ST8a8VcfVOTNl353vSrDCLLJXmPk)"
    R"(06wTjxrrjcBpXp5EOnYG_NjFZ6OvLFV1jSfS9tsz4qUxcWceqwQGk","y":"ADSmRA)"
    R"(43Z1DSNx_RvcLI87cdL07l6jQyyBXMoxVg_l2Th-x3S1WDhjDly79ajL4Kkd0AZMaZ)"
    R"(mh9ubmf63e3kyMj2","d":"AY5pb7A0UFiB3RELSD64fTLOSV_jazdF7fLYyuTw8lO)"
    R"(fRhWg6Y6rUrPAxerEzgdRhajnu0ferB0d53vM9mE15j2C"})";

// A.5 header: {"alg":"none"}; payload as A.1; empty signature.
constexpr char kRfc7515A5Token[] =
    "eyJhbGciOiJub25lIn0."
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcG"
    "xlLmNvbS9pc19yb290Ijp0cnVlfQ.";

// ---------------------------------------------------------------------------
// RFC 7520 (JOSE Cookbook) section 4.
// ---------------------------------------------------------------------------

// Section 4 payload, base64url of the 162 bytes: "It’s a dangerous
// business, Frodo, going out your door. You step onto the road, and if you
// don't keep your feet, there’s no knowing where you might be swept off
// to." (with U+2019 apostrophes).
constexpr char kRfc7520Payload[] =
    "SXTigJlzIGEgZGFuZ2Vyb3VzIGJ1c2luZXNzLCBGcm9kbywgZ29pbmcgb3V0IHlvdX"
    "IgZG9vci4gWW91IHN0ZXAgb250byB0aGUgcm9hZCwgYW5kIGlmIHlvdSBkb24ndCBr"
    "ZWVwIHlvdXIgZmVldCwgdGhlcmXigJlzIG5vIGtub3dpbmcgd2hlcmUgeW91IG1pZ2"
    "h0IGJlIHN3ZXB0IG9mZiB0by4";

// Figure 13 (4.1): header
// {"alg":"RS256","kid":"bilbo.baggins@hobbiton.example"}
constexpr char kRfc7520Figure13[] =
    "eyJhbGciOiJSUzI1NiIsImtpZCI6ImJpbGJvLmJhZ2dpbnNAaG9iYml0b24uZXhhbX"
    "BsZSJ9."
    "SXTigJlzIGEgZGFuZ2Vyb3VzIGJ1c2luZXNzLCBGcm9kbywgZ29pbmcgb3V0IHlvdX"
    "IgZG9vci4gWW91IHN0ZXAgb250byB0aGUgcm9hZCwgYW5kIGlmIHlvdSBkb24ndCBr"
    "ZWVwIHlvdXIgZmVldCwgdGhlcmXigJlzIG5vIGtub3dpbmcgd2hlcmUgeW91IG1pZ2"
    "h0IGJlIHN3ZXB0IG9mZiB0by4."
    "MRjdkly7_-oTPTS3AXP41iQIGKa80A0ZmTuV5MEaHoxnW2e5CZ5NlKtainoFmKZopd"
    "HM1O2U4mwzJdQx996ivp83xuglII7PNDi84wnB-BDkoBwA78185hX-Es4JIwmDLJK3"
    "lfWRa-XtL0RnltuYv746iYTh_qHRD68BNt1uSNCrUCTJDt5aAE6x8wW1Kt9eRo4QPo"
    "cSadnHXFxnt8Is9UzpERV0ePPQdLuW3IS_de3xyIrDaLGdjluPxUAhb6L2aXic1U12"
    "podGU0KLUQSE_oI-ZnmKJ3F4uOZDnd6QZWJushZ41Axf_fcIe8u9ipH84ogoree7vj"
    "bU5y18kDquDg";

// Figure 20 (4.2): header
// {"alg":"PS384","kid":"bilbo.baggins@hobbiton.example"}
constexpr char kRfc7520Figure20[] =
    "eyJhbGciOiJQUzM4NCIsImtpZCI6ImJpbGJvLmJhZ2dpbnNAaG9iYml0b24uZXhhbX"
    "BsZSJ9."
    "SXTigJlzIGEgZGFuZ2Vyb3VzIGJ1c2luZXNzLCBGcm9kbywgZ29pbmcgb3V0IHlvdX"
    "IgZG9vci4gWW91IHN0ZXAgb250byB0aGUgcm9hZCwgYW5kIGlmIHlvdSBkb24ndCBr"
    "ZWVwIHlvdXIgZmVldCwgdGhlcmXigJlzIG5vIGtub3dpbmcgd2hlcmUgeW91IG1pZ2"
    "h0IGJlIHN3ZXB0IG9mZiB0by4."
    "cu22eBqkYDKgIlTpzDXGvaFfz6WGoz7fUDcfT0kkOy42miAh2qyBzk1xEsnk2IpN6-"
    "tPid6VrklHkqsGqDqHCdP6O8TTB5dDDItllVo6_1OLPpcbUrhiUSMxbbXUvdvWXzg-"
    "UD8biiReQFlfz28zGWVsdiNAUf8ZnyPEgVFn442ZdNqiVJRmBqrYRXe8P_ijQ7p8Vd"
    "z0TTrxUeT3lm8d9shnr2lfJT8ImUjvAA2Xez2Mlp8cBE5awDzT0qI0n6uiP1aCN_2_"
    "jLAeQTlqRHtfa64QQSUmFAAjVKPbByi7xho0uTOcbH510a6GYmJUAfmWjwZ6oD4ifK"
    "o8DYM-X72Eaw";

// Figure 27 (4.3): header
// {"alg":"ES512","kid":"bilbo.baggins@hobbiton.example"}
constexpr char kRfc7520Figure27[] =
    "eyJhbGciOiJFUzUxMiIsImtpZCI6ImJpbGJvLmJhZ2dpbnNAaG9iYml0b24uZXhhbX"
    "BsZSJ9."
    "SXTigJlzIGEgZGFuZ2Vyb3VzIGJ1c2luZXNzLCBGcm9kbywgZ29pbmcgb3V0IHlvdX"
    "IgZG9vci4gWW91IHN0ZXAgb250byB0aGUgcm9hZCwgYW5kIGlmIHlvdSBkb24ndCBr"
    "ZWVwIHlvdXIgZmVldCwgdGhlcmXigJlzIG5vIGtub3dpbmcgd2hlcmUgeW91IG1pZ2"
    "h0IGJlIHN3ZXB0IG9mZiB0by4."
    "AE_R_YZCChjn4791jSQCrdPZCNYqHXCTZH0-JZGYNlaAjP2kqaluUIIUnC9qvbu9Pl"
    "on7KRTzoNEuT4Va2cmL1eJAQy3mtPBu_u_sDDyYjnAMDxXPn7XrT0lw-kvAD890jl8"
    "e2puQens_IEKBpHABlsbEPX6sFY8OcGDqoRuBomu9xQ2";

// Figure 35 (4.4): header
// {"alg":"HS256","kid":"018c0ae5-4d9b-471b-bfd6-eef314bc7037"}
constexpr char kRfc7520Figure35[] =
    "eyJhbGciOiJIUzI1NiIsImtpZCI6IjAxOGMwYWU1LTRkOWItNDcxYi1iZmQ2LWVlZj"
    "MxNGJjNzAzNyJ9."
    "SXTigJlzIGEgZGFuZ2Vyb3VzIGJ1c2luZXNzLCBGcm9kbywgZ29pbmcgb3V0IHlvdX"
    "IgZG9vci4gWW91IHN0ZXAgb250byB0aGUgcm9hZCwgYW5kIGlmIHlvdSBkb24ndCBr"
    "ZWVwIHlvdXIgZmVldCwgdGhlcmXigJlzIG5vIGtub3dpbmcgd2hlcmUgeW91IG1pZ2"
    "h0IGJlIHN3ZXB0IG9mZiB0by4."
    "s0h6KThzkfBBBkLspW1h84VsJZFTsPPqMDA7g1Md7p0";

// Figure 4 (section 3.4): the RSA private key, kid
// "bilbo.baggins@hobbiton.example", use "sig", no alg.
constexpr char kRfc7520RsaPrivateJwk[] =
    R"({"kty":"RSA","kid":"bilbo.baggins@hobbiton.example","n":"n4EPtAOCc)"
    R"(9AlkeQHPzHStgAbgs7bTZLwUBZdR8_KuKPEHLd4rHVTeT-O-XV2jRojdNhxJWTDvNd)"
    R"(7nqQ0VEiZQHz_AJmSCpMaJMRBSFKrKb2wqVwGU_NsYOYL-QtiWN2lbzcEe6XC0dApr)"
    R"(5ydQLrHqkHHig3RBordaZ6Aj-oBHqFEHYpPe7Tpe-OfVfHd1E6cS6M1FZcD1NNLYD5)"
    R"(lFHpPI9bTwJlsde3uhGqC0ZCuEHg8lhzwOHrtIQbS0FVbb9k3-tVTU4fg_3L_vniUF)"
    R"(AKwuCLqKnS2BYwdq_mzSnbLY7h_qixoR7jig3__kRhuaxwUkRz5iaiQkqgc5gHdrNP)"
    R"(5zw","e":"AQAB","d":"bWUC9B-EFRIo8kpGfh0ZuyGPvMNKvYWNtB_ikiH9k20eT)"
    R"(-O1q_I78eiZkpXxXQ0UTEs2LsNRS-8uJbvQ-A1irkwMSMkK1J3XTGgdrhCku9gRldY)"
    R"(7sNA_AKZGh-Q661_42rINLRCe8W-nZ34ui_qOfkLnK9QWDDqpaIsA-bMwWWSDFu2MU)"
    R"(BYwkHTMEzLYGqOe04noqeq1hExBTHBOBdkMXiuFhUq1BU6l-DqEiWxqg82sXt2h-LM)"
    R"(nT3046AOYJoRioz75tSUQfGCshWTBnP5uDjd18kKhyv07lhfSJdrPdM5Plyl21hsFf)"
    R"(4L_mHCuoFau7gdsPfHPxxjVOcOpBrQzwQ","p":"3Slxg_DwTXJcb6095RoXygQCAZ)"
    R"(5RnAvZlno1yhHtnUex_fp7AZ_9nRaO7HX_-SFfGQeutao2TDjDAWU4Vupk8rw9JR0A)"
    R"(zZ0N2fvuIAmr_WCsmGpeNqQnev1T7IyEsnh8UMt-n5CafhkikzhEsrmndH6LxOrvRJ)"
    R"(lsPp6Zv8bUq0k","q":"uKE2dh-cTf6ERF4k4e_jy78GfPYUIaUyoSSJuBzp3Cubk3)"
    R"(OCqs6grT8bR_cu0Dm1MZwWmtdqDyI95HrUeq3MP15vMMON8lHTeZu2lmKvwqW7anV5)"
    R"(UzhM1iZ7z4yMkuUwFWoBvyY898EXvRD-hdqRxHlSqAZ192zB3pVFJ0s7pFc","dp":)"
    R"("B8PVvXkvJrj2L-GYQ7v3y9r6Kw5g9SahXBwsWUzp19TVlgI-YV85q1NIb1rxQtD-I)"
    R"(sXXR3-TanevuRPRt5OBOdiMGQp8pbt26gljYfKU_E9xn-RULHz0-ed9E9gXLKD4VGn)"
    R"(gpz-PfQ_q29pk5xWHoJp009Qf1HvChixRX59ehik","dq":"CLDmDGduhylc9o7r84)"
    R"(rEUVn7pzQ6PF83Y-iBZx5NT-TpnOZKF1pErAMVeKzFEl41DlHHqqBLSM0W1sOFbwTx)"
    R"(YWZDm6sI6og5iTbwQGIC3gnJKbi_7k_vJgGHwHxgPaX2PnvP-zyEkDERuf-ry4c_Z1)"
    R"(1Cq9AqC2yeL6kdKT1cYF8","qi":"3PiqvXQN0zwMeE-sBvZgi289XP9XCQF3VWqPz)"
    R"(MKnIgQp7_Tugo6-NZBKCQsMf3HaEGBjTVJs_jcK8-TRXvaKe-7ZMaQj8VfBdYkssbu)"
    R"(0NKDDhjJ-GtiseaDVWt7dcH0cfwxgFUHpQh7FoCrjFJ6h6ZEpMF6xmujs4qMpPz8aa)"
    R"(I4"})";

// Figure 2 (section 3.2): the P-521 private key, same kid, use "sig".
constexpr char kRfc7520EcPrivateJwk[] =
    R"({"kty":"EC","kid":"bilbo.baggins@hobbiton.example","crv":"P-521",")"
    R"(x":"AHKZLLOsCOzz5cY97ewNUajB957y-C-U88c3v13nmGZx6sYl_oJXu9A5RkTKqj)"
    R"(qvjyekWF-7ytDyRXYgCF5cj0Kt","y":"AdymlHvOiLxXkEhayXQnNCvDX4h9htZaC)"
    R"(JN34kfmC6pV5OhQHiraVySsUdaQkAgDPrwQrJmbnX9cwlGfP-HqHZR1","d":"AAhR)"
    R"(ON2r9cqXX1hg-RoI6R1tX5p2rUAYdmpHZoC1XNM56KtscrX6zbKipQrCW9CGZH3T4u)"
    R"(bpnoTKLDYJ_fF3_rJt"})";

// Figure 5 (section 3.5): the HMAC key, alg HS256.
constexpr char kRfc7520HmacJwk[] =
    R"({"kty":"oct","kid":"018c0ae5-4d9b-471b-bfd6-eef314bc7037","use":"s)"
    R"(ig","alg":"HS256","k":"hJtXIZ2uSN5kbQfbtTNWbpdmhkV8FJG-Onbc6mxCcYg)"
    R"("})";

// 4.6: protected header {"alg":"HS256"} (kid only in the unprotected
// header); HMAC over "eyJhbGciOiJIUzI1NiJ9.<payload>".
constexpr char kRfc7520Section46Signature[] =
    "bWUSVaxorn7bEF1djytBd0kHv70Ly5pvbomzMWSOr20";

// 4.7: no protected header at all; HMAC over ".<payload>".
constexpr char kRfc7520Section47Signature[] =
    "xuLifqLGiblpv9zBpuZczWhNj1gARaLV3UxvxhJxZuk";

// 4.8.2: protected {"alg":"RS256"}, unprotected {"kid":"bilbo..."}.
constexpr char kRfc7520Section482Signature[] =
    "MIsjqtVlOpa71KE-Mss8_Nq2YH4FGhiocsqrgi5NvyG53uoimic1tcMdSg-qptrzZc"
    "7CG6Svw2Y13TDIqHzTUrL_lR2ZFcryNFiHkSw129EghGpwkpxaTn_THJTCglNbADko"
    "1MZBCdwzJxwqZc-1RlpO2HibUYyXSwO97BSe0_evZKdjvvKSgsIqjytKSeAMbhMBdM"
    "ma622_BG5t4sdbuCHtFjp9iJmkio47AIwqkZV1aIZsv33uPUqBBCXbYoQJwt7mxPft"
    "HmNlGoOSMxR_3thmXTCm4US-xiNOyhbm8afKK64jU6_TPtQHiJeQJxz9G3Tx-083B7"
    "45_AfYOnlC9w";

// 4.8.3: no protected header; unprotected {"alg":"ES512","kid":"bilbo..."}.
constexpr char kRfc7520Section483Signature[] =
    "ARcVLnaJJaUWG8fG-8t5BREVAuTY8n8YHjwDO1muhcdCoFZFFjfISu0Cdkn9Ybdlmi"
    "54ho0x924DUz8sK7ZXkhc7AFM8ObLfTvNCrqcI3Jkl2U5IX3utNhODH6v7xgy1Qahs"
    "n0fyb4zSAkje8bAWz4vIfj5pCMYxxm4fgV3q7ZYhm5eD";

// ---------------------------------------------------------------------------
// RFC 8037 Appendix A (Ed25519).
// ---------------------------------------------------------------------------

// A.1: the Ed25519 private key.
constexpr char kRfc8037PrivateJwk[] =
    R"({"kty":"OKP","crv":"Ed25519",)"
    R"("d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A",)"
    R"("x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})";
// A.2: its public key.
constexpr char kRfc8037PublicJwk[] =
    R"({"kty":"OKP","crv":"Ed25519",)"
    R"("x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})";
// A.3: the RFC 7638 thumbprint of that key.
constexpr char kRfc8037Thumbprint[] =
    "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k";
// A.4: header {"alg":"EdDSA"}, payload "Example of Ed25519 signing".
constexpr char kRfc8037Token[] =
    "eyJhbGciOiJFZERTQSJ9."
    "RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc."
    "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g"
    "7sVvpAr_MuM0KAg";

// RFC 7638 section 3.1: the RSA key of RFC 7517 Appendix A.1 and its
// thumbprint.
constexpr char kRfc7638Jwk[] =
    R"({"kty":"RSA","e":"AQAB","alg":"RS256","kid":"2011-04-29",)"
    R"("n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86z)"
    R"(wu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4H)"
    R"(c5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8)"
    R"(KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQF)"
    R"(h6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzK)"
    R"(nqDKgw"})";
constexpr char kRfc7638Thumbprint[] =
    "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs";

// ---------------------------------------------------------------------------
// Helpers.
// ---------------------------------------------------------------------------

constexpr JsonLimits kJwkLimits{.max_bytes = 16384, .max_depth = 4};

// The private members of RSA, EC and OKP JWKs.
constexpr absl::string_view kPrivateMembers[] = {"d",  "p",  "q",
                                                 "dp", "dq", "qi"};

absl::StatusOr<Json> ParseText(absl::string_view text) {
  return ParseJsonObject(text, kJwkLimits);
}

// `jwk` (JSON text) with `set` members added or replaced, and the private
// members dropped when `public_only`.
std::string EditJwk(absl::string_view jwk,
                    std::vector<std::pair<std::string, std::string>> set,
                    bool public_only) {
  const Json parsed = ParseText(jwk).value();
  Json out = Json::EmptyObject();
  for (const auto& [name, value] : parsed.object()) {
    const bool is_private =
        std::find(std::begin(kPrivateMembers), std::end(kPrivateMembers),
                  name) != std::end(kPrivateMembers);
    if (public_only && is_private) continue;
    out.Set(name, value);
  }
  for (auto& [name, value] : set) out.Set(name, Json::String(value));
  return out.Serialize();
}

std::string PublicJwkText(
    absl::string_view jwk,
    std::vector<std::pair<std::string, std::string>> set = {}) {
  return EditJwk(jwk, std::move(set), /*public_only=*/true);
}

std::string JwksOf(std::vector<std::string> jwks) {
  return absl::StrCat(R"({"keys":[)", absl::StrJoin(jwks, ","), "]}");
}

// Import options, set field by field (-Wmissing-field-initializers).
JwksImportOptions AllowSecrets(bool allow = true) {
  JwksImportOptions options;
  options.allow_secret_keys = allow;
  return options;
}
JwksImportOptions DefaultRsaAlg(JwsAlgorithm alg) {
  JwksImportOptions options;
  options.default_rsa_alg = alg;
  return options;
}

// A policy for `issuer`, requiring `typ` when non-empty.
ValidationPolicy Policy(std::string issuer, std::string typ = "") {
  ValidationPolicy policy;
  policy.issuer = std::move(issuer);
  if (!typ.empty()) policy.typ = std::move(typ);
  return policy;
}

// Parses a JWK that must be a signature key.
absl::StatusOr<Jwk> ParseJwkText(absl::string_view text) {
  absl::StatusOr<Json> json = ParseText(text);
  if (!json.ok()) return json.status();
  absl::StatusOr<std::optional<Jwk>> jwk = ParseJwk(*json);
  if (!jwk.ok()) return jwk.status();
  if (!jwk->has_value()) return absl::NotFoundError("not a signature key");
  return **std::move(jwk);
}

// The private key of a private JWK.
absl::StatusOr<PrivateKey> PrivateKeyOfJwk(absl::string_view text) {
  absl::StatusOr<Jwk> jwk = ParseJwkText(text);
  if (!jwk.ok()) return jwk.status();
  if (!std::holds_alternative<PrivateKey>(jwk->key)) {
    return absl::InvalidArgumentError("not a private JWK");
  }
  return std::get<PrivateKey>(jwk->key);
}

// The first segment, "<header>.<payload>", and the decoded signature of a
// compact token.
absl::string_view HeaderSegment(absl::string_view token) {
  return token.substr(0, token.find('.'));
}
absl::string_view SigningInput(absl::string_view token) {
  return token.substr(0, token.rfind('.'));
}
std::string SignatureOf(absl::string_view token) {
  return Base64UrlDecode(token.substr(token.rfind('.') + 1)).value();
}

// Signs `signing_input` itself (not a header SignCompact would write).
absl::StatusOr<std::string> SignInput(const SigningKey& key,
                                      absl::string_view signing_input) {
  return key.signer().Sign(signing_input);
}

JwsLimits Limits() { return JwsLimits{}; }

// ---------------------------------------------------------------------------
// RFC 7515 Appendix A.
// ---------------------------------------------------------------------------

// A.1 verifies with the RFC's key (given alg and kid, which jwtd requires of
// oct keys), yields the exact payload and typ, and passes JwtValidator before
// exp and fails after it.
TEST(Rfc7515Test, A1Hs256) {
  // As printed, the JWK lacks "alg", which an oct key must name.
  EXPECT_THAT(ParseJwkText(kRfc7515A1Jwk),
              StatusIs(absl::StatusCode::kInvalidArgument));
  const std::string jwk =
      EditJwk(kRfc7515A1Jwk, {{"alg", "HS256"}, {"kid", "a1"}}, false);
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<const KeySet> keys,
                       ImportJwks(JwksOf({jwk}), AllowSecrets()));

  ASSERT_OK_AND_ASSIGN(VerifiedJws jws,
                       VerifyCompactJws(kRfc7515A1Token, *keys, Limits()));
  EXPECT_EQ(jws.payload, kRfc7515Payload);
  EXPECT_EQ(jws.typ, std::optional<std::string>("JWT"));
  EXPECT_EQ(jws.key->alg(), JwsAlgorithm::kHS256);

  ASSERT_OK_AND_ASSIGN(JwtValidator validator,
                       JwtValidator::Create(Policy("joe", "JWT")));
  const absl::Time exp = absl::FromUnixSeconds(kRfc7515Exp);
  ASSERT_OK_AND_ASSIGN(
      VerifiedJwt jwt,
      validator.Validate(kRfc7515A1Token, *keys, exp - absl::Hours(1)));
  EXPECT_EQ(jwt.registered().issuer, std::optional<std::string>("joe"));
  EXPECT_EQ(jwt.registered().expires_at, std::optional<absl::Time>(exp));
  const Json* is_root = jwt.claims().Find("http://example.com/is_root");
  ASSERT_NE(is_root, nullptr);
  EXPECT_TRUE(is_root->is_bool() && is_root->bool_value());
  // exp + leeway (60 s) is the first instant the token is expired.
  EXPECT_OK(
      validator.Validate(kRfc7515A1Token, *keys, exp + absl::Seconds(59)));
  EXPECT_THAT(
      validator.Validate(kRfc7515A1Token, *keys, exp + absl::Seconds(60)),
      IsRejected(RejectReason::kExpired));
}

// A.1's MAC is reproduced byte for byte from the key over the RFC's exact
// signing input.
TEST(Rfc7515Test, A1SignatureReproduced) {
  ASSERT_OK_AND_ASSIGN(
      Jwk jwk, ParseJwkText(EditJwk(kRfc7515A1Jwk, {{"alg", "HS256"}}, false)));
  ASSERT_TRUE(std::holds_alternative<SecretKey>(jwk.key));
  ASSERT_OK_AND_ASSIGN(
      std::shared_ptr<const SigningKey> key,
      SigningKey::FromSecret(std::get<SecretKey>(jwk.key).bytes,
                             JwsAlgorithm::kHS256, "a1"));
  ASSERT_OK_AND_ASSIGN(std::string signature,
                       SignInput(*key, SigningInput(kRfc7515A1Token)));
  EXPECT_EQ(signature, SignatureOf(kRfc7515A1Token));
}

// A.2 verifies with the public half of the RFC's RSA key once the key's
// algorithm is known (the JWK names none), and passes JwtValidator.
TEST(Rfc7515Test, A2Rs256) {
  const std::string jwks = JwksOf({PublicJwkText(kRfc7515A2Jwk)});
  // RS* or PS*? Without alg and without a default, the key is ambiguous.
  EXPECT_THAT(ImportJwks(jwks), StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<const KeySet> keys,
                       ImportJwks(jwks, DefaultRsaAlg(JwsAlgorithm::kRS256)));
  ASSERT_OK_AND_ASSIGN(VerifiedJws jws,
                       VerifyCompactJws(kRfc7515A2Token, *keys, Limits()));
  EXPECT_EQ(jws.payload, kRfc7515Payload);

  ASSERT_OK_AND_ASSIGN(JwtValidator validator,
                       JwtValidator::Create(Policy("joe")));
  EXPECT_OK(validator.Validate(kRfc7515A2Token, *keys,
                               absl::FromUnixSeconds(kRfc7515Exp - 3600)));

  // The same key bound to PS256 refuses the RS256 token.
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<const KeySet> pss_keys,
                       ImportJwks(jwks, DefaultRsaAlg(JwsAlgorithm::kPS256)));
  EXPECT_THAT(VerifyCompactJws(kRfc7515A2Token, *pss_keys, Limits()),
              IsRejected(RejectReason::kUnsupportedAlgorithm));
}

// RSASSA-PKCS1-v1_5 is deterministic: A.2's signature is reproduced byte for
// byte from the private JWK.
TEST(Rfc7515Test, A2SignatureReproduced) {
  ASSERT_OK_AND_ASSIGN(PrivateKey private_key, PrivateKeyOfJwk(kRfc7515A2Jwk));
  ASSERT_OK_AND_ASSIGN(
      std::shared_ptr<const SigningKey> key,
      SigningKey::Create(private_key, JwsAlgorithm::kRS256, "a2"));
  ASSERT_OK_AND_ASSIGN(std::string signature,
                       SignInput(*key, SigningInput(kRfc7515A2Token)));
  EXPECT_EQ(signature, SignatureOf(kRfc7515A2Token));
}

// A.3 and A.4 (ECDSA, randomized) verify with the public JWK, whose alg is
// implied by the curve; the private JWK signs the same input anew and that
// verifies too.
TEST(Rfc7515Test, A3Es256AndA4Es512) {
  struct Case {
    const char* token;
    const char* jwk;
    JwsAlgorithm alg;
    std::string payload;
    size_t signature_size;
  };
  const Case cases[] = {
      {kRfc7515A3Token, kRfc7515A3Jwk, JwsAlgorithm::kES256, kRfc7515Payload,
       64},
      {kRfc7515A4Token, kRfc7515A4Jwk, JwsAlgorithm::kES512, "Payload", 132},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(JwsAlgorithmName(c.alg));
    ASSERT_OK_AND_ASSIGN(std::shared_ptr<const KeySet> keys,
                         ImportJwks(JwksOf({PublicJwkText(c.jwk)})));
    ASSERT_EQ(keys->size(), 1u);
    EXPECT_EQ(keys->keys()[0]->alg(), c.alg);
    ASSERT_OK_AND_ASSIGN(VerifiedJws jws,
                         VerifyCompactJws(c.token, *keys, Limits()));
    EXPECT_EQ(jws.payload, c.payload);
    EXPECT_EQ(SignatureOf(c.token).size(), c.signature_size);

    ASSERT_OK_AND_ASSIGN(PrivateKey private_key, PrivateKeyOfJwk(c.jwk));
    ASSERT_OK_AND_ASSIGN(std::shared_ptr<const SigningKey> key,
                         SigningKey::Create(private_key, c.alg, "k"));
    ASSERT_OK_AND_ASSIGN(std::string signature,
                         SignInput(*key, SigningInput(c.token)));
    EXPECT_NE(signature, SignatureOf(c.token));  // fresh nonce
    const std::string resigned =
        absl::StrCat(SigningInput(c.token), ".", Base64UrlEncode(signature));
    EXPECT_OK(VerifyCompactJws(resigned, *keys, Limits()));
  }
  ASSERT_OK_AND_ASSIGN(JwtValidator validator,
                       JwtValidator::Create(Policy("joe")));
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<const KeySet> a3_keys,
                       ImportJwks(JwksOf({PublicJwkText(kRfc7515A3Jwk)})));
  EXPECT_OK(validator.Validate(kRfc7515A3Token, *a3_keys,
                               absl::FromUnixSeconds(kRfc7515Exp - 3600)));
}

// A.5, the unsecured JWS, is refused whatever key set is trusted, and so is
// its "none" header with the A.1 MAC attached.
TEST(Rfc7515Test, A5UnsecuredRejected) {
  std::vector<std::shared_ptr<const KeySet>> sets;
  sets.push_back(
      ImportJwks(JwksOf({EditJwk(kRfc7515A1Jwk,
                                 {{"alg", "HS256"}, {"kid", "a1"}}, false)}),
                 AllowSecrets())
          .value());
  sets.push_back(ImportJwks(JwksOf({PublicJwkText(kRfc7515A2Jwk)}),
                            DefaultRsaAlg(JwsAlgorithm::kRS256))
                     .value());
  sets.push_back(ImportJwks(JwksOf({PublicJwkText(kRfc7515A3Jwk)})).value());
  const std::string with_mac = absl::StrCat(
      kRfc7515A5Token, Base64UrlEncode(SignatureOf(kRfc7515A1Token)));
  ASSERT_OK_AND_ASSIGN(JwtValidator validator,
                       JwtValidator::Create(Policy("joe")));
  for (const auto& keys : sets) {
    EXPECT_THAT(VerifyCompactJws(kRfc7515A5Token, *keys, Limits()),
                IsRejected(RejectReason::kUnsupportedAlgorithm));
    EXPECT_THAT(VerifyCompactJws(with_mac, *keys, Limits()),
                IsRejected(RejectReason::kUnsupportedAlgorithm));
    EXPECT_THAT(validator.Validate(kRfc7515A5Token, *keys,
                                   absl::FromUnixSeconds(kRfc7515Exp - 3600)),
                IsRejected(RejectReason::kUnsupportedAlgorithm));
  }
}

// ---------------------------------------------------------------------------
// RFC 7520 section 4.
// ---------------------------------------------------------------------------

class Rfc7520Test : public ::testing::Test {
 protected:
  // A key set with the cookbook's RSA public key bound to `alg`.
  static std::shared_ptr<const KeySet> RsaKeys(JwsAlgorithm alg) {
    return ImportJwks(JwksOf({PublicJwkText(
                          kRfc7520RsaPrivateJwk,
                          {{"alg", std::string(JwsAlgorithmName(alg))}})}))
        .value();
  }
  static std::shared_ptr<const KeySet> HmacKeys() {
    return ImportJwks(JwksOf({kRfc7520HmacJwk}), AllowSecrets()).value();
  }
  static std::string Payload() {
    return Base64UrlDecode(kRfc7520Payload).value();
  }
};

// 4.1: Figure 13 verifies with the RSA key as RS256, and its deterministic
// signature is reproduced from the private key (Figure 4).
TEST_F(Rfc7520Test, Section41Rs256) {
  const auto keys = RsaKeys(JwsAlgorithm::kRS256);
  ASSERT_OK_AND_ASSIGN(VerifiedJws jws,
                       VerifyCompactJws(kRfc7520Figure13, *keys, Limits()));
  EXPECT_EQ(jws.payload, Payload());
  EXPECT_EQ(jws.key->kid(), "bilbo.baggins@hobbiton.example");

  ASSERT_OK_AND_ASSIGN(PrivateKey private_key,
                       PrivateKeyOfJwk(kRfc7520RsaPrivateJwk));
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<const SigningKey> key,
                       SigningKey::Create(private_key, JwsAlgorithm::kRS256,
                                          "bilbo.baggins@hobbiton.example"));
  ASSERT_OK_AND_ASSIGN(std::string signature,
                       SignInput(*key, SigningInput(kRfc7520Figure13)));
  EXPECT_EQ(signature, SignatureOf(kRfc7520Figure13));
  // And SignCompact, whose header has the same bytes here, gives Figure 13.
  ASSERT_OK_AND_ASSIGN(std::string token, SignCompact(*key, "", Payload()));
  EXPECT_EQ(token, std::string(kRfc7520Figure13));
}

// 4.2: Figure 20 (PS384, randomized salt) verifies with the key as PS384,
// and with the key as PS256 or RS384 it is refused.
TEST_F(Rfc7520Test, Section42Ps384) {
  ASSERT_OK_AND_ASSIGN(
      VerifiedJws jws,
      VerifyCompactJws(kRfc7520Figure20, *RsaKeys(JwsAlgorithm::kPS384),
                       Limits()));
  EXPECT_EQ(jws.payload, Payload());
  EXPECT_THAT(VerifyCompactJws(kRfc7520Figure20, *RsaKeys(JwsAlgorithm::kPS256),
                               Limits()),
              IsRejected(RejectReason::kUnsupportedAlgorithm));
  EXPECT_THAT(VerifyCompactJws(kRfc7520Figure20, *RsaKeys(JwsAlgorithm::kRS384),
                               Limits()),
              IsRejected(RejectReason::kUnsupportedAlgorithm));
}

// 4.3: Figure 27 verifies with the P-521 key (alg implied: ES512); a fresh
// signature by the private key (Figure 2) verifies too.
TEST_F(Rfc7520Test, Section43Es512) {
  ASSERT_OK_AND_ASSIGN(
      std::shared_ptr<const KeySet> keys,
      ImportJwks(JwksOf({PublicJwkText(kRfc7520EcPrivateJwk)})));
  ASSERT_OK_AND_ASSIGN(VerifiedJws jws,
                       VerifyCompactJws(kRfc7520Figure27, *keys, Limits()));
  EXPECT_EQ(jws.payload, Payload());
  EXPECT_EQ(jws.key->alg(), JwsAlgorithm::kES512);

  ASSERT_OK_AND_ASSIGN(PrivateKey private_key,
                       PrivateKeyOfJwk(kRfc7520EcPrivateJwk));
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<const SigningKey> key,
                       SigningKey::Create(private_key, JwsAlgorithm::kES512,
                                          "bilbo.baggins@hobbiton.example"));
  ASSERT_OK_AND_ASSIGN(std::string token, SignCompact(*key, "", Payload()));
  EXPECT_EQ(SigningInput(token), SigningInput(kRfc7520Figure27));
  EXPECT_OK(VerifyCompactJws(token, *keys, Limits()));
}

// 4.4: Figure 35 verifies with the HMAC key (Figure 5), and SignCompact
// reproduces it byte for byte.
TEST_F(Rfc7520Test, Section44Hs256) {
  const auto keys = HmacKeys();
  ASSERT_OK_AND_ASSIGN(VerifiedJws jws,
                       VerifyCompactJws(kRfc7520Figure35, *keys, Limits()));
  EXPECT_EQ(jws.payload, Payload());

  ASSERT_OK_AND_ASSIGN(Jwk jwk, ParseJwkText(kRfc7520HmacJwk));
  ASSERT_OK_AND_ASSIGN(
      std::shared_ptr<const SigningKey> key,
      SigningKey::FromSecret(std::get<SecretKey>(jwk.key).bytes,
                             JwsAlgorithm::kHS256, *jwk.kid));
  ASSERT_OK_AND_ASSIGN(std::string token, SignCompact(*key, "", Payload()));
  EXPECT_EQ(token, std::string(kRfc7520Figure35));
}

// 4.5: detached content. jwtd has no detached mode, so the compact form with
// an empty payload segment is checked as-is (a MAC over an empty payload)
// and fails; re-attaching the payload gives Figure 35, which verifies.
TEST_F(Rfc7520Test, Section45DetachedContent) {
  const absl::string_view header = HeaderSegment(kRfc7520Figure35);
  const std::string detached = absl::StrCat(
      header, "..", Base64UrlEncode(SignatureOf(kRfc7520Figure35)));
  const auto keys = HmacKeys();
  EXPECT_THAT(VerifyCompactJws(detached, *keys, Limits()),
              IsRejected(RejectReason::kBadSignature));
  const std::string attached =
      absl::StrCat(header, ".", kRfc7520Payload, ".",
                   Base64UrlEncode(SignatureOf(kRfc7520Figure35)));
  EXPECT_EQ(attached, kRfc7520Figure35);
  EXPECT_OK(VerifyCompactJws(attached, *keys, Limits()));
}

// 4.6: only {"alg":"HS256"} is protected; the kid sits in an unprotected
// header that compact form cannot carry. The compact token (no kid) verifies
// when the HMAC key is the only key, is kUnknownKey when there are several,
// and the flattened JSON form of the RFC is refused.
TEST_F(Rfc7520Test, Section46ProtectingSpecificHeaderFields) {
  const std::string compact =
      absl::StrCat("eyJhbGciOiJIUzI1NiJ9.", kRfc7520Payload, ".",
                   kRfc7520Section46Signature);
  EXPECT_OK(VerifyCompactJws(compact, *HmacKeys(), Limits()));
  const std::string second_key =
      R"({"kty":"oct","alg":"HS256","kid":"other",)"
      R"("k":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"})";
  ASSERT_OK_AND_ASSIGN(
      std::shared_ptr<const KeySet> two_keys,
      ImportJwks(JwksOf({kRfc7520HmacJwk, second_key}), AllowSecrets()));
  EXPECT_THAT(VerifyCompactJws(compact, *two_keys, Limits()),
              IsRejected(RejectReason::kUnknownKey));

  const std::string flattened = absl::StrCat(
      R"({"payload":")", kRfc7520Payload,
      R"(","protected":"eyJhbGciOiJIUzI1NiJ9",)",
      R"("header":{"kid":"018c0ae5-4d9b-471b-bfd6-eef314bc7037"},)",
      R"("signature":")", kRfc7520Section46Signature, R"("})");
  EXPECT_THAT(VerifyCompactJws(flattened, *HmacKeys(), Limits()),
              IsRejected(RejectReason::kMalformed));
}

// 4.7: with no protected header at all, the compact form has an empty first
// segment and is refused as malformed, although the MAC itself is right.
TEST_F(Rfc7520Test, Section47ProtectingContentOnly) {
  const std::string compact =
      absl::StrCat(".", kRfc7520Payload, ".", kRfc7520Section47Signature);
  EXPECT_THAT(VerifyCompactJws(compact, *HmacKeys(), Limits()),
              IsRejected(RejectReason::kMalformed));
  ASSERT_OK_AND_ASSIGN(Jwk jwk, ParseJwkText(kRfc7520HmacJwk));
  ASSERT_OK_AND_ASSIGN(
      std::shared_ptr<const SigningKey> key,
      SigningKey::FromSecret(std::get<SecretKey>(jwk.key).bytes,
                             JwsAlgorithm::kHS256, "k"));
  ASSERT_OK_AND_ASSIGN(std::string signature,
                       SignInput(*key, SigningInput(compact)));
  EXPECT_EQ(signature, Base64UrlDecode(kRfc7520Section47Signature).value());
}

// 4.8: multiple signatures exist only in the general JSON serialization,
// which is refused. Each signature whose alg is protected stands alone as a
// compact JWS: 4.8.2 (RS256) verifies with the RSA key alone; 4.8.4 is 4.4.
// 4.8.3 has no protected header and has no compact form.
TEST_F(Rfc7520Test, Section48MultipleSignatures) {
  const std::string general = absl::StrCat(
      R"({"payload":")", kRfc7520Payload, R"(","signatures":[)",
      R"({"protected":"eyJhbGciOiJSUzI1NiJ9",)",
      R"("header":{"kid":"bilbo.baggins@hobbiton.example"},)",
      R"("signature":")", kRfc7520Section482Signature, R"("},)",
      R"({"header":{"alg":"ES512","kid":"bilbo.baggins@hobbiton.example"},)",
      R"("signature":")", kRfc7520Section483Signature, R"("},)",
      R"({"protected":")", HeaderSegment(kRfc7520Figure35),
      R"(","signature":")", Base64UrlEncode(SignatureOf(kRfc7520Figure35)),
      R"("}]})");
  for (const auto& keys : {RsaKeys(JwsAlgorithm::kRS256), HmacKeys()}) {
    EXPECT_THAT(VerifyCompactJws(general, *keys, Limits()),
                IsRejected(RejectReason::kMalformed));
  }
  const std::string rs256 =
      absl::StrCat("eyJhbGciOiJSUzI1NiJ9.", kRfc7520Payload, ".",
                   kRfc7520Section482Signature);
  EXPECT_OK(VerifyCompactJws(rs256, *RsaKeys(JwsAlgorithm::kRS256), Limits()));
  const std::string es512 =
      absl::StrCat(".", kRfc7520Payload, ".", kRfc7520Section483Signature);
  ASSERT_OK_AND_ASSIGN(
      std::shared_ptr<const KeySet> ec_keys,
      ImportJwks(JwksOf({PublicJwkText(kRfc7520EcPrivateJwk)})));
  EXPECT_THAT(VerifyCompactJws(es512, *ec_keys, Limits()),
              IsRejected(RejectReason::kMalformed));
}

// The cookbook payload is prose, not a claim set: the JWS verifies, but
// JwtValidator refuses it as malformed.
TEST_F(Rfc7520Test, ProsePayloadIsNotAJwt) {
  ASSERT_OK_AND_ASSIGN(
      JwtValidator validator,
      JwtValidator::Create(Policy("bilbo.baggins@hobbiton.example")));
  EXPECT_THAT(validator.Validate(kRfc7520Figure35, *HmacKeys(),
                                 absl::FromUnixSeconds(1700000000)),
              IsRejected(RejectReason::kMalformed));
}

// ---------------------------------------------------------------------------
// RFC 8037 and RFC 7638.
// ---------------------------------------------------------------------------

// RFC 8037 A.4: the Ed25519 token verifies with the A.2 public key (alg
// implied: EdDSA) and its signature is reproduced from the A.1 private key.
TEST(Rfc8037Test, A4Ed25519) {
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<const KeySet> keys,
                       ImportJwks(JwksOf({kRfc8037PublicJwk})));
  ASSERT_OK_AND_ASSIGN(VerifiedJws jws,
                       VerifyCompactJws(kRfc8037Token, *keys, Limits()));
  EXPECT_EQ(jws.payload, "Example of Ed25519 signing");
  EXPECT_EQ(jws.key->alg(), JwsAlgorithm::kEdDSA);
  // With no kid in the JWK, the key's kid is its thumbprint (A.3).
  EXPECT_EQ(jws.key->kid(), kRfc8037Thumbprint);

  ASSERT_OK_AND_ASSIGN(PrivateKey private_key,
                       PrivateKeyOfJwk(kRfc8037PrivateJwk));
  ASSERT_OK_AND_ASSIGN(
      std::shared_ptr<const SigningKey> key,
      SigningKey::Create(private_key, JwsAlgorithm::kEdDSA, "ed"));
  ASSERT_OK_AND_ASSIGN(std::string signature,
                       SignInput(*key, SigningInput(kRfc8037Token)));
  EXPECT_EQ(signature, SignatureOf(kRfc8037Token));
}

// RFC 8037 A.3 and RFC 7638 3.1: Thumbprint gives the published values.
TEST(Rfc7638Test, Thumbprints) {
  ASSERT_OK_AND_ASSIGN(Jwk ed, ParseJwkText(kRfc8037PublicJwk));
  EXPECT_EQ(Thumbprint(std::get<PublicKey>(ed.key)), kRfc8037Thumbprint);
  ASSERT_OK_AND_ASSIGN(Jwk rsa, ParseJwkText(kRfc7638Jwk));
  EXPECT_EQ(Thumbprint(std::get<PublicKey>(rsa.key)), kRfc7638Thumbprint);
}

}  // namespace
}  // namespace jwtd::jose
