// Random: a seeded, platform-independent generator (xoshiro256**). Every random choice in
// slotsim comes from one of these, so one seed replays a run exactly. The distributions are
// implemented here rather than taken from <random>, whose results differ between libraries.
#pragma once

#include <cstdint>

namespace slotsim {

class Random {
 public:
  // The same seed gives the same sequence on every platform.
  explicit Random(uint64_t seed);

  uint64_t Next();
  // Uniform in [0, 1).
  double Uniform01();
  // Uniform integer in [0, n); n must be > 0.
  uint64_t Uniform(uint64_t n);
  // True with probability p.
  bool Bernoulli(double p) { return Uniform01() < p; }
  // Exponential with the given mean.
  double Exponential(double mean);
  // Standard normal (Box-Muller).
  double Normal();
  // Log-normal whose median is `median` and whose log has standard deviation `sigma`.
  double LogNormal(double median, double sigma);

  // An independent generator derived from this one's seed and `stream`; does not advance this.
  Random Fork(uint64_t stream) const;

 private:
  uint64_t seed_;
  uint64_t s_[4];
};

}  // namespace slotsim
