// Distribution and Popularity: the random shapes a scenario gives to times (think time, browse
// time, modelled backend latency) and to choices among ranked items (which employee, which slot).
// Both are written as short strings in scenario files and round-trip through ToString():
//   Distribution  "const:5s" | "uniform:1s:5s" | "exp:20s" (mean) | "lognormal:20s:0.5"
//                 (median, sigma of the log)
//   Popularity    "uniform" | "zipf:1.1" (index i is picked with weight 1/(i+1)^s)
// Both are immutable values, cheap to copy and safe to share between threads; the randomness
// comes from the Random passed to each call, so one seed replays every draw.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/random.h"
#include "common/status.h"

namespace slotsim {

class Distribution {
 public:
  enum class Kind { kConst, kUniform, kExponential, kLogNormal };

  // The largest value Sample() returns (a lognormal tail is unbounded): 10^12 us, ~11.6 days.
  static constexpr Micros kMaxSample{1'000'000'000'000};

  // "const:0us".
  Distribution() = default;

  static Distribution Const(Micros value);
  // Requires 0 <= low <= high.
  static Distribution Uniform(Micros low, Micros high);
  // Requires mean > 0.
  static Distribution Exponential(Micros mean);
  // Requires median > 0 and 0 <= sigma <= kMaxSigma.
  static Distribution LogNormal(Micros median, double sigma);
  static constexpr double kMaxSigma = 5.0;

  // Parses the forms above; durations as common/duration.h reads them. Any other text returns
  // InvalidArgument naming the text, what is wrong, and the allowed forms.
  static StatusOr<Distribution> Parse(std::string_view text);

  // One draw, clamped to [0, kMaxSample]. kConst draws nothing from `random`; the others draw a
  // fixed number of values per call, so a sequence of calls is deterministic per seed.
  Micros Sample(Random& random) const;
  // The distribution's mean (for lognormal: median * exp(sigma^2 / 2)), before clamping.
  Micros Mean() const;
  // The canonical text, e.g. "lognormal:20s:0.5"; Parse(ToString()) gives back an equal value.
  std::string ToString() const;

  Kind kind() const { return kind_; }
  bool operator==(const Distribution& o) const = default;

 private:
  Distribution(Kind kind, Micros a, Micros b, double sigma)
      : kind_(kind), a_(a), b_(b), sigma_(sigma) {}

  Kind kind_ = Kind::kConst;
  Micros a_{0};       // const: the value; uniform: low; exp: mean; lognormal: median
  Micros b_{0};       // uniform: high
  double sigma_ = 0;  // lognormal
};

class Popularity {
 public:
  // "uniform".
  Popularity() = default;

  static Popularity Uniform() { return Popularity(); }
  // Requires 0 < s <= kMaxExponent.
  static Popularity Zipf(double s);
  static constexpr double kMaxExponent = 100.0;

  // "uniform" or "zipf:<s>" with s a number in (0, 100]; anything else is InvalidArgument naming
  // the text and the allowed forms.
  static StatusOr<Popularity> Parse(std::string_view text);

  // An index in [0, n), n > 0; index 0 is the most popular. Draws exactly one value from
  // `random`. O(log n) for n <= kPrecomputed (the weights are computed once, at construction),
  // O(n) above it.
  size_t Pick(Random& random, size_t n) const;
  static constexpr size_t kPrecomputed = 256;

  // The probability that Pick(random, n) returns `index`.
  double Probability(size_t index, size_t n) const;

  bool is_uniform() const { return s_ == 0; }
  double exponent() const { return s_; }  // 0 for uniform
  // "uniform" or "zipf:1.1"; Parse(ToString()) gives back an equal value.
  std::string ToString() const;

  bool operator==(const Popularity& o) const { return s_ == o.s_; }

 private:
  explicit Popularity(double s);

  double s_ = 0;
  // cumulative_[k] = sum of 1/(i+1)^s for i in 0..k, for k < kPrecomputed. Shared, immutable.
  std::shared_ptr<const std::vector<double>> cumulative_;
};

}  // namespace slotsim
