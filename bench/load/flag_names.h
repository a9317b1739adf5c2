#ifndef JWTD_BENCH_LOAD_FLAG_NAMES_H_
#define JWTD_BENCH_LOAD_FLAG_NAMES_H_

namespace jwtd::bench {

// Lets every flag be spelled with dashes (--tokens-file) as well as with
// Abseil's underscores (--tokens_file), as jwtd's own flags are: rewrites
// the name before '=' in place. Call before absl::ParseCommandLine.
void NormalizeFlagNames(int argc, char** argv);

}  // namespace jwtd::bench

#endif  // JWTD_BENCH_LOAD_FLAG_NAMES_H_
