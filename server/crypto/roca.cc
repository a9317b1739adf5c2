#include "server/crypto/roca.h"

#include <array>
#include <bitset>
#include <cstdint>

namespace jwtd::crypto {
namespace {

// The small primes whose product the vulnerable generator used as its
// modulus M: n = k * M + (65537^a mod M).
constexpr std::array<uint32_t, 38> kPrimes = {
    3,   5,   7,   11,  13,  17,  19,  23,  29,  31,  37,  41,  43,
    47,  53,  59,  61,  67,  71,  73,  79,  83,  89,  97,  101, 103,
    107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167};

uint32_t ModSmall(absl::string_view big_endian, uint32_t p) {
  uint32_t remainder = 0;
  for (unsigned char byte : big_endian) {
    remainder = (remainder * 256 + byte) % p;
  }
  return remainder;
}

// Whether `value` is a power of 65537 modulo p.
bool InSubgroupOf65537(uint32_t value, uint32_t p) {
  std::bitset<256> powers;
  const uint32_t generator = 65537 % p;
  uint32_t power = 1;
  // The subgroup has at most p - 1 elements; walk it until it repeats.
  for (uint32_t i = 0; i < p && !powers[power]; ++i) {
    powers[power] = true;
    power = power * generator % p;
  }
  return powers[value];
}

}  // namespace

bool HasRocaFingerprint(absl::string_view modulus) {
  for (uint32_t p : kPrimes) {
    if (!InSubgroupOf65537(ModSmall(modulus, p), p)) return false;
  }
  return true;
}

}  // namespace jwtd::crypto
