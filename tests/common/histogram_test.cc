// Histogram: percentiles checked against exact order statistics of known distributions, merge and
// serialization exactness, precision guarantees, and rejection of malformed serialized text.
#include "common/histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "common/random.h"

namespace slotsim {
namespace {

// Percentiles as tenths of a percent, so exact ranks come from integer arithmetic.
constexpr int64_t kPermilles[] = {500, 900, 990, 999};

class HistogramTest : public ::testing::Test {
 protected:
  static Histogram Build(const std::vector<int64_t>& values) {
    Histogram h;
    for (int64_t v : values) h.Record(v);
    return h;
  }

  // Asserts the histogram's p50/p90/p99/p99.9/max against the exact order statistics of
  // `values`: never below the exact value and within 3 significant digits above it.
  static void ExpectMatchesExact(const Histogram& h, std::vector<int64_t> values) {
    ASSERT_FALSE(values.empty());
    std::sort(values.begin(), values.end());
    const int64_t n = static_cast<int64_t>(values.size());
    ASSERT_EQ(h.TotalCount(), n);
    EXPECT_EQ(h.Min(), values.front());
    EXPECT_EQ(h.Max(), values.back());
    EXPECT_EQ(h.ValueAtPercentile(100), values.back());
    for (int64_t permille : kPermilles) {
      const int64_t rank = std::max<int64_t>(1, (permille * n + 999) / 1000);  // ceil
      const int64_t exact = values[rank - 1];
      const int64_t got = h.ValueAtPercentile(static_cast<double>(permille) / 10.0);
      SCOPED_TRACE("p" + std::to_string(permille / 10.0) + " exact " + std::to_string(exact));
      EXPECT_GE(got, exact);
      EXPECT_LE(static_cast<double>(got - exact), static_cast<double>(exact) * 1e-3 + 1);
    }
  }

  static std::vector<int64_t> OneToN(int64_t n) {
    std::vector<int64_t> v;
    for (int64_t i = 1; i <= n; ++i) v.push_back(i);
    return v;
  }

  // Pareto(alpha 1.1) scaled to start at 100 µs: a heavy tail reaching far into seconds.
  static std::vector<int64_t> HeavyTail(size_t n) {
    Random rng(7);
    std::vector<int64_t> v;
    for (size_t i = 0; i < n; ++i) {
      const double x = 100.0 * std::pow(1.0 - rng.Uniform01(), -1.0 / 1.1);
      v.push_back(static_cast<int64_t>(std::min(x, 3.0e9)));
    }
    return v;
  }

  // 90% fast reads around 200 µs, 10% slow fallbacks around 2 s.
  static std::vector<int64_t> Bimodal(size_t n) {
    Random rng(11);
    std::vector<int64_t> v;
    for (size_t i = 0; i < n; ++i) {
      if (rng.Bernoulli(0.9)) {
        v.push_back(150 + static_cast<int64_t>(rng.Uniform(101)));
      } else {
        v.push_back(static_cast<int64_t>(rng.LogNormal(2e6, 0.3)));
      }
    }
    return v;
  }

