// Internal to the scenario loader (scenario*.cc only; it exposes toml++ types): typed,
// validating reads of TOML tables whose errors name the source line of the offending key, and
// the --set overrides applied to a parsed document. Values set by --set carry the source name
// "--set <key>", so every error about them reads "--set <key>: ...".
#pragma once

#include <toml++/toml.h>

#include <initializer_list>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "simulator/scenario/distribution.h"

namespace slotsim::scenario_internal {

inline constexpr std::string_view kOverridePrefix = "--set ";
inline constexpr std::string_view kDurationForm =
    "a duration like 250ms, 5s, 1.5s, 10m, 1h30m (units us, ms, s, m, h, d)";

// "a, b, c".
template <typename List>
std::string Join(const List& list) {
  std::string out;
  for (const auto& item : list) out += (out.empty() ? "" : ", ") + std::string(item);
  return out;
}

// A TOML basic string literal of `s`, quotes included.
std::string QuoteToml(std::string_view s);

// "a string", "an integer", ... for type errors.
std::string_view TypeName(const toml::node& n);

// Where errors point, and the raw text of --set values that TOML read as something other than
// a string (so `--set name=2024` can still be the string "2024"). Not thread-safe.
class Context {
 public:
  explicit Context(std::string file) : file_(std::move(file)) {}

  // "<file>:<line>" for a node of the file, "--set <key>" for a node given by an override,
  // "<file>" for a node without a source.
  std::string Where(const toml::source_region& r) const;
  // "<where>: <what>; allowed: <allowed>".
  Status Error(const toml::source_region& r, std::string_view what, std::string_view allowed) const;
  // Re-anchors a parser's error under `key`; its "; expected <form>" becomes "; allowed: <form>".
  Status Wrap(const toml::source_region& r, std::string_view key, const Status& inner) const;

  void SetRaw(const toml::node* n, std::string text) { raw_[n] = std::move(text); }
  void ClearRaw(const toml::node* n) { raw_.erase(n); }
  const std::string* Raw(const toml::node* n) const;

 private:
  std::string file_;
  std::map<const toml::node*, std::string> raw_;
};

// Typed reads of one table. A read of an absent key leaves *out as it is (the default) and
// returns OK; a present but bad value returns an error at the key's line. Every read marks its
// key as known; Finish() reports the first key (in source order) that no read asked for, with
// the known keys as the allowed list. `ctx` and `table` must outlive the Section.
class Section {
 public:
  // `path` prefixes key names in errors ("engine" -> "engine.heartbeat"; "" at the top level);
  // `label` names the table in unknown-key errors (default "[<path>]" or "the top level").
  Section(const Context& ctx, const toml::table& table, std::string path, std::string label = "");

  const toml::table& table() const { return table_; }
  std::string Name(std::string_view key) const;
  // The value of `key` or nullptr; marks the key as known either way.
  const toml::node* Get(std::string_view key);
  bool Has(std::string_view key) const { return table_.get(key) != nullptr; }

  // An error at `key`'s line (the table's when absent).
  Status ErrorAt(std::string_view key, std::string_view what, std::string_view allowed) const;
  // OK if `key` is present, else an error at the table's line.
  Status Require(std::string_view key, std::string_view allowed);

  Status Table(std::string_view key, const toml::table** out);  // nullptr when absent
  Status Str(std::string_view key, std::string* out);
  Status Enum(std::string_view key, std::string* out, std::span<const std::string_view> ok);
  Status Enum(std::string_view key, std::string* out, std::initializer_list<std::string_view> ok) {
    return Enum(key, out, std::span<const std::string_view>(ok.begin(), ok.size()));
  }
  Status Bool(std::string_view key, bool* out);
  Status Int(std::string_view key, int64_t* out, int64_t lo, int64_t hi);
  Status Int(std::string_view key, int* out, int lo, int hi);
  Status Number(std::string_view key, double* out, double lo, double hi);  // integer or float
  Status Duration(std::string_view key, Micros* out, bool positive = true);
  Status Millis(std::string_view key, slotsim::Millis* out);  // whole milliseconds, above 0
  Status Dist(std::string_view key, Distribution* out);
  Status Pop(std::string_view key, Popularity* out);
  // "HH:MM" (00:00 to 24:00) or a TOML local time, as minutes of the day.
  Status ClockTime(std::string_view key, int* minute);
  // A string that, when non-empty, `parse` (ParseRedisUrl, ParseMySqlUrl) accepts.
  template <typename Parse>
  Status Url(std::string_view key, std::string* out, Parse parse) {
    std::string v = *out;
    SLOTSIM_RETURN_IF_ERROR(Str(key, &v));
    if (!v.empty()) {
      const auto parsed = parse(v);
      if (!parsed.ok()) return ctx_.Wrap(table_.get(key)->source(), Name(key), parsed.status());
    }
    *out = v;
    return Status::Ok();
  }

  Status Finish() const;

 private:
  Status TypeError(std::string_view key, const toml::node& n, std::string_view expected,
                   std::string_view allowed) const;
  // The string at `key`, or the raw text of a --set value that TOML read as something else.
  Status StringOf(std::string_view key, std::string_view expected, std::string* out,
                  std::string_view allowed);

  const Context& ctx_;
  const toml::table& table_;
  std::string path_;
  std::string label_;
  std::vector<std::string> known_;
};

// Applies one --set "key.path=value" to `root`: the value is read as a TOML value or else
// taken as a bare string; missing tables on the way are created; an array index may equal
// the array's size (appends a table). Errors read "--set <key>: ...; allowed: ...".
Status ApplyOverride(toml::table& root, std::string_view spec, Context& ctx);

}  // namespace slotsim::scenario_internal
