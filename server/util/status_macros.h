#ifndef JWTD_SERVER_UTIL_STATUS_MACROS_H_
#define JWTD_SERVER_UTIL_STATUS_MACROS_H_

#include "absl/status/status.h"

// Returns from the enclosing function when `expr` (an absl::Status) is not
// OK. For long sequences of fallible steps such as reading a config file.
#define JWTD_RETURN_IF_ERROR(expr)                                \
  do {                                                            \
    if (absl::Status jwtd_status_ = (expr); !jwtd_status_.ok()) { \
      return jwtd_status_;                                        \
    }                                                             \
  } while (false)

#endif  // JWTD_SERVER_UTIL_STATUS_MACROS_H_