  static std::vector<std::vector<int64_t>> Distributions() {
    return {OneToN(100000), HeavyTail(200000), std::vector<int64_t>(5000, 123456), Bimodal(100000)};
  }
};

TEST_F(HistogramTest, PercentilesMatchExactOrderStatistics) {
  for (const auto& values : Distributions()) ExpectMatchesExact(Build(values), values);
}

TEST_F(HistogramTest, PercentilesMatchAfterMergingHalves) {
  for (const auto& values : Distributions()) {
    Histogram a, b;
    for (size_t i = 0; i < values.size(); ++i) (i % 2 == 0 ? a : b).Record(values[i]);
    ASSERT_TRUE(a.Merge(b).ok());
    ExpectMatchesExact(a, values);
    EXPECT_EQ(a, Build(values));
  }
}

TEST_F(HistogramTest, SerializeRoundTripIsExact) {
  for (const auto& values : Distributions()) {
    const Histogram h = Build(values);
    const std::string text = h.Serialize();
    auto back = Histogram::Deserialize(text);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(*back, h);
    ExpectMatchesExact(*back, values);
    EXPECT_EQ(back->Serialize(), text);
  }
}

TEST_F(HistogramTest, MergeOfDeserializedHalvesIsExact) {
  for (const auto& values : Distributions()) {
    Histogram a, b;
    const size_t half = values.size() / 2;
    for (size_t i = 0; i < values.size(); ++i) (i < half ? a : b).Record(values[i]);
    auto a2 = Histogram::Deserialize(a.Serialize());
    auto b2 = Histogram::Deserialize(b.Serialize());
    ASSERT_TRUE(a2.ok() && b2.ok());
    ASSERT_TRUE(a2->Merge(*b2).ok());
    ExpectMatchesExact(*a2, values);
    EXPECT_EQ(*a2, Build(values));
  }
}

TEST_F(HistogramTest, SerializedFormIsOnePrintableLine) {
  const std::string text = Build(HeavyTail(10000)).Serialize();
  EXPECT_EQ(text.rfind("HDR1 h=3600000000 d=3 n=10000 min=", 0), 0u) << text;
  for (char c : text) EXPECT_TRUE(c >= 0x20 && c < 0x7f) << static_cast<int>(c);
  EXPECT_LT(text.size(), 8000u);  // run-length coding keeps sparse spectra compact
}

TEST_F(HistogramTest, EmptyHistogramReportsZeros) {
  Histogram h;
  EXPECT_EQ(h.TotalCount(), 0);
  EXPECT_EQ(h.Min(), 0);
  EXPECT_EQ(h.Max(), 0);
  EXPECT_EQ(h.Mean(), 0);
  EXPECT_EQ(h.ValueAtPercentile(50), 0);
  EXPECT_EQ(h.ValueAtPercentile(100), 0);
  auto back = Histogram::Deserialize(h.Serialize());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, h);
  EXPECT_EQ(back->TotalCount(), 0);
}

TEST_F(HistogramTest, ValuesBelowSubBucketCountAreExact) {
  Histogram h;
  for (int64_t v = 0; v < 2048; ++v) {
    EXPECT_EQ(h.LowestEquivalentValue(v), v);
    EXPECT_EQ(h.HighestEquivalentValue(v), v);
  }
  h.Record(0);
  h.Record(7);
  h.Record(7);
  h.Record(1999);
  EXPECT_EQ(h.Min(), 0);
  EXPECT_EQ(h.ValueAtPercentile(25), 0);
  EXPECT_EQ(h.ValueAtPercentile(50), 7);
  EXPECT_EQ(h.ValueAtPercentile(75), 7);
  EXPECT_EQ(h.ValueAtPercentile(76), 1999);
  EXPECT_DOUBLE_EQ(h.Mean(), (0 + 7 + 7 + 1999) / 4.0);
}

TEST_F(HistogramTest, EquivalentRangesHoldThePromisedDigits) {
  Random rng(3);
  for (int digits = 1; digits <= 5; ++digits) {
    Histogram h(Histogram::kDefaultHighest, digits);
    const double precision = std::pow(10.0, -digits);
    for (int i = 0; i < 20000; ++i) {
      const int64_t v = static_cast<int64_t>(rng.Uniform(Histogram::kDefaultHighest + 1));
      const int64_t lo = h.LowestEquivalentValue(v), hi = h.HighestEquivalentValue(v);
      ASSERT_LE(lo, v);
      ASSERT_GE(hi, v);
      ASSERT_LE(static_cast<double>(hi - lo), static_cast<double>(lo) * precision) << v;
    }
  }
}

TEST_F(HistogramTest, PercentileRoundingTakesTheExactRank) {
  // 99.9% of 1000 values is rank 999 exactly; floating noise must not push it to 1000.
  Histogram h;
  for (int64_t v = 1; v <= 1000; ++v) h.Record(v);
  EXPECT_EQ(h.ValueAtPercentile(99.9), 999);
  EXPECT_EQ(h.ValueAtPercentile(99.95), 1000);
  EXPECT_EQ(h.ValueAtPercentile(0.1), 1);
  EXPECT_EQ(h.ValueAtPercentile(0.11), 2);
  EXPECT_EQ(h.ValueAtPercentile(0), 1);
  EXPECT_EQ(h.ValueAtPercentile(-5), 1);
  EXPECT_EQ(h.ValueAtPercentile(250), 1000);
}

TEST_F(HistogramTest, PercentileNeverExceedsMax) {
  Histogram h;
  h.Record(1'000'001);  // its bucket reaches up to 1'000'447
  EXPECT_GT(h.HighestEquivalentValue(1'000'001), 1'000'001);
  EXPECT_EQ(h.ValueAtPercentile(50), 1'000'001);
  EXPECT_EQ(h.ValueAtPercentile(99.9), 1'000'001);
}

TEST_F(HistogramTest, RecordNEqualsRepeatedRecord) {
  Histogram a, b;
  for (int i = 0; i < 37; ++i) a.Record(4321);
  a.Record(5);
  b.RecordN(4321, 37);
  b.RecordN(5, 1);
  b.RecordN(99, 0);
  b.RecordN(99, -3);
  EXPECT_EQ(a, b);
  EXPECT_EQ(b.TotalCount(), 38);
}

TEST_F(HistogramTest, ValuesAboveHighestSaturateAndNegativesClampToZero) {
  Histogram h(1000, 3);
  h.Record(500);
  h.Record(5000);
  h.RecordN(1'000'000, 2);
  h.Record(-42);
  EXPECT_EQ(h.TotalCount(), 5);
  EXPECT_EQ(h.saturated_count(), 3);
  EXPECT_EQ(h.Max(), 1000);
  EXPECT_EQ(h.Min(), 0);
  EXPECT_EQ(h.ValueAtPercentile(100), 1000);
  EXPECT_EQ(h.ValueAtPercentile(50), 1000);
  EXPECT_EQ(h.ValueAtPercentile(20), 0);

  auto back = Histogram::Deserialize(h.Serialize());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->saturated_count(), 3);
  Histogram other(1000, 3);
  other.Record(2000);
  ASSERT_TRUE(h.Merge(other).ok());
  EXPECT_EQ(h.saturated_count(), 4);
}

