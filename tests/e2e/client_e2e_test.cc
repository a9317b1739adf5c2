// jwtd::Client against a real jwtd: the RPCs, their statuses and verdicts.

#include <chrono>
#include <memory>
#include <string>
#include <utility>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "client/client.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/byte_buffer.h"
#include "gtest/gtest.h"
#include "jwtd/v1/token_service.pb.h"
#include "tests/e2e/jwtd_process.h"
#include "tests/e2e/token_util.h"
#include "tests/support/status_matchers.h"

namespace jwtd::e2e {
namespace {

using ::google::protobuf::Struct;
using ::jwtd::testing::IsOk;
using ::jwtd::testing::StatusIs;
using ::testing::IsEmpty;
using ::testing::Not;

class ClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<std::unique_ptr<JwtdProcess>> jwtd = JwtdProcess::Start();
    ASSERT_THAT(jwtd, IsOk());
    jwtd_ = jwtd->release();
  }

  static void TearDownTestSuite() {
    if (jwtd_ == nullptr) return;
    EXPECT_THAT(jwtd_->Stop(), IsOk());
    delete jwtd_;
    jwtd_ = nullptr;
  }

  void SetUp() override {
    ASSERT_NE(jwtd_, nullptr) << "jwtd did not start";
    ASSERT_OK_AND_ASSIGN(client_,
                         Client::Connect({.address = jwtd_->address()}));
    // Issue is served on the privileged listener only.
    ASSERT_OK_AND_ASSIGN(
        admin_, Client::Connect({.address = jwtd_->privileged_address()}));
  }

  v1::IssueResponse Issue(const std::string& subject) {
    v1::IssueRequest request;
    request.set_subject(subject);
    absl::StatusOr<v1::IssueResponse> response = admin_->Issue(request);
    EXPECT_THAT(response, IsOk());
    return response.ok() ? *response : v1::IssueResponse();
  }

  absl::StatusOr<v1::ValidateResponse> Validate(const std::string& token) {
    v1::ValidateRequest request;
    request.set_token(token);
    return client_->Validate(request);
  }

  static JwtdProcess* jwtd_;
  std::unique_ptr<Client> client_;
  std::unique_ptr<Client> admin_;
};

JwtdProcess* ClientTest::jwtd_ = nullptr;

TEST_F(ClientTest, IssueValidateIntrospect) {
  v1::IssueRequest request;
  request.set_subject("alice");
  request.add_audiences("orders");
  request.mutable_ttl()->set_seconds(300);
  request.set_scope("read");
  (*request.mutable_claims()->mutable_fields())["client_id"].set_string_value(
      "web");
  ASSERT_OK_AND_ASSIGN(v1::IssueResponse issued, admin_->Issue(request));
  EXPECT_EQ(issued.kid(), jwtd_->kid());
  EXPECT_EQ(issued.expires_at().seconds() - issued.issued_at().seconds(), 300);

  ASSERT_OK_AND_ASSIGN(v1::ValidateResponse verdict, Validate(issued.token()));
  EXPECT_TRUE(verdict.valid()) << verdict.DebugString();
  EXPECT_EQ(verdict.claims().fields().at("sub").string_value(), "alice");
  EXPECT_EQ(verdict.claims().fields().at("client_id").string_value(), "web");

  v1::IntrospectRequest introspect;
  introspect.set_token(issued.token());
  ASSERT_OK_AND_ASSIGN(v1::IntrospectResponse info,
                       client_->Introspect(introspect));
  EXPECT_TRUE(info.active());
  EXPECT_EQ(info.sub(), "alice");
  EXPECT_EQ(info.client_id(), "web");
  EXPECT_EQ(info.scope(), "read");
  EXPECT_EQ(info.token_type(), "Bearer");
  EXPECT_EQ(info.jti(), issued.jti());
  EXPECT_EQ(info.exp().seconds(), issued.expires_at().seconds());
  EXPECT_EQ(info.iat().seconds(), issued.issued_at().seconds());
  EXPECT_THAT(info.aud(), ::testing::ElementsAre("orders"));
}

