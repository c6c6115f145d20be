// Distribution and Popularity parsing, sampling and printing.
#include "simulator/scenario/distribution.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "common/check.h"
#include "common/duration.h"

namespace slotsim {
namespace {

constexpr std::string_view kDistributionForms =
    "const:<d>, uniform:<min>:<max>, exp:<mean>, lognormal:<median>:<sigma> "
    "(durations like 5s or 250ms, sigma a number from 0 to 5), e.g. \"lognormal:20s:0.5\"";
constexpr std::string_view kPopularityForms =
    "uniform, zipf:<s> with 0 < s <= 100, e.g. \"zipf:1.1\"";

std::vector<std::string_view> SplitColons(std::string_view text) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    const size_t colon = text.find(':', start);
    parts.push_back(text.substr(start, colon - start));
    if (colon == std::string_view::npos) return parts;
    start = colon + 1;
  }
}

// A finite number, the whole of `text`; from_chars so that the locale plays no part.
bool ParseNumber(std::string_view text, double& out) {
  if (text.empty()) return false;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && std::isfinite(out);
}

// The shortest text that reads back as the same double.
std::string FormatNumber(double v) {
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  SLOTSIM_CHECK(ec == std::errc()) << "to_chars of a double overflowed " << sizeof buf << " bytes";
  return std::string(buf, end);
}

Status BadDistribution(std::string_view text, std::string_view why) {
  return Status::InvalidArgument("bad distribution \"" + std::string(text) +
                                 "\": " + std::string(why) +
                                 "; allowed: " + std::string(kDistributionForms));
}

// Parses one duration argument of a distribution, naming it in the error.
Status ParseArg(std::string_view text, std::string_view arg, std::string_view what, Micros& out) {
  StatusOr<Micros> d = ParseDuration(arg);
  if (!d.ok())
    return BadDistribution(text,
                           std::string(what) + " \"" + std::string(arg) + "\" is not a duration");
  out = *d;
  return Status::Ok();
}

Micros Clamp(double us) {
  if (!(us > 0)) return Micros(0);  // also NaN
  const double max = static_cast<double>(Distribution::kMaxSample.count());
  return Micros(static_cast<int64_t>(std::llround(std::min(us, max))));
}

}  // namespace

Distribution Distribution::Const(Micros value) {
  SLOTSIM_CHECK(value.count() >= 0)
      << "const distribution of a negative duration: " << value.count() << " us";
  return Distribution(Kind::kConst, value, Micros(0), 0);
}

Distribution Distribution::Uniform(Micros low, Micros high) {
  SLOTSIM_CHECK(low.count() >= 0 && low <= high)
      << "uniform distribution needs 0 <= low <= high, got [" << low.count() << ", " << high.count()
      << "] us";
  return Distribution(Kind::kUniform, low, high, 0);
}

Distribution Distribution::Exponential(Micros mean) {
  SLOTSIM_CHECK(mean.count() > 0) << "exponential distribution needs a mean > 0, got "
                                  << mean.count() << " us";
  return Distribution(Kind::kExponential, mean, Micros(0), 0);
}

Distribution Distribution::LogNormal(Micros median, double sigma) {
  SLOTSIM_CHECK(median.count() > 0 && sigma >= 0 && sigma <= kMaxSigma)
      << "lognormal distribution needs median > 0 and sigma in [0, " << kMaxSigma
      << "], got median " << median.count() << " us, sigma " << sigma;
  return Distribution(Kind::kLogNormal, median, Micros(0), sigma);
}

StatusOr<Distribution> Distribution::Parse(std::string_view text) {
  const std::vector<std::string_view> p = SplitColons(text);
  const std::string_view kind = p[0];
  Micros a{0}, b{0};
  if ((kind == "const" || kind == "exp") && p.size() != 2) {
    return BadDistribution(text, std::string(kind) + " takes one duration");
  }
  if ((kind == "uniform" || kind == "lognormal") && p.size() != 3) {
    return BadDistribution(text, std::string(kind) + " takes two arguments");
  }
  if (kind == "const") {
    SLOTSIM_RETURN_IF_ERROR(ParseArg(text, p[1], "value", a));
    return Const(a);
  }
  if (kind == "exp") {
    SLOTSIM_RETURN_IF_ERROR(ParseArg(text, p[1], "mean", a));
    if (a.count() <= 0) return BadDistribution(text, "the mean must be > 0");
    return Exponential(a);
  }
  if (kind == "uniform") {
    SLOTSIM_RETURN_IF_ERROR(ParseArg(text, p[1], "min", a));
    SLOTSIM_RETURN_IF_ERROR(ParseArg(text, p[2], "max", b));
    if (b < a) return BadDistribution(text, "max is less than min");
    return Uniform(a, b);
  }
  if (kind == "lognormal") {
    SLOTSIM_RETURN_IF_ERROR(ParseArg(text, p[1], "median", a));
    if (a.count() <= 0) return BadDistribution(text, "the median must be > 0");
    double sigma = 0;
    if (!ParseNumber(p[2], sigma) || sigma < 0 || sigma > kMaxSigma) {
      return BadDistribution(text,
                             "sigma \"" + std::string(p[2]) + "\" is not a number from 0 to 5");
    }
    return LogNormal(a, sigma);
  }
  return BadDistribution(text, "unknown kind \"" + std::string(kind) + "\"");
}