TEST_F(HistogramTest, MeanIsWithinPrecision) {
  const Histogram h = Build(OneToN(100000));
  EXPECT_NEAR(h.Mean(), 50000.5, 50000.5 * 1e-3);
  EXPECT_DOUBLE_EQ(Build(std::vector<int64_t>(10, 123456)).Mean(), 123456.0);
}

TEST_F(HistogramTest, ForEachBucketVisitsNonEmptyBucketsInOrder) {
  const std::vector<int64_t> values = Bimodal(20000);
  const Histogram h = Build(values);
  int64_t total = 0, previous_hi = -1;
  std::vector<std::pair<int64_t, int64_t>> ranges;
  h.ForEachBucket([&](int64_t lo, int64_t hi, int64_t count) {
    EXPECT_GT(lo, previous_hi);
    EXPECT_LE(lo, hi);
    EXPECT_GT(count, 0);
    previous_hi = hi;
    total += count;
    ranges.emplace_back(lo, hi);
  });
  EXPECT_EQ(total, h.TotalCount());
  for (int64_t v : values) {
    auto it = std::upper_bound(ranges.begin(), ranges.end(), std::make_pair(v, INT64_MAX));
    ASSERT_NE(it, ranges.begin());
    --it;
    EXPECT_LE(it->first, v);
    EXPECT_GE(it->second, v);
  }
}

TEST_F(HistogramTest, ResetForgetsValuesAndKeepsParameters) {
  Histogram h(5000, 2);
  h.Record(10);
  h.Record(99999);
  h.Reset();
  EXPECT_EQ(h, Histogram(5000, 2));
  EXPECT_EQ(h.TotalCount(), 0);
  EXPECT_EQ(h.saturated_count(), 0);
  EXPECT_EQ(h.Max(), 0);
  h.Record(20);
  EXPECT_EQ(h.Min(), 20);
  EXPECT_EQ(h.Max(), 20);
}

TEST_F(HistogramTest, MergeRejectsDifferentParametersAndLeavesTargetUnchanged) {
  Histogram a(1000, 3), different_highest(2000, 3), different_digits(1000, 2);
  a.Record(10);
  different_highest.Record(20);
  different_digits.Record(30);
  const Histogram before = a;
  Status st = a.Merge(different_highest);
  EXPECT_EQ(st.code(), Code::kInvalidArgument);
  EXPECT_NE(st.message().find("different parameters"), std::string::npos) << st.ToString();
  EXPECT_EQ(a.Merge(different_digits).code(), Code::kInvalidArgument);
  EXPECT_EQ(a, before);
}

TEST_F(HistogramTest, MergeWithItselfDoublesCounts) {
  Histogram h = Build(OneToN(100));
  ASSERT_TRUE(h.Merge(h).ok());
  EXPECT_EQ(h.TotalCount(), 200);
  EXPECT_EQ(h.ValueAtPercentile(50), 50);
}

