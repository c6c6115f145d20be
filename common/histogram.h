// Histogram: a small HDR (high dynamic range) histogram of int64 microsecond values, in the spirit
// of HdrHistogram_c. Values are grouped into log-linear buckets so that every recorded value is
// known to within its significant digits (3 digits: the reported value is at most 0.1 % above the
// true one), recording is O(1) with no allocation after warm-up, and two histograms with the same
// parameters merge exactly, also after a round trip through their serialized text.
//
// Layout (as HdrHistogram): with `d` significant digits there are 2^k sub-buckets per bucket, the
// smallest power of two >= 2 * 10^d (2048 for d = 3). Values below 2^k each get their own counter;
// above that, each power-of-two range [2^j, 2^(j+1)) is split into 2^(k-1) equal sub-buckets.
// Counters are int64 and allocated lazily in chunks of 256 adjacent ones, so memory grows with
// the spread of the recorded values, not with the trackable range. At 3 digits and 1 h: empty
// ~2.3 KiB, a log-normal latency spectrum (median 500 µs, sigma 0.5) ~30 KiB, every counter from
// 100 µs to 100 ms ~64 KiB, every counter touched (the worst case) 184 KiB.
//
// Serialized form (Serialize / Deserialize), one line of printable ASCII:
//   HDR1 h=<highest> d=<digits> n=<total> min=<min> max=<max> sat=<saturated> c=<counts>
// fields in exactly this order, single spaces, decimal integers (min = max = 0 when empty).
// <counts> is standard base64 (RFC 4648, '=' padded) of a sequence of zig-zag LEB128 varints
// walking the counter array from index 0: a value v > 0 is the count of the next counter, v < 0
// skips -v empty counters. Trailing empty counters are omitted. Deserialize rejects anything that
// does not decode exactly, or whose counts disagree with n, min, max or sat.
//
// Not thread-safe: one writer at a time; merge per-thread histograms instead of sharing one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace slotsim {

class Histogram {
 public:
  static constexpr int64_t kDefaultHighest = 3'600'000'000;  // 1 h in µs

  // Tracks values in [0, highest_trackable_value] to `significant_digits` digits. The lowest
  // discernible value is 1. highest must be in [2, 2^62] and digits in [1, 5] (programmer errors, a
  // failed SLOTSIM_CHECK otherwise).
  explicit Histogram(int64_t highest_trackable_value = kDefaultHighest, int significant_digits = 3);

  // Records one value. Values above highest are recorded as highest and counted in
  // saturated_count(); negative values are recorded as 0. O(1); allocates at most one chunk the
  // first time a region of values is touched.
  void Record(int64_t value) { RecordN(value, 1); }
  // Records `value` n times (n <= 0 records nothing).
  void RecordN(int64_t value, int64_t n);

  // Number of values recorded (including clamped ones).
  int64_t TotalCount() const { return total_; }
  // Values that were above highest and recorded as highest.
  int64_t saturated_count() const { return saturated_; }
  // Exact smallest / largest value recorded (after clamping); 0 when empty.
  int64_t Min() const { return total_ == 0 ? 0 : min_; }
  int64_t Max() const { return total_ == 0 ? 0 : max_; }
  // Mean of the recorded values, each taken at the middle of its bucket (exact below 2^k, within
  // the histogram's precision above). 0 when empty.
  double Mean() const;

  // The value at percentile p (clamped to [0, 100]) as HdrHistogram defines it: the highest value
  // equivalent to the bucket where the cumulative count first reaches max(1, ceil(p/100 * total)),
  // but never above Max(). p = 0 gives Min(), p = 100 gives Max(); an empty histogram gives 0.
  int64_t ValueAtPercentile(double p) const;

  // Calls fn(value_lo, value_hi, count) for every non-empty bucket in increasing value order;
  // [value_lo, value_hi] is the inclusive range of values the bucket stands for.
  template <typename Fn>
  void ForEachBucket(Fn&& fn) const;

  // Forgets every recorded value; keeps the parameters (and the allocated chunks).
  void Reset();

  // Adds every value recorded in `other` to this one. InvalidArgument (and no change) if the two
  // were built with different highest values or digits.
  Status Merge(const Histogram& other);

  // The one-line text form described at the top of this file. Merging the deserialized form of
  // several histograms is exact.
  std::string Serialize() const;
  // Parses Serialize()'s output; InvalidArgument naming what is wrong for anything else.
  static StatusOr<Histogram> Deserialize(std::string_view text);

  int64_t highest_trackable_value() const { return highest_; }
  int significant_digits() const { return digits_; }
  // The inclusive range of values that share `value`'s bucket (value clamped into [0, highest]).
  int64_t LowestEquivalentValue(int64_t value) const;
  int64_t HighestEquivalentValue(int64_t value) const;
  // Bytes held by this object and its counters.
  size_t MemoryBytes() const;

  // Same parameters and the same recorded values (allocation state is ignored).
  bool operator==(const Histogram& other) const;

 private:
  static constexpr int kChunkBits = 8;
  static constexpr size_t kChunkSize = size_t{1} << kChunkBits;

  size_t CountsIndex(int64_t value) const;
  int64_t ValueFromIndex(size_t index) const;  // lowest value of the counter at `index`
  int64_t BucketWidth(size_t index) const;     // number of values the counter stands for
  int64_t CountAt(size_t index) const;
  void AddAt(size_t index, int64_t n);
  size_t LastNonEmptyIndex() const;  // counts_len_ when empty

  int64_t highest_;
  int digits_;
  int sub_bucket_half_magnitude_;  // k - 1: log2 of the sub-buckets in a power-of-two range
  int64_t sub_bucket_mask_;        // 2^k - 1
  size_t counts_len_;              // counters needed to reach highest_
  std::vector<std::vector<int64_t>> chunks_;  // lazily sized to kChunkSize each
  int64_t total_ = 0;
  int64_t saturated_ = 0;
  int64_t min_ = INT64_MAX;
  int64_t max_ = 0;
};

template <typename Fn>
void Histogram::ForEachBucket(Fn&& fn) const {
  for (size_t c = 0; c < chunks_.size(); ++c) {
    const std::vector<int64_t>& chunk = chunks_[c];
    for (size_t i = 0; i < chunk.size(); ++i) {
      if (chunk[i] == 0) continue;
      const size_t index = (c << kChunkBits) + i;
      const int64_t lo = ValueFromIndex(index);
      fn(lo, lo + BucketWidth(index) - 1, chunk[i]);
    }
  }
}

}  // namespace slotsim
