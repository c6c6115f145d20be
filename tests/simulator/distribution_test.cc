// Distribution and Popularity: parsing and its errors, round trips, sample means at a fixed
// seed, exact determinism per seed, and the shape of popularity picks (chi-square).
#include "simulator/scenario/distribution.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace slotsim {
namespace {

using namespace std::chrono_literals;

class DistributionTest : public ::testing::Test {
 protected:
  static Distribution Parse(std::string_view text) {
    StatusOr<Distribution> d = Distribution::Parse(text);
    EXPECT_TRUE(d.ok()) << text << ": " << d.status().ToString();
    return d.ok() ? *d : Distribution();
  }
  // The mean of n samples, in microseconds.
  static double SampleMean(const Distribution& d, uint64_t seed, int n) {
    Random random(seed);
    double sum = 0;
    for (int i = 0; i < n; ++i) sum += static_cast<double>(d.Sample(random).count());
    return sum / n;
  }
};

TEST_F(DistributionTest, ParsesEveryForm) {
  EXPECT_EQ(Parse("const:5s"), Distribution::Const(5s));
  EXPECT_EQ(Parse("uniform:1s:5s"), Distribution::Uniform(1s, 5s));
  EXPECT_EQ(Parse("exp:20s"), Distribution::Exponential(20s));
  EXPECT_EQ(Parse("lognormal:20s:0.5"), Distribution::LogNormal(20s, 0.5));
  EXPECT_EQ(Parse("lognormal:40us:0"), Distribution::LogNormal(40us, 0));
  EXPECT_EQ(Parse("const:0us"), Distribution());
}

TEST_F(DistributionTest, ToStringRoundTrips) {
  for (const char* text : {"const:5s", "uniform:1s:5s", "exp:20s", "lognormal:20s:0.5",
                           "lognormal:1500us:0.35", "uniform:0s:250us", "exp:1h30m"}) {
    const Distribution d = Parse(text);
    EXPECT_EQ(d.ToString(), text);
    EXPECT_EQ(Parse(d.ToString()), d);
  }
}

TEST_F(DistributionTest, BadTextNamesItAndListsTheForms) {
  for (const char* text : {"", "const", "const:5x", "const:5s:1", "uniform:5s", "uniform:5s:1s",
                           "exp:0s", "exp:-1s", "lognormal:20s", "lognormal:20s:abc",
                           "lognormal:20s:-1", "lognormal:0s:0.5", "normal:1s:1s", "5s"}) {
    StatusOr<Distribution> d = Distribution::Parse(text);
    ASSERT_FALSE(d.ok()) << text;
    EXPECT_EQ(d.status().code(), Code::kInvalidArgument);
    EXPECT_NE(d.status().message().find("\"" + std::string(text) + "\""), std::string::npos)
        << d.status().message();
    EXPECT_NE(d.status().message().find("allowed: const:<d>, uniform:<min>:<max>, exp:<mean>, "
                                        "lognormal:<median>:<sigma>"),
              std::string::npos)
        << d.status().message();
  }
}

TEST_F(DistributionTest, MeanIsTheDistributionsMean) {
  EXPECT_EQ(Parse("const:5s").Mean(), 5s);
  EXPECT_EQ(Parse("uniform:1s:5s").Mean(), 3s);
  EXPECT_EQ(Parse("exp:20s").Mean(), 20s);
  // median * exp(sigma^2 / 2) = 20 s * exp(0.125)
  EXPECT_EQ(Parse("lognormal:20s:0.5").Mean().count(), std::llround(20e6 * std::exp(0.125)));
}

TEST_F(DistributionTest, SampleMeansMatchWithinTwoPercent) {
  for (const char* text : {"uniform:1s:5s", "exp:20s", "lognormal:20s:0.5", "lognormal:40us:0.3"}) {
    const Distribution d = Parse(text);
    const double mean = static_cast<double>(d.Mean().count());
    EXPECT_NEAR(SampleMean(d, 7, 200000), mean, 0.02 * mean) << text;
  }
}

TEST_F(DistributionTest, ConstAlwaysSamplesItsValueAndDrawsNothing) {
  Random random(1), untouched(1);
  const Distribution d = Parse("const:5us");
  for (int i = 0; i < 10; ++i) EXPECT_EQ(d.Sample(random), 5us);
  EXPECT_EQ(random.Next(), untouched.Next());
}

TEST_F(DistributionTest, UniformStaysWithinItsBounds) {
  Random random(3);
  const Distribution d = Parse("uniform:1s:5s");
  for (int i = 0; i < 10000; ++i) {
    const Micros v = d.Sample(random);
    EXPECT_GE(v, 1s);
    EXPECT_LE(v, 5s);
  }
}

TEST_F(DistributionTest, SameSeedGivesTheSameSamplesAndAnotherSeedDoesNot) {
  for (const char* text : {"uniform:1s:5s", "exp:20s", "lognormal:20s:0.5"}) {
    const Distribution d = Parse(text);
    Random a(42), b(42), c(43);
    std::vector<Micros> sa, sb, sc;
    for (int i = 0; i < 100; ++i) {
      sa.push_back(d.Sample(a));
      sb.push_back(d.Sample(b));
      sc.push_back(d.Sample(c));
    }
    EXPECT_EQ(sa, sb) << text;
    EXPECT_NE(sa, sc) << text;
  }
}

TEST_F(DistributionTest, SamplesAreClampedToTheMaximum) {
  Random random(5);
  const Distribution d = Parse("lognormal:10d:5");
  for (int i = 0; i < 1000; ++i) EXPECT_LE(d.Sample(random), Distribution::kMaxSample);
}

class PopularityTest : public ::testing::Test {
 protected:
  static Popularity Parse(std::string_view text) {
    StatusOr<Popularity> p = Popularity::Parse(text);
    EXPECT_TRUE(p.ok()) << text << ": " << p.status().ToString();
    return p.ok() ? *p : Popularity();
  }
  // Pearson's chi-square of `n` picks among `bins` against Probability().
  static double ChiSquare(const Popularity& p, size_t bins, int n, uint64_t seed) {
    Random random(seed);
    std::vector<int> counts(bins, 0);
    for (int i = 0; i < n; ++i) {
      const size_t k = p.Pick(random, bins);
      EXPECT_LT(k, bins);
      if (k < bins) ++counts[k];
    }
    double chi = 0;
    for (size_t k = 0; k < bins; ++k) {
      const double expected = n * p.Probability(k, bins);
      chi += (counts[k] - expected) * (counts[k] - expected) / expected;
    }
    return chi;
  }
};

TEST_F(PopularityTest, ParsesAndRoundTrips) {
  EXPECT_TRUE(Parse("uniform").is_uniform());
  EXPECT_EQ(Parse("zipf:1.1").exponent(), 1.1);
  for (const char* text : {"uniform", "zipf:1.1", "zipf:0.5", "zipf:2"}) {
    EXPECT_EQ(Parse(text).ToString(), text);
  }
  EXPECT_EQ(Parse("zipf:1.1"), Popularity::Zipf(1.1));
}

TEST_F(PopularityTest, RejectsBadTextListingTheForms) {
  for (const char* text :
       {"", "zipf", "zipf:", "zipf:0", "zipf:-1", "zipf:abc", "zipf:101", "normal", "Uniform"}) {
    StatusOr<Popularity> p = Popularity::Parse(text);
    ASSERT_FALSE(p.ok()) << text;
    EXPECT_NE(p.status().message().find("allowed: uniform, zipf:<s>"), std::string::npos)
        << p.status().message();
  }
}

TEST_F(PopularityTest, UniformIsFlat) {
  // 9 degrees of freedom: P(chi2 > 27.88) = 0.001.
  EXPECT_LT(ChiSquare(Parse("uniform"), 10, 100000, 11), 27.88);
}

TEST_F(PopularityTest, ZipfFollowsItsWeightsAndFavoursIndexZero) {
  const Popularity zipf = Parse("zipf:1.1");
  // 15 degrees of freedom: P(chi2 > 37.70) = 0.001.
  EXPECT_LT(ChiSquare(zipf, 16, 100000, 12), 37.70);
  Random random(13);
  std::vector<int> counts(16, 0);
  for (int i = 0; i < 100000; ++i) ++counts[zipf.Pick(random, 16)];
  for (size_t k = 1; k < counts.size(); ++k) EXPECT_GT(counts[0], counts[k]);
  EXPECT_GT(counts[0], counts[1] * 2 - 2000);  // 1/1 vs 1/2^1.1
  EXPECT_GT(counts[1], counts[15]);
}

TEST_F(PopularityTest, ZipfAgainstUniformIsDetectedByTheSameTest) {
  // The chi-square above can fail: uniform picks judged against zipf weights do.
  Random random(14);
  const Popularity zipf = Parse("zipf:1.1"), uniform = Parse("uniform");
  std::vector<int> counts(16, 0);
  for (int i = 0; i < 100000; ++i) ++counts[uniform.Pick(random, 16)];
  double chi = 0;
  for (size_t k = 0; k < 16; ++k) {
    const double expected = 100000 * zipf.Probability(k, 16);
    chi += (counts[k] - expected) * (counts[k] - expected) / expected;
  }
  EXPECT_GT(chi, 37.70);
}

TEST_F(PopularityTest, LargeNBeyondThePrecomputedTableFollowsTheSameWeights) {
  const Popularity zipf = Parse("zipf:1.1");
  Random random(15);
  const size_t n = Popularity::kPrecomputed + 44;
  int zero = 0, last_half = 0;
  for (int i = 0; i < 20000; ++i) {
    const size_t k = zipf.Pick(random, n);
    ASSERT_LT(k, n);
    zero += k == 0;
    last_half += k >= n / 2;
  }
  EXPECT_NEAR(zero / 20000.0, zipf.Probability(0, n), 0.02);
  EXPECT_LT(last_half, zero);
}

TEST_F(PopularityTest, PicksAreDeterministicPerSeed) {
  for (const char* text : {"uniform", "zipf:1.1"}) {
    const Popularity p = Parse(text);
    Random a(9), b(9);
    for (int i = 0; i < 1000; ++i) ASSERT_EQ(p.Pick(a, 48), p.Pick(b, 48)) << text;
  }
}

TEST_F(PopularityTest, OneItemIsAlwaysIndexZero) {
  Random random(1);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(Parse("zipf:1.1").Pick(random, 1), 0u);
}

}  // namespace
}  // namespace slotsim
