#ifndef JWTD_CLIENT_ADDRESS_H_
#define JWTD_CLIENT_ADDRESS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace jwtd {

// Checks that `address` is a gRPC target jwtd clients can dial, so that a
// typo fails at once instead of as UNAVAILABLE after the deadline:
//   - "host:port": host is a DNS name, an IPv4 address, or an IPv6 address
//     in brackets ("[::1]:50051"); port is a decimal number in 1..65535;
//   - "unix:/absolute/path" (gRPC resolves a relative unix path against the
//     working directory, which is rarely what a caller means);
//   - any target with another explicit gRPC scheme ("dns:", "ipv4:",
//     "ipv6:", "unix-abstract:") followed by something; gRPC checks the
//     rest itself.
// Returns OK or INVALID_ARGUMENT with a message that names the problem.
absl::Status ValidateAddress(absl::string_view address);

}  // namespace jwtd

#endif  // JWTD_CLIENT_ADDRESS_H_