Micros Distribution::Sample(Random& random) const {
  const double a = static_cast<double>(a_.count());
  switch (kind_) {
    case Kind::kConst:
      return a_;
    case Kind::kUniform:
      return Clamp(a + static_cast<double>((b_ - a_).count()) * random.Uniform01());
    case Kind::kExponential:
      return Clamp(random.Exponential(a));
    case Kind::kLogNormal:
      return Clamp(random.LogNormal(a, sigma_));
  }
  return a_;
}

Micros Distribution::Mean() const {
  switch (kind_) {
    case Kind::kConst:
    case Kind::kExponential:
      return a_;
    case Kind::kUniform:
      return (a_ + b_) / 2;
    case Kind::kLogNormal:
      return Micros(std::llround(static_cast<double>(a_.count()) * std::exp(sigma_ * sigma_ / 2)));
  }
  return a_;
}

std::string Distribution::ToString() const {
  switch (kind_) {
    case Kind::kConst:
      return "const:" + FormatDuration(a_);
    case Kind::kUniform:
      return "uniform:" + FormatDuration(a_) + ":" + FormatDuration(b_);
    case Kind::kExponential:
      return "exp:" + FormatDuration(a_);
    case Kind::kLogNormal:
      return "lognormal:" + FormatDuration(a_) + ":" + FormatNumber(sigma_);
  }
  return "";
}

Popularity::Popularity(double s) : s_(s) {
  auto cumulative = std::make_shared<std::vector<double>>(kPrecomputed);
  double sum = 0;
  for (size_t i = 0; i < kPrecomputed; ++i) {
    sum += std::pow(static_cast<double>(i + 1), -s);
    (*cumulative)[i] = sum;
  }
  cumulative_ = std::move(cumulative);
}

Popularity Popularity::Zipf(double s) {
  SLOTSIM_CHECK(s > 0 && s <= kMaxExponent)
      << "zipf exponent " << s << " is outside (0, " << kMaxExponent << "]";
  return Popularity(s);
}

StatusOr<Popularity> Popularity::Parse(std::string_view text) {
  if (text == "uniform") return Uniform();
  double s = 0;
  if (text.substr(0, 5) == "zipf:" && ParseNumber(text.substr(5), s) && s > 0 &&
      s <= kMaxExponent) {
    return Zipf(s);
  }
  return Status::InvalidArgument("bad popularity \"" + std::string(text) +
                                 "\"; allowed: " + std::string(kPopularityForms));
}

size_t Popularity::Pick(Random& random, size_t n) const {
  SLOTSIM_CHECK(n > 0) << "Popularity::Pick over an empty set";
  if (is_uniform()) return static_cast<size_t>(random.Uniform(n));
  const double u = random.Uniform01();
  if (n <= kPrecomputed) {
    const std::vector<double>& c = *cumulative_;
    const double target = u * c[n - 1];
    const size_t i = std::upper_bound(c.begin(), c.begin() + n, target) - c.begin();
    return std::min(i, n - 1);  // guards rounding at the very top
  }
  double total = 0;
  for (size_t i = 0; i < n; ++i) total += std::pow(static_cast<double>(i + 1), -s_);
  const double target = u * total;
  double sum = 0;
  for (size_t i = 0; i < n; ++i) {
    sum += std::pow(static_cast<double>(i + 1), -s_);
    if (target < sum) return i;
  }
  return n - 1;
}

double Popularity::Probability(size_t index, size_t n) const {
  if (index >= n) return 0;
  if (is_uniform()) return 1.0 / static_cast<double>(n);
  double total = 0;
  for (size_t i = 0; i < n; ++i) total += std::pow(static_cast<double>(i + 1), -s_);
  return std::pow(static_cast<double>(index + 1), -s_) / total;
}

std::string Popularity::ToString() const {
  return is_uniform() ? "uniform" : "zipf:" + FormatNumber(s_);
}

}  // namespace slotsim