TEST_F(ClientTest, NotBeforeInTheFuture) {
  v1::IssueRequest request;
  request.set_subject("bob");
  request.mutable_ttl()->set_seconds(7200);
  request.mutable_not_before()->set_seconds(
      absl::ToUnixSeconds(absl::Now() + absl::Hours(1)));
  ASSERT_OK_AND_ASSIGN(v1::IssueResponse issued, admin_->Issue(request));
  ASSERT_OK_AND_ASSIGN(v1::ValidateResponse verdict, Validate(issued.token()));
  EXPECT_FALSE(verdict.valid());
  EXPECT_EQ(verdict.reason(), v1::REASON_NOT_YET_VALID);
}

TEST_F(ClientTest, KeySetHasTheTokensKeyAndNoPrivateParts) {
  const v1::IssueResponse issued = Issue("carol");
  ASSERT_OK_AND_ASSIGN(Struct header, DecodeJsonSegment(issued.token(), 0));
  EXPECT_EQ(header.fields().at("alg").string_value(), "ES256");
  const std::string kid = header.fields().at("kid").string_value();
  EXPECT_EQ(kid, issued.kid());

  ASSERT_OK_AND_ASSIGN(v1::GetKeySetResponse key_set, client_->GetKeySet());
  Struct jwks;
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(key_set.jwks(), &jwks).ok())
      << key_set.jwks();
  int matches = 0;
  for (const auto& key : jwks.fields().at("keys").list_value().values()) {
    const auto& members = key.struct_value().fields();
    EXPECT_FALSE(members.contains("d"));
    if (members.at("kid").string_value() == kid) {
      ++matches;
      EXPECT_EQ(members.at("kty").string_value(), "EC");
      EXPECT_THAT(members.at("x").string_value(), Not(IsEmpty()));
      EXPECT_THAT(members.at("y").string_value(), Not(IsEmpty()));
    }
  }
  EXPECT_EQ(matches, 1) << key_set.jwks();
}

TEST_F(ClientTest, MalformedTokens) {
  const std::string issued = Issue("dave").token();
  // Beyond the token limit (8 KiB), within the message limit (64 KiB).
  std::string huge = issued;
  huge.insert(huge.find('.') + 1, std::string(32 << 10, 'A'));
  std::string truncated = issued.substr(0, issued.rfind('.'));
  for (const std::string& token :
       {std::string("abc"), std::string("a.b.c"), std::string("a.b"),
        std::string("a.b.c.d.e"), truncated, issued + ".x.y", huge,
        std::string("\xF0\x9F\x94\x91.\xF0\x9F\x94\x91.\xF0\x9F\x94\x91")}) {
    SCOPED_TRACE(token.substr(0, 40));
    ASSERT_OK_AND_ASSIGN(v1::ValidateResponse verdict, Validate(token));
    EXPECT_FALSE(verdict.valid());
    EXPECT_EQ(verdict.reason(), v1::REASON_MALFORMED);
    EXPECT_FALSE(verdict.has_claims());
    EXPECT_THAT(verdict.detail(), Not(::testing::HasSubstr("dave")));
  }
  // Beyond the message limit, gRPC refuses the request before jwtd reads it.
  std::string megabyte = issued;
  megabyte.insert(megabyte.find('.') + 1, std::string(1 << 20, 'A'));
  EXPECT_THAT(Validate(megabyte),
              StatusIs(absl::StatusCode::kResourceExhausted));
  // And the server keeps serving.
  ASSERT_OK_AND_ASSIGN(v1::ValidateResponse after, Validate(issued));
  EXPECT_TRUE(after.valid());
}

