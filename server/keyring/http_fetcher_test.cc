#include "server/keyring/http_fetcher.h"

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/util/file.h"
#include "tests/support/local_http_server.h"
#include "tests/support/local_tls_proxy.h"
#include "tests/support/scoped_temp_dir.h"
#include "tests/support/status_matchers.h"

namespace jwtd::keyring {
namespace {

using ::jwtd::testing::HttpTestResponse;
using ::jwtd::testing::IsOk;
using ::jwtd::testing::LocalHttpServer;
using ::jwtd::testing::LocalTlsProxy;
using ::jwtd::testing::MakeTestPki;
using ::jwtd::testing::ScopedTempDir;
using ::jwtd::testing::StatusIs;
using ::jwtd::testing::TestPki;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Optional;

HttpFetchOptions HttpAllowed() {
  return {.timeout = absl::Seconds(3), .allow_http = true};
}

class HttpFetcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(server_, LocalHttpServer::Start());
  }
  std::unique_ptr<LocalHttpServer> server_;
};

TEST_F(HttpFetcherTest, ReturnsStatusBodyAndMaxAge) {
  server_->SetResponse("/jwks",
                       {.body = "{\"keys\":[]}",
                        .headers = {{"Cache-Control", "public, max-age=120"}}});
  ASSERT_OK_AND_ASSIGN(HttpFetchResult result,
                       HttpGet(server_->Url("/jwks"), HttpAllowed()));
  EXPECT_EQ(result.status_code, 200);
  EXPECT_EQ(result.body, "{\"keys\":[]}");
  EXPECT_THAT(result.max_age, Optional(absl::Seconds(120)));
  EXPECT_EQ(result.url, server_->Url("/jwks"));
  EXPECT_EQ(server_->RequestCount("/jwks"), 1);
}

TEST_F(HttpFetcherTest, CombinesCacheControlLines) {
  server_->SetResponse("/jwks", {.body = "x",
                                 .headers = {{"Cache-Control", "max-age=60"},
                                             {"cache-control", "no-store"}}});
  ASSERT_OK_AND_ASSIGN(HttpFetchResult result,
                       HttpGet(server_->Url("/jwks"), HttpAllowed()));
  EXPECT_THAT(result.max_age, Optional(absl::ZeroDuration()));
}

TEST_F(HttpFetcherTest, ReturnsErrorStatusesAsResults) {
  server_->SetResponse("/jwks", {.status = 503, .body = "busy"});
  ASSERT_OK_AND_ASSIGN(HttpFetchResult result,
                       HttpGet(server_->Url("/jwks"), HttpAllowed()));
  EXPECT_EQ(result.status_code, 503);
  EXPECT_EQ(result.max_age, std::nullopt);
  ASSERT_OK_AND_ASSIGN(result, HttpGet(server_->Url("/none"), HttpAllowed()));
  EXPECT_EQ(result.status_code, 404);
}

TEST_F(HttpFetcherTest, RefusesHttpUnlessAllowed) {
  server_->SetResponse("/jwks", {.body = "x"});
  EXPECT_THAT(HttpGet(server_->Url("/jwks"), {}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("https")));
  EXPECT_EQ(server_->RequestCount("/jwks"), 0);
}

