#include "client/address.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace jwtd {
namespace {

constexpr absl::string_view kOtherSchemes[] = {
    "dns:", "ipv4:", "ipv6:", "unix-abstract:"};

bool IsHostChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' ||
         c == '-' || c == '_';
}

absl::Status ValidateHostPort(absl::string_view address) {
  absl::string_view host;
  absl::string_view port;
  if (absl::StartsWith(address, "[")) {
    const size_t close = address.find(']');
    if (close == absl::string_view::npos || close == 1 ||
        address.substr(close + 1, 1) != ":") {
      return absl::InvalidArgumentError(
          "address: an IPv6 address needs the form [addr]:port");
    }
    host = address.substr(1, close - 1);
    port = address.substr(close + 2);
    // An optional zone follows '%': "[fe80::1%eth0]:80".
    const size_t percent = host.find('%');
    const absl::string_view ip = host.substr(0, percent);
    const absl::string_view zone = percent == absl::string_view::npos
                                       ? absl::string_view("x")
                                       : host.substr(percent + 1);
    if (ip.empty() || zone.empty() ||
        !std::all_of(ip.begin(), ip.end(),
                     [](char c) {
                       return absl::ascii_isxdigit(
                                  static_cast<unsigned char>(c)) ||
                              c == ':' || c == '.';
                     }) ||
        !std::all_of(zone.begin(), zone.end(), IsHostChar)) {
      return absl::InvalidArgumentError(
          "address: bad character in IPv6 address");
    }
  } else {
    const size_t colon = address.rfind(':');
    if (colon == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          "address: expected host:port or unix:/absolute/path");
    }
    host = address.substr(0, colon);
    port = address.substr(colon + 1);
    if (host.empty()) {
      return absl::InvalidArgumentError("address: the host is empty");
    }
    for (char c : host) {
      if (!IsHostChar(c)) {
        return absl::InvalidArgumentError(
            "address: bad character in host name (IPv6 addresses go in "
            "brackets: [::1]:50051)");
      }
    }
  }
  int port_number = 0;
  if (port.empty() ||
      !std::all_of(port.begin(), port.end(),
                   [](char c) { return c >= '0' && c <= '9'; }) ||
      !absl::SimpleAtoi(port, &port_number) || port_number < 1 ||
      port_number > 65535) {
    return absl::InvalidArgumentError(
        "address: the port must be a number in 1..65535");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateAddress(absl::string_view address) {
  if (address.empty()) {
    return absl::InvalidArgumentError("address: empty");
  }
  for (char c : address) {
    if (absl::ascii_isspace(static_cast<unsigned char>(c)) ||
        absl::ascii_iscntrl(static_cast<unsigned char>(c))) {
      return absl::InvalidArgumentError(
          "address: contains whitespace or a control character");
    }
  }
  if (absl::StartsWith(address, "unix:")) {
    absl::string_view path = address.substr(5);
    // gRPC also accepts the URI form unix:///abs/path.
    if (absl::StartsWith(path, "//")) path.remove_prefix(2);
    if (path.size() < 2 || path[0] != '/') {
      return absl::InvalidArgumentError(
          "address: a Unix socket needs an absolute path: unix:/path/to.sock");
    }
    return absl::OkStatus();
  }
  for (absl::string_view scheme : kOtherSchemes) {
    if (absl::StartsWith(address, scheme)) {
      if (address.size() == scheme.size()) {
        return absl::InvalidArgumentError(
            absl::StrCat("address: nothing after \"", scheme, "\""));
      }
      return absl::OkStatus();
    }
  }
  return ValidateHostPort(address);
}

}  // namespace jwtd
