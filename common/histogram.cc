// HDR histogram: bucket arithmetic after HdrHistogram_c (unit magnitude 0, so the lowest
// discernible value is 1), plus the text codec. Deserialize checks everything it reads, because
// serialized histograms come from files written by other runs and shards.
#include "common/histogram.h"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <utility>

#include "common/check.h"

namespace slotsim {
namespace {

constexpr int64_t kMaxHighest = int64_t{1} << 62;
constexpr std::string_view kTag = "HDR1";
constexpr std::string_view kForm =
    "HDR1 h=<highest> d=<digits> n=<total> min=<v> max=<v> sat=<n> c=<base64>";
constexpr std::string_view kBase64 =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

Status Bad(std::string_view why) {
  return Status::InvalidArgument("bad serialized histogram: " + std::string(why));
}

// The rank (1-based) of the value at percentile p of `total` values: ceil(p/100 * total), where
// a product within rounding noise of an integer counts as that integer (99.9% of 100000 must be
// 99900, not 99901).
int64_t RankAtPercentile(double p, int64_t total) {
  const double x = p / 100.0 * static_cast<double>(total);
  const double nearest = std::round(x);
  const double rank = std::fabs(x - nearest) <= 1e-13 * std::max(1.0, x) ? nearest : std::ceil(x);
  return std::max<int64_t>(1, static_cast<int64_t>(rank));
}

uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
int64_t UnZigZag(uint64_t u) { return static_cast<int64_t>(u >> 1) ^ -static_cast<int64_t>(u & 1); }

void PutVarint(uint64_t v, std::string& out) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

// Reads one LEB128 varint at `pos`; false if truncated or longer than 64 bits.
bool GetVarint(std::string_view in, size_t& pos, uint64_t& v) {
  v = 0;
  for (int shift = 0; shift < 64 && pos < in.size(); shift += 7) {
    const uint64_t byte = static_cast<unsigned char>(in[pos++]);
    if (shift == 63 && byte > 1) return false;
    v |= (byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

std::string Base64Encode(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  for (size_t i = 0; i < in.size(); i += 3) {
    const size_t n = std::min<size_t>(3, in.size() - i);
    uint32_t word = 0;
    for (size_t j = 0; j < 3; ++j) {
      word = (word << 8) | (j < n ? static_cast<unsigned char>(in[i + j]) : 0u);
    }
    for (size_t j = 0; j < 4; ++j) {
      out.push_back(j <= n ? kBase64[(word >> (18 - 6 * j)) & 0x3f] : '=');
    }
  }
  return out;
}

// Strict RFC 4648 decoding: length a multiple of 4, padding only at the end, unused bits zero.
bool Base64Decode(std::string_view in, std::string& out) {
  if (in.size() % 4 != 0) return false;
  out.clear();
  for (size_t i = 0; i < in.size(); i += 4) {
    const bool last = i + 4 == in.size();
    size_t pad = 0;
    uint32_t word = 0;
    for (size_t j = 0; j < 4; ++j) {
      const char c = in[i + j];
      if (c == '=' && last && j >= 2) {
        ++pad;
        word <<= 6;
        continue;
      }
      const size_t digit = kBase64.find(c);
      if (digit == std::string_view::npos || pad > 0) return false;
      word = (word << 6) | static_cast<uint32_t>(digit);
    }
    if ((pad == 1 && (word & 0xff) != 0) || (pad == 2 && (word & 0xffff) != 0)) return false;
    for (size_t j = 0; j < 3 - pad; ++j)
      out.push_back(static_cast<char>((word >> (16 - 8 * j)) & 0xff));
  }
  return true;
}

// The header of the serialized form.
struct Header {
  int64_t highest = 0, digits = 0, total = 0, min = 0, max = 0, saturated = 0;
  std::string_view counts;
};

std::string Clip(std::string_view s) {
  return s.size() <= 40 ? std::string(s) : std::string(s.substr(0, 40)) + "...";
}

// Parses "key=<non-negative decimal>".
Status ParseField(std::string_view token, std::string_view key, int64_t& out) {
  if (token.substr(0, key.size()) != key || token.substr(key.size(), 1) != "=") {
    return Bad("expected field " + std::string(key) + "= but got \"" + Clip(token) +
               "\"; form is " + std::string(kForm));
  }
  const std::string_view digits = token.substr(key.size() + 1);
  const auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), out);
  if (digits.empty() || ec != std::errc() || p != digits.data() + digits.size() || out < 0) {
    return Bad("field " + std::string(key) + " is not a non-negative integer: \"" + Clip(token) +
               "\"");
  }
  return Status::Ok();
}

StatusOr<Header> ParseHeader(std::string_view text) {
  std::vector<std::string_view> tokens;
  for (size_t start = 0;;) {
    const size_t space = text.find(' ', start);
    tokens.push_back(text.substr(start, space - start));
    if (space == std::string_view::npos) break;
    start = space + 1;
  }
  if (tokens.size() != 8 || tokens[0] != kTag) {
    return Bad("expected 8 space-separated fields \"" + std::string(kForm) + "\", got \"" +
               Clip(text) + "\"");
  }
  Header h;
  SLOTSIM_RETURN_IF_ERROR(ParseField(tokens[1], "h", h.highest));
  SLOTSIM_RETURN_IF_ERROR(ParseField(tokens[2], "d", h.digits));
  SLOTSIM_RETURN_IF_ERROR(ParseField(tokens[3], "n", h.total));
  SLOTSIM_RETURN_IF_ERROR(ParseField(tokens[4], "min", h.min));
  SLOTSIM_RETURN_IF_ERROR(ParseField(tokens[5], "max", h.max));
  SLOTSIM_RETURN_IF_ERROR(ParseField(tokens[6], "sat", h.saturated));
  if (tokens[7].substr(0, 2) != "c=")
    return Bad("expected field c= but got \"" + Clip(tokens[7]) + "\"");
  h.counts = tokens[7].substr(2);
  if (h.highest < 2 || h.highest > kMaxHighest) return Bad("h must be in [2, 2^62]");
  if (h.digits < 1 || h.digits > 5) return Bad("d must be in [1, 5]");
  return h;
}

// Decodes the counts field into (index, count) pairs in increasing index order, each index below
// `counts_len` and each count positive, with their sum in `sum`.
StatusOr<std::vector<std::pair<size_t, int64_t>>> DecodeCounts(std::string_view b64,
                                                               size_t counts_len, int64_t& sum) {
  std::string bytes;
  if (!Base64Decode(b64, bytes)) return Bad("counts field c= is not valid base64");
  std::vector<std::pair<size_t, int64_t>> entries;
  size_t index = 0, pos = 0;
  sum = 0;
  bool last_was_skip = false;
  while (pos < bytes.size()) {
    uint64_t raw;
    if (!GetVarint(bytes, pos, raw)) return Bad("truncated or oversized varint in counts");
    const int64_t v = UnZigZag(raw);
    if (v == 0) return Bad("zero entry in counts");
    if (v < 0 && static_cast<uint64_t>(-(v + 1)) >= counts_len - index) {
      return Bad("counts run past the highest trackable value");
    }
    if (v < 0) {
      index += static_cast<size_t>(-v);
      last_was_skip = true;
      continue;
    }
    if (index >= counts_len) return Bad("counts run past the highest trackable value");
    if (__builtin_add_overflow(sum, v, &sum)) return Bad("counts overflow int64");
    entries.emplace_back(index++, v);
    last_was_skip = false;
  }
  if (last_was_skip) return Bad("counts end with a skip");
  return entries;
}

}  // namespace

Histogram::Histogram(int64_t highest_trackable_value, int significant_digits) {
  SLOTSIM_CHECK(highest_trackable_value >= 2 && highest_trackable_value <= kMaxHighest)
      << "highest trackable value " << highest_trackable_value << " is outside [2, 2^62]";
  SLOTSIM_CHECK(significant_digits >= 1 && significant_digits <= 5)
      << "significant digits " << significant_digits << " is outside [1, 5]";
  highest_ = highest_trackable_value;
  digits_ = significant_digits;
  int64_t single_unit_limit = 2;  // values below this must each have their own counter
  for (int i = 0; i < digits_; ++i) single_unit_limit *= 10;
  const int k = std::bit_width(static_cast<uint64_t>(single_unit_limit - 1));  // ceil(log2)
  sub_bucket_half_magnitude_ = k - 1;
  sub_bucket_mask_ = (int64_t{1} << k) - 1;
  counts_len_ = CountsIndex(highest_) + 1;
  chunks_.resize((counts_len_ + kChunkSize - 1) >> kChunkBits);
}

size_t Histogram::CountsIndex(int64_t value) const {
  // The power-of-two range holding `value` picks the bucket; its top bits pick the sub-bucket.
  const int pow2_ceiling = std::bit_width(static_cast<uint64_t>(value | sub_bucket_mask_));
  const int bucket = pow2_ceiling - (sub_bucket_half_magnitude_ + 1);
  const int64_t sub_bucket = value >> bucket;
  const int64_t half_count = int64_t{1} << sub_bucket_half_magnitude_;
  return (static_cast<size_t>(bucket + 1) << sub_bucket_half_magnitude_) +
         static_cast<size_t>(sub_bucket - half_count);
}

int64_t Histogram::ValueFromIndex(size_t index) const {
  const int64_t half_count = int64_t{1} << sub_bucket_half_magnitude_;
  int bucket = static_cast<int>(index >> sub_bucket_half_magnitude_) - 1;
  int64_t sub_bucket =
      static_cast<int64_t>(index & static_cast<size_t>(half_count - 1)) + half_count;
  if (bucket < 0) {
    sub_bucket -= half_count;
    bucket = 0;
  }
  return sub_bucket << bucket;
}

int64_t Histogram::BucketWidth(size_t index) const {
  const int bucket = static_cast<int>(index >> sub_bucket_half_magnitude_) - 1;
  return int64_t{1} << std::max(bucket, 0);
}

int64_t Histogram::CountAt(size_t index) const {
  const std::vector<int64_t>& chunk = chunks_[index >> kChunkBits];
  return chunk.empty() ? 0 : chunk[index & (kChunkSize - 1)];
}

void Histogram::AddAt(size_t index, int64_t n) {
  // Every value reaches here clamped into [0, highest_], whose counters all exist.
  SLOTSIM_CHECK(index < counts_len_) << "counter " << index << " of " << counts_len_;
  std::vector<int64_t>& chunk = chunks_[index >> kChunkBits];
  if (chunk.empty()) [[unlikely]]
    chunk.resize(kChunkSize);
  chunk[index & (kChunkSize - 1)] += n;
}

void Histogram::RecordN(int64_t value, int64_t n) {
  if (n <= 0) return;
  if (value < 0) value = 0;
  if (value > highest_) [[unlikely]] {
    value = highest_;
    saturated_ += n;
  }
  AddAt(CountsIndex(value), n);
  total_ += n;
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
}

double Histogram::Mean() const {
  if (total_ == 0) return 0;
  double sum = 0;
  ForEachBucket([&](int64_t lo, int64_t hi, int64_t count) {
    // The middle of the bucket, kept inside [min, max] so a constant is reported exactly.
    const int64_t mid = std::clamp(lo + (hi - lo + 1) / 2, min_, max_);
    sum += static_cast<double>(mid) * static_cast<double>(count);
  });
  return sum / static_cast<double>(total_);
}

int64_t Histogram::ValueAtPercentile(double p) const {
  if (total_ == 0) return 0;
  if (!(p > 0)) return Min();  // also NaN
  if (p >= 100) return Max();
  const int64_t rank = RankAtPercentile(p, total_);
  int64_t seen = 0;
  for (size_t c = 0; c < chunks_.size(); ++c) {
    const std::vector<int64_t>& chunk = chunks_[c];
    for (size_t i = 0; i < chunk.size(); ++i) {
      seen += chunk[i];
      if (seen >= rank) {
        const size_t index = (c << kChunkBits) + i;
        return std::min(ValueFromIndex(index) + BucketWidth(index) - 1, max_);
      }
    }
  }
  // Not reached while the counters sum to total_.
  SLOTSIM_CHECK(seen >= rank) << "counters sum to " << seen << ", total is " << total_;
  return Max();
}

void Histogram::Reset() {
  for (std::vector<int64_t>& chunk : chunks_) std::fill(chunk.begin(), chunk.end(), 0);
  total_ = 0;
  saturated_ = 0;
  min_ = INT64_MAX;
  max_ = 0;
}

Status Histogram::Merge(const Histogram& other) {
  if (other.highest_ != highest_ || other.digits_ != digits_) {
    return Status::InvalidArgument("cannot merge histograms with different parameters: highest " +
                                   std::to_string(highest_) + " digits " + std::to_string(digits_) +
                                   " vs highest " + std::to_string(other.highest_) + " digits " +
                                   std::to_string(other.digits_));
  }
  for (size_t c = 0; c < chunks_.size(); ++c) {
    const std::vector<int64_t>& from = other.chunks_[c];
    if (from.empty()) continue;
    std::vector<int64_t>& to = chunks_[c];
    if (to.empty()) to.resize(kChunkSize);
    for (size_t i = 0; i < kChunkSize; ++i) to[i] += from[i];
  }
  total_ += other.total_;
  saturated_ += other.saturated_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  return Status::Ok();
}

std::string Histogram::Serialize() const {
  std::string bytes;
  int64_t zeros = 0;  // empty counters not yet written; trailing ones never are
  for (const std::vector<int64_t>& chunk : chunks_) {
    if (chunk.empty()) {
      zeros += static_cast<int64_t>(kChunkSize);
      continue;
    }
    for (int64_t count : chunk) {
      if (count == 0) {
        ++zeros;
        continue;
      }
      if (zeros > 0) PutVarint(ZigZag(-zeros), bytes);
      zeros = 0;
      PutVarint(ZigZag(count), bytes);
    }
  }
  return std::string(kTag) + " h=" + std::to_string(highest_) + " d=" + std::to_string(digits_) +
         " n=" + std::to_string(total_) + " min=" + std::to_string(Min()) +
         " max=" + std::to_string(Max()) + " sat=" + std::to_string(saturated_) +
         " c=" + Base64Encode(bytes);
}

StatusOr<Histogram> Histogram::Deserialize(std::string_view text) {
  SLOTSIM_ASSIGN_OR_RETURN(const Header h, ParseHeader(text));
  Histogram hist(h.highest, static_cast<int>(h.digits));
  int64_t sum = 0;
  SLOTSIM_ASSIGN_OR_RETURN(const auto entries, DecodeCounts(h.counts, hist.counts_len_, sum));
  if (sum != h.total) {
    return Bad("counts sum to " + std::to_string(sum) + " but n=" + std::to_string(h.total));
  }
  if (h.total == 0) {
    if (h.min != 0 || h.max != 0 || h.saturated != 0)
      return Bad("empty histogram with min/max/sat");
    return hist;
  }
  if (h.min > h.max || h.max > h.highest) return Bad("need min <= max <= h");
  if (hist.CountsIndex(h.min) != entries.front().first) {
    return Bad("min=" + std::to_string(h.min) + " is not in the lowest non-empty bucket");
  }
  if (hist.CountsIndex(h.max) != entries.back().first) {
    return Bad("max=" + std::to_string(h.max) + " is not in the highest non-empty bucket");
  }
  if (h.saturated > 0 && (h.max != h.highest || h.saturated > entries.back().second)) {
    return Bad("sat=" + std::to_string(h.saturated) + " exceeds the count at h");
  }
  for (const auto& [index, count] : entries) hist.AddAt(index, count);
  hist.total_ = h.total;
  hist.min_ = h.min;
  hist.max_ = h.max;
  hist.saturated_ = h.saturated;
  return hist;
}

int64_t Histogram::LowestEquivalentValue(int64_t value) const {
  return ValueFromIndex(CountsIndex(std::clamp<int64_t>(value, 0, highest_)));
}

int64_t Histogram::HighestEquivalentValue(int64_t value) const {
  const size_t index = CountsIndex(std::clamp<int64_t>(value, 0, highest_));
  return ValueFromIndex(index) + BucketWidth(index) - 1;
}

size_t Histogram::MemoryBytes() const {
  size_t bytes = sizeof(*this) + chunks_.capacity() * sizeof(chunks_[0]);
  for (const std::vector<int64_t>& chunk : chunks_) bytes += chunk.capacity() * sizeof(int64_t);
  return bytes;
}

bool Histogram::operator==(const Histogram& o) const {
  if (highest_ != o.highest_ || digits_ != o.digits_ || total_ != o.total_ ||
      saturated_ != o.saturated_ || Min() != o.Min() || Max() != o.Max()) {
    return false;
  }
  for (size_t index = 0; index < counts_len_; ++index) {
    if (CountAt(index) != o.CountAt(index)) return false;
  }
  return true;
}

}  // namespace slotsim