TEST_F(HttpFetcherTest, HttpsIsAttemptedAndFailsAgainstPlainServer) {
  // The plain server cannot complete a TLS handshake: the error is a
  // connection failure, never a downgrade to http.
  std::string url = server_->Url("/jwks");
  url.replace(0, 4, "https");
  EXPECT_THAT(HttpGet(url, {.timeout = absl::Seconds(3)}),
              StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(HttpFetcherTest, AcceptsBodyOfExactlyTheCap) {
  server_->SetResponse("/jwks", {.body = std::string(2000, 'a')});
  HttpFetchOptions options = HttpAllowed();
  options.max_response_bytes = 2000;
  ASSERT_OK_AND_ASSIGN(HttpFetchResult result,
                       HttpGet(server_->Url("/jwks"), options));
  EXPECT_EQ(result.body.size(), 2000u);
}

TEST_F(HttpFetcherTest, RefusesDeclaredOversizedBody) {
  server_->SetResponse("/big", {.body = std::string(2001, 'a')});
  HttpFetchOptions options = HttpAllowed();
  options.max_response_bytes = 2000;
  EXPECT_THAT(HttpGet(server_->Url("/big"), options),
              StatusIs(absl::StatusCode::kResourceExhausted));
}

TEST_F(HttpFetcherTest, AbortsChunkedBodyPastTheCap) {
  // No Content-Length: the cap is enforced while receiving.
  server_->SetResponse(
      "/big", {.body = std::string(10 * 1024 * 1024, 'a'), .chunked = true});
  HttpFetchOptions options = HttpAllowed();
  options.max_response_bytes = 64 * 1024;
  const absl::Time start = absl::Now();
  EXPECT_THAT(HttpGet(server_->Url("/big"), options),
              StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
}

TEST_F(HttpFetcherTest, ChunkedBodyWithinCapIsReadWhole) {
  server_->SetResponse("/jwks",
                       {.body = std::string(200 * 1024, 'b'), .chunked = true});
  HttpFetchOptions options = HttpAllowed();
  options.max_response_bytes = 256 * 1024;
  ASSERT_OK_AND_ASSIGN(HttpFetchResult result,
                       HttpGet(server_->Url("/jwks"), options));
  EXPECT_EQ(result.body, std::string(200 * 1024, 'b'));
}

TEST_F(HttpFetcherTest, TimesOutOnAHangingServer) {
  server_->SetResponse("/slow", {.body = "late", .delay = absl::Seconds(5)});
  HttpFetchOptions options = HttpAllowed();
  options.timeout = absl::Milliseconds(300);
  const absl::Time start = absl::Now();
  EXPECT_THAT(HttpGet(server_->Url("/slow"), options),
              StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_LT(absl::Now() - start, absl::Seconds(1));
}

TEST_F(HttpFetcherTest, CancelAbortsATransfer) {
  server_->SetResponse("/slow", {.body = "late", .delay = absl::Seconds(8)});
  std::atomic<bool> cancel{false};
  HttpFetchOptions options = HttpAllowed();
  options.timeout = absl::Seconds(6);
  options.cancel = &cancel;
  std::thread canceller([&] {
    absl::SleepFor(absl::Milliseconds(100));
    cancel.store(true);
  });
  const absl::Time start = absl::Now();
  EXPECT_THAT(HttpGet(server_->Url("/slow"), options),
              StatusIs(absl::StatusCode::kCancelled));
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  canceller.join();
}

TEST_F(HttpFetcherTest, ConnectionRefusedIsUnavailable) {
  const std::string url = server_->Url("/jwks");
  server_->Stop();
  EXPECT_THAT(HttpGet(url, HttpAllowed()),
              StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(HttpFetcherTest, FollowsSameOriginRedirects) {
  server_->SetResponse("/old",
                       {.status = 301, .headers = {{"Location", "/new"}}});
  server_->SetResponse(
      "/new",
      {.status = 302, .headers = {{"Location", server_->Url("/jwks")}}});
  server_->SetResponse("/jwks", {.body = "keys"});
  ASSERT_OK_AND_ASSIGN(HttpFetchResult result,
                       HttpGet(server_->Url("/old"), HttpAllowed()));
  EXPECT_EQ(result.status_code, 200);
  EXPECT_EQ(result.body, "keys");
  EXPECT_EQ(result.url, server_->Url("/jwks"));
}

TEST_F(HttpFetcherTest, RefusesRedirectToAnotherOrigin) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<LocalHttpServer> other,
                       LocalHttpServer::Start());
  other->SetResponse("/jwks", {.body = "attacker keys"});
  server_->SetResponse(
      "/jwks", {.status = 302, .headers = {{"Location", other->Url("/jwks")}}});
  EXPECT_THAT(HttpGet(server_->Url("/jwks"), HttpAllowed()),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("not followed")));
  EXPECT_EQ(other->RequestCount("/jwks"), 0);

  // Same port, other host name: another origin too.
  server_->SetResponse(
      "/jwks",
      {.status = 307,
       .headers = {{"Location", absl::StrCat("http://localhost:",
                                             server_->port(), "/jwks")}}});
  EXPECT_THAT(HttpGet(server_->Url("/jwks"), HttpAllowed()),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(HttpFetcherTest, RefusesRedirectLoops) {
  server_->SetResponse("/a", {.status = 302, .headers = {{"Location", "/b"}}});
  server_->SetResponse("/b", {.status = 302, .headers = {{"Location", "/a"}}});
  EXPECT_THAT(
      HttpGet(server_->Url("/a"), HttpAllowed()),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("redirects")));
  EXPECT_EQ(server_->RequestCount("/a") + server_->RequestCount("/b"), 4);
}

// https against a TLS front with a throw-away CA: verification is on, so
// only the configured CA and the right name are accepted.
class HttpsFetcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(server_, LocalHttpServer::Start());
    server_->SetResponse("/jwks", {.body = "keys"});
    ASSERT_OK_AND_ASSIGN(TestPki pki, MakeTestPki({"IP:127.0.0.1"}));
    ASSERT_OK_AND_ASSIGN(tls_, LocalTlsProxy::Start(server_->port(), pki));
    ca_file_ = dir_.Join("ca.pem");
    ASSERT_OK(WriteFileAtomically(ca_file_, pki.ca_cert_pem, 0600));
  }
  HttpFetchOptions Trusting(const std::string& ca_file) const {
    return {.timeout = absl::Seconds(3), .ca_file = ca_file};
  }

  ScopedTempDir dir_;
  std::unique_ptr<LocalHttpServer> server_;
  std::unique_ptr<LocalTlsProxy> tls_;
  std::string ca_file_;
};

TEST_F(HttpsFetcherTest, FetchesFromAServerCertifiedByTheGivenCa) {
  ASSERT_OK_AND_ASSIGN(HttpFetchResult result,
                       HttpGet(tls_->Url("/jwks"), Trusting(ca_file_)));
  EXPECT_EQ(result.status_code, 200);
  EXPECT_EQ(result.body, "keys");
}

TEST_F(HttpsFetcherTest, RefusesACertificateFromAnotherCa) {
  // The system store does not know the test CA.
  EXPECT_THAT(HttpGet(tls_->Url("/jwks"), Trusting("")),
              StatusIs(absl::StatusCode::kUnavailable,
                       HasSubstr("certificate problem")));
  // Nor does another CA.
  ASSERT_OK_AND_ASSIGN(TestPki other, MakeTestPki({"IP:127.0.0.1"}));
  const std::string other_ca = dir_.Join("other-ca.pem");
  ASSERT_OK(WriteFileAtomically(other_ca, other.ca_cert_pem, 0600));
  EXPECT_THAT(HttpGet(tls_->Url("/jwks"), Trusting(other_ca)),
              StatusIs(absl::StatusCode::kUnavailable,
                       HasSubstr("certificate problem")));
  EXPECT_EQ(server_->RequestCount("/jwks"), 0);
}

TEST_F(HttpsFetcherTest, RefusesACertificateForAnotherName) {
  ASSERT_OK_AND_ASSIGN(TestPki pki, MakeTestPki({"DNS:issuer.example"}));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<LocalTlsProxy> tls,
                       LocalTlsProxy::Start(server_->port(), pki));
  const std::string ca = dir_.Join("ca2.pem");
  ASSERT_OK(WriteFileAtomically(ca, pki.ca_cert_pem, 0600));
  EXPECT_THAT(
      HttpGet(tls->Url("/jwks"), Trusting(ca)),
      StatusIs(absl::StatusCode::kUnavailable, HasSubstr("subject name")));
  EXPECT_EQ(server_->RequestCount("/jwks"), 0);
}

TEST_F(HttpsFetcherTest, RedirectsStayOnHttps) {
  // A relative move stays on the https origin...
  server_->SetResponse("/old",
                       {.status = 301, .headers = {{"Location", "/jwks"}}});
  ASSERT_OK_AND_ASSIGN(HttpFetchResult result,
                       HttpGet(tls_->Url("/old"), Trusting(ca_file_)));
  EXPECT_EQ(result.body, "keys");
  EXPECT_EQ(result.url, tls_->Url("/jwks"));
  // ...a downgrade to http on the same host and port is another origin.
  server_->SetResponse(
      "/old", {.status = 302,
               .headers = {{"Location", absl::StrCat("http://127.0.0.1:",
                                                     tls_->port(), "/jwks")}}});
  HttpFetchOptions options = Trusting(ca_file_);
  options.allow_http = true;
  EXPECT_THAT(HttpGet(tls_->Url("/old"), options),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST(ParseHttpUrlTest, ReturnsTheOrigin) {
  ASSERT_OK_AND_ASSIGN(HttpOrigin origin,
                       ParseHttpUrl("https://Issuer.Example/keys?x=1", false));
  EXPECT_EQ(origin, (HttpOrigin{"https", "issuer.example", 443}));
  ASSERT_OK_AND_ASSIGN(origin, ParseHttpUrl("http://127.0.0.1:8080/", true));
  EXPECT_EQ(origin, (HttpOrigin{"http", "127.0.0.1", 8080}));
}

TEST(ParseHttpUrlTest, RefusesWhatIsNotAPlainHttpsUrl) {
  for (const char* url :
       {"", "issuer.example/keys", "/keys", "ftp://issuer.example/keys",
        "file:///etc/passwd", "https://user:pw@issuer.example/keys",
        "https://issuer.example/keys#frag", "https:///keys",
        "https://issuer.example:99999/", "https://issuer example/"}) {
    EXPECT_THAT(ParseHttpUrl(url, true),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << url;
  }
  EXPECT_THAT(ParseHttpUrl("http://issuer.example/keys", false),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseHttpUrl("http://issuer.example/keys", true), IsOk());
}

TEST(RedactedUrlTest, DropsQueryAndCredentials) {
  EXPECT_EQ(RedactedUrl("https://u:p@issuer.example:8443/keys?token=secret"),
            "https://issuer.example:8443/keys");
  EXPECT_THAT(RedactedUrl("https://issuer.example/keys?token=secret"),
              Not(HasSubstr("secret")));
}

TEST(ParseCacheControlMaxAgeTest, ReadsMaxAge) {
  EXPECT_THAT(ParseCacheControlMaxAge("max-age=300"),
              Optional(absl::Seconds(300)));
  EXPECT_THAT(
      ParseCacheControlMaxAge("public, Max-Age = \"42\" , must-revalidate"),
      Optional(absl::Seconds(42)));
  EXPECT_THAT(ParseCacheControlMaxAge("max-age=0"),
              Optional(absl::ZeroDuration()));
  // Huge values saturate rather than fail.
  EXPECT_THAT(ParseCacheControlMaxAge("max-age=99999999999999999999"),
              Optional(absl::Seconds(2147483647)));
  // The first valid max-age counts.
  EXPECT_THAT(ParseCacheControlMaxAge("max-age=10, max-age=20"),
              Optional(absl::Seconds(10)));
}

TEST(ParseCacheControlMaxAgeTest, NoCacheAndNoStoreMeanZero) {
  EXPECT_THAT(ParseCacheControlMaxAge("max-age=300, no-cache"),
              Optional(absl::ZeroDuration()));
  EXPECT_THAT(ParseCacheControlMaxAge("NO-STORE"),
              Optional(absl::ZeroDuration()));
  // A field-scoped no-cache is about headers, not the body's freshness.
  EXPECT_THAT(ParseCacheControlMaxAge("no-cache=\"Set-Cookie\", max-age=5"),
              Optional(absl::Seconds(5)));
}

TEST(ParseCacheControlMaxAgeTest, IgnoresWhatIsNotAMaxAge) {
  for (const char* value :
       {"", "public", "max-age", "max-age=", "max-age=-1", "max-age=1.5",
        "max-age=abc", "s-maxage=60", "max-age=\"\"", "xmax-age=5"}) {
    EXPECT_EQ(ParseCacheControlMaxAge(value), std::nullopt) << value;
  }
}

}  // namespace
}  // namespace jwtd::keyring
