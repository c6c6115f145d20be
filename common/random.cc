// xoshiro256** seeded through splitmix64 (Blackman & Vigna), and the distributions on top.
#include "common/random.h"

#include <cmath>

#include "common/check.h"

namespace slotsim {
namespace {

uint64_t SplitMix64(uint64_t& x) {
  uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

}  // namespace

Random::Random(uint64_t seed) : seed_(seed) {
  uint64_t x = seed;
  for (uint64_t& s : s_) s = SplitMix64(x);
}

uint64_t Random::Next() {
  const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = Rotl(s_[3], 45);
  return result;
}

double Random::Uniform01() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

uint64_t Random::Uniform(uint64_t n) {
  SLOTSIM_CHECK(n > 0) << "Random::Uniform(n) needs n > 0: [0, 0) has no value";
  // Rejection sampling keeps the result exactly uniform.
  const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t v;
  do {
    v = Next();
  } while (v >= limit);
  return v % n;
}

double Random::Exponential(double mean) { return -mean * std::log1p(-Uniform01()); }

double Random::Normal() {
  double u1 = Uniform01();
  while (u1 <= 0.0) u1 = Uniform01();
  const double u2 = Uniform01();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
}

double Random::LogNormal(double median, double sigma) {
  return median * std::exp(sigma * Normal());
}

Random Random::Fork(uint64_t stream) const {
  uint64_t x = seed_ ^ (0xd1b54a32d192ed03ULL * (stream + 1));
  return Random(SplitMix64(x));
}

}  // namespace slotsim