TEST_F(ClientTest, EmptyTokenIsInvalidArgument) {
  EXPECT_THAT(Validate(""), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(client_->Introspect(v1::IntrospectRequest()),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(ClientTest, InactiveIntrospectionCarriesNothingElse) {
  ASSERT_OK_AND_ASSIGN(std::string tampered,
                       FlipSignatureCharacter(Issue("erin").token()));
  v1::IntrospectRequest request;
  request.set_token(tampered);
  ASSERT_OK_AND_ASSIGN(v1::IntrospectResponse info,
                       client_->Introspect(request));
  EXPECT_FALSE(info.active());
  EXPECT_EQ(info.ByteSizeLong(), 0) << info.DebugString();
}

TEST_F(ClientTest, IssueRejectsBadRequests) {
  EXPECT_THAT(admin_->Issue(v1::IssueRequest()),
              StatusIs(absl::StatusCode::kInvalidArgument));

  v1::IssueRequest reserved;
  reserved.set_subject("x");
  (*reserved.mutable_claims()->mutable_fields())["exp"].set_number_value(1);
  EXPECT_THAT(admin_->Issue(reserved),
              StatusIs(absl::StatusCode::kInvalidArgument));

  v1::IssueRequest negative_ttl;
  negative_ttl.set_subject("x");
  negative_ttl.mutable_ttl()->set_seconds(-5);
  EXPECT_THAT(admin_->Issue(negative_ttl),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// A request whose token is not UTF-8 cannot be built with the generated
// code without the client refusing it, so it is written by hand on the wire
// (field 1, length-delimited). proto3 parsers refuse it before jwtd's code
// runs: the call must fail with some non-OK status, and jwtd must go on
// serving.
TEST_F(ClientTest, RawNonUtf8RequestFailsAndServerSurvives) {
  auto channel =
      grpc::CreateChannel(jwtd_->address(), grpc::InsecureChannelCredentials());
  grpc::GenericStub stub(channel);
  const std::string token = "a.b.\xFF\xFE";
  std::string wire = {0x0A, static_cast<char>(token.size())};
  wire += token;
  grpc::Slice slice(wire);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(5));
  absl::Notification done;
  grpc::Status status;
  stub.UnaryCall(&context, "/jwtd.v1.TokenService/Validate",
                 grpc::StubOptions(), &request, &response, [&](grpc::Status s) {
                   status = std::move(s);
                   done.Notify();
                 });
  done.WaitForNotification();
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << status.error_message();

  ASSERT_OK_AND_ASSIGN(v1::ValidateResponse verdict,
                       Validate(Issue("frank").token()));
  EXPECT_TRUE(verdict.valid());
}

// A batch answers each request as Validate would, in order; a request that
// Validate would fail carries its status instead of a verdict.
TEST_F(ClientTest, ValidateBatchAnswersEachRequestInOrder) {
  const std::string good = Issue("gina").token();
  ASSERT_OK_AND_ASSIGN(const std::string tampered,
                       FlipSignatureCharacter(Issue("hank").token()));
  v1::ValidateBatchRequest batch;
  batch.add_requests()->set_token(good);
  batch.add_requests()->set_token(tampered);
  batch.add_requests()->set_token("");
  v1::ValidateRequest scoped;
  scoped.set_token(good);
  scoped.add_required_scopes("admin");
  *batch.add_requests() = scoped;
  ASSERT_OK_AND_ASSIGN(v1::ValidateBatchResponse answer,
                       client_->ValidateBatch(batch));
  ASSERT_EQ(answer.results_size(), 4);
  ASSERT_TRUE(answer.results(0).has_verdict());
  EXPECT_TRUE(answer.results(0).verdict().valid());
  EXPECT_EQ(
      answer.results(0).verdict().claims().fields().at("sub").string_value(),
      "gina");
  ASSERT_TRUE(answer.results(1).has_verdict());
  EXPECT_EQ(answer.results(1).verdict().reason(), v1::REASON_BAD_SIGNATURE);
  ASSERT_TRUE(answer.results(2).has_error());
  EXPECT_EQ(answer.results(2).error().code(),
            static_cast<int>(absl::StatusCode::kInvalidArgument));
  ASSERT_TRUE(answer.results(3).has_verdict());
  EXPECT_EQ(answer.results(3).verdict().reason(),
            v1::REASON_INSUFFICIENT_SCOPE);

  // Bounds: at least one request, at most 1000.
  EXPECT_THAT(client_->ValidateBatch(v1::ValidateBatchRequest()),
              StatusIs(absl::StatusCode::kInvalidArgument));
  v1::ValidateBatchRequest too_many;
  for (int i = 0; i < 1001; ++i) too_many.add_requests()->set_token("a.b.c");
  EXPECT_THAT(client_->ValidateBatch(too_many),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // Open RPC: not served on the privileged listener.
  EXPECT_THAT(admin_->ValidateBatch(batch),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

}  // namespace
}  // namespace jwtd::e2e
