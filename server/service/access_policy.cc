#include "server/service/access_policy.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "server/jose/reject_reason.h"
#include "server/util/json_string.h"

namespace jwtd::service {
namespace {

void SplitScopes(absl::string_view text, std::vector<std::string>* out) {
  for (absl::string_view scope : absl::StrSplit(text, ' ', absl::SkipEmpty())) {
    out->emplace_back(scope);
  }
}

// True when `value` (a claim) holds `wanted` in the sense of DecideAccess.
bool Holds(const jose::Json& value, absl::string_view wanted) {
  switch (value.type()) {
    case jose::Json::Type::kString:
      return value.string_value() == wanted;
    case jose::Json::Type::kNumber:
    case jose::Json::Type::kBool:
      return value.Serialize() == wanted;
    case jose::Json::Type::kArray:
      return std::any_of(value.array().begin(), value.array().end(),
                         [&](const jose::Json& element) {
                           return element.is_string() &&
                                  element.string_value() == wanted;
                         });
    default:
      return false;
  }
}

absl::Status Malformed(absl::string_view what) {
  return absl::InvalidArgumentError(what);
}

}  // namespace

// RFC 6749 section 3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ).
bool IsScopeToken(absl::string_view scope) {
  if (scope.empty()) return false;
  return std::all_of(scope.begin(), scope.end(), [](char c) {
    return c >= 0x21 && c <= 0x7e && c != '"' && c != '\\';
  });
}

absl::Status CheckRequirementsWellFormed(const AccessRequirements& required) {
  if (required.scopes.size() > kMaxRequirements ||
      required.claims.size() > kMaxRequirements) {
    return Malformed(absl::StrCat("at most ", kMaxRequirements,
                                  " required scopes and claims"));
  }
  for (const std::string& scope : required.scopes) {
    if (scope.size() > kMaxRequirementBytes || !IsScopeToken(scope)) {
      return Malformed(
          "required scope must be 1-256 printable ASCII characters without "
          "spaces, quotes or backslashes");
    }
  }
  for (const ClaimRequirement& claim : required.claims) {
    if (claim.claim.empty() || claim.claim.size() > kMaxRequirementBytes) {
      return Malformed("required claim name must be 1-256 bytes");
    }
    if (claim.values.size() > kMaxRequirements) {
      return Malformed(absl::StrCat("at most ", kMaxRequirements,
                                    " values per required claim"));
    }
    for (const std::string& value : claim.values) {
      if (value.size() > kMaxRequirementBytes) {
        return Malformed("required claim value must be at most 256 bytes");
      }
    }
  }
  return absl::OkStatus();
}

std::vector<std::string> GrantedScopes(const jose::Json& claims) {
  std::vector<std::string> scopes;
  if (const jose::Json* scope = claims.Find("scope");
      scope != nullptr && scope->is_string()) {
    SplitScopes(scope->string_value(), &scopes);
    return scopes;
  }
  if (const jose::Json* scp = claims.Find("scp"); scp != nullptr) {
    if (scp->is_string()) {
      SplitScopes(scp->string_value(), &scopes);
    } else if (scp->is_array()) {
      for (const jose::Json& element : scp->array()) {
        if (element.is_string()) scopes.push_back(element.string_value());
      }
    }
  }
  return scopes;
}

absl::Status DecideAccess(const jose::Json& claims,
                          const AccessRequirements& required) {
  if (!required.scopes.empty()) {
    const std::vector<std::string> granted = GrantedScopes(claims);
    for (const std::string& scope : required.scopes) {
      if (std::find(granted.begin(), granted.end(), scope) == granted.end()) {
        return jose::TokenRejected(
            jose::RejectReason::kInsufficientScope,
            absl::StrCat("token does not grant scope ", JsonQuote(scope)));
      }
    }
  }
  for (const ClaimRequirement& requirement : required.claims) {
    const jose::Json* value = claims.Find(requirement.claim);
    bool met = value != nullptr;
    if (met && !requirement.values.empty()) {
      auto held = [&](const std::string& wanted) {
        return Holds(*value, wanted);
      };
      met = requirement.match_all ? std::all_of(requirement.values.begin(),
                                                requirement.values.end(), held)
                                  : std::any_of(requirement.values.begin(),
                                                requirement.values.end(), held);
    }
    if (!met) {
      return jose::TokenRejected(
          jose::RejectReason::kClaimMismatch,
          absl::StrCat("claim ", JsonQuote(requirement.claim),
                       " does not hold the required value"));
    }
  }
  return absl::OkStatus();
}

}  // namespace jwtd::service