TEST_F(HistogramTest, DeserializeRejectsMalformedText) {
  // A valid tiny histogram: h=2 d=1 has 3 counters; c=Ag== is varint 2 = one count at index 0.
  ASSERT_TRUE(Histogram::Deserialize("HDR1 h=2 d=1 n=1 min=0 max=0 sat=0 c=Ag==").ok());
  const std::string valid = Build(OneToN(1000)).Serialize();
  ASSERT_TRUE(Histogram::Deserialize(valid).ok());
  const struct {
    std::string text;
    std::string why;  // expected in the message
  } cases[] = {
      {"", "8 space-separated fields"},
      {"HDR1", "8 space-separated fields"},
      {"HDR2" + valid.substr(4), "8 space-separated fields"},
      {valid + " ", "8 space-separated fields"},
      {"HDR1 d=1 h=2 n=1 min=0 max=0 sat=0 c=Ag==", "expected field h="},
      {"HDR1 h=x d=1 n=1 min=0 max=0 sat=0 c=Ag==", "field h is not"},
      {"HDR1 h=2 d=1 n=-1 min=0 max=0 sat=0 c=Ag==", "field n is not"},
      {"HDR1 h=2 d=1 n=1 min=0 max=0 sat=0 x=Ag==", "expected field c="},
      {"HDR1 h=99999999999999999999 d=1 n=1 min=0 max=0 sat=0 c=Ag==", "field h is not"},
      {"HDR1 h=1 d=1 n=1 min=0 max=0 sat=0 c=Ag==", "h must be"},
      {"HDR1 h=2 d=0 n=1 min=0 max=0 sat=0 c=Ag==", "d must be"},
      {"HDR1 h=2 d=6 n=1 min=0 max=0 sat=0 c=Ag==", "d must be"},
      {"HDR1 h=2 d=1 n=1 min=0 max=0 sat=0 c=Ag=", "base64"},
      {"HDR1 h=2 d=1 n=1 min=0 max=0 sat=0 c=A*==", "base64"},
      {"HDR1 h=2 d=1 n=1 min=0 max=0 sat=0 c=Ah==", "base64"},  // non-zero padding bits
      {"HDR1 h=2 d=1 n=1 min=0 max=0 sat=0 c=gA==", "varint"},  // 0x80: truncated
      {"HDR1 h=2 d=1 n=1 min=0 max=0 sat=0 c=AA==", "zero entry"},
      {"HDR1 h=2 d=1 n=1 min=0 max=0 sat=0 c=BQI=", "past the highest"},  // skip 3, count 1
      {"HDR1 h=2 d=1 n=1 min=0 max=0 sat=0 c=AgE=", "end with a skip"},
      {"HDR1 h=2 d=1 n=2 min=0 max=0 sat=0 c=Ag==", "counts sum to 1 but n=2"},
      {"HDR1 h=2 d=1 n=1 min=1 max=1 sat=0 c=Ag==", "min=1"},
      {"HDR1 h=2 d=1 n=1 min=0 max=3 sat=0 c=Ag==", "min <= max <= h"},
      {"HDR1 h=2 d=1 n=1 min=0 max=0 sat=1 c=Ag==", "sat=1"},
      {"HDR1 h=2 d=1 n=0 min=0 max=5 sat=0 c=", "empty histogram"},
  };
  for (const auto& c : cases) {
    auto got = Histogram::Deserialize(c.text);
    ASSERT_FALSE(got.ok()) << c.text;
    EXPECT_EQ(got.status().code(), Code::kInvalidArgument);
    EXPECT_NE(got.status().message().find(c.why), std::string::npos)
        << c.text << " -> " << got.status().ToString();
  }
}

TEST_F(HistogramTest, DeserializeRejectsEveryTruncation) {
  const std::string valid = Build(HeavyTail(2000)).Serialize();
  for (size_t len = 0; len < valid.size(); ++len) {
    EXPECT_FALSE(Histogram::Deserialize(valid.substr(0, len)).ok()) << len;
  }
}

TEST_F(HistogramTest, MemoryStaysModest) {
  Histogram empty;
  EXPECT_LT(empty.MemoryBytes(), 4u * 1024);
  // A typical latency spectrum: log-normal, median 500 µs.
  Random rng(5);
  Histogram typical;
  for (int i = 0; i < 200000; ++i) typical.Record(static_cast<int64_t>(rng.LogNormal(500, 0.5)));
  EXPECT_LT(typical.MemoryBytes(), 48u * 1024);
  // Every counter from 100 µs to 100 ms touched.
  Histogram wide;
  for (int i = 0; i < 200000; ++i) {
    wide.Record(static_cast<int64_t>(100.0 * std::pow(1000.0, rng.Uniform01())));
  }
  EXPECT_LT(wide.MemoryBytes(), 96u * 1024);
  // Every counter touched: the worst case for 1 h at 3 digits.
  Histogram full;
  for (int64_t v = 1; v <= Histogram::kDefaultHighest; v += 1 + v / 4096) full.Record(v);
  EXPECT_LT(full.MemoryBytes(), 200u * 1024);
}

}  // namespace
}  // namespace slotsim
