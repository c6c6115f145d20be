// Typed reads of TOML tables with source-line errors, and --set overrides. toml++ throws
// parse_error; it is caught here and in scenario.cc, nowhere else.
#include "simulator/scenario/scenario_reader.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <sstream>

#include "common/duration.h"

namespace slotsim::scenario_internal {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string QuoteToml(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string_view TypeName(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    default:
      return "nothing";
  }
}

// --- Context ----------------------------------------------------------------------------------

std::string Context::Where(const toml::source_region& r) const {
  if (r.path && r.path->rfind(kOverridePrefix, 0) == 0) return *r.path;
  if (r.begin.line == 0) return file_;
  return (r.path ? *r.path : file_) + ":" + std::to_string(r.begin.line);
}

Status Context::Error(const toml::source_region& r, std::string_view what,
                      std::string_view allowed) const {
  return Status::InvalidArgument(Where(r) + ": " + std::string(what) +
                                 "; allowed: " + std::string(allowed));
}

Status Context::Wrap(const toml::source_region& r, std::string_view key,
                     const Status& inner) const {
  std::string m = inner.message();
  constexpr std::string_view kExpected = "; expected ";
  const size_t at = m.find(kExpected);
  if (at != std::string::npos) m.replace(at, kExpected.size(), "; allowed: ");
  return Status::InvalidArgument(Where(r) + ": " + std::string(key) + ": " + m);
}

const std::string* Context::Raw(const toml::node* n) const {
  const auto it = raw_.find(n);
  return it == raw_.end() ? nullptr : &it->second;
}

// --- Section ----------------------------------------------------------------------------------

Section::Section(const Context& ctx, const toml::table& table, std::string path, std::string label)
    : ctx_(ctx), table_(table), path_(std::move(path)), label_(std::move(label)) {
  if (label_.empty()) label_ = path_.empty() ? "the top level" : "[" + path_ + "]";
}

std::string Section::Name(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

const toml::node* Section::Get(std::string_view key) {
  if (std::find(known_.begin(), known_.end(), key) == known_.end()) known_.emplace_back(key);
  return table_.get(key);
}

Status Section::ErrorAt(std::string_view key, std::string_view what,
                        std::string_view allowed) const {
  const toml::node* n = table_.get(key);
  return ctx_.Error(n ? n->source() : table_.source(), Name(key) + ": " + std::string(what),
                    allowed);
}

Status Section::Require(std::string_view key, std::string_view allowed) {
  if (Get(key)) return Status::Ok();
  return ctx_.Error(
      table_.source(),
      (path_.empty() ? "" : path_ + ": ") + "missing required key \"" + std::string(key) + "\"",
      allowed);
}

Status Section::TypeError(std::string_view key, const toml::node& n, std::string_view expected,
                          std::string_view allowed) const {
  return ErrorAt(key, "expected " + std::string(expected) + ", got " + std::string(TypeName(n)),
                 allowed);
}

Status Section::StringOf(std::string_view key, std::string_view expected, std::string* out,
                         std::string_view allowed) {
  const toml::node* n = Get(key);
  if (!n) return Status::Ok();
  if (const auto* s = n->as_string()) {
    *out = s->get();
  } else if (const std::string* raw = ctx_.Raw(n)) {
    *out = *raw;
  } else {
    return TypeError(key, *n, expected, allowed);
  }
  return Status::Ok();
}

Status Section::Table(std::string_view key, const toml::table** out) {
  const toml::node* n = Get(key);
  *out = n ? n->as_table() : nullptr;
  if (n && !*out) return TypeError(key, *n, "a table", "a table [" + Name(key) + "]");
  return Status::Ok();
}

Status Section::Str(std::string_view key, std::string* out) {
  return StringOf(key, "a string", out, "a string");
}

Status Section::Enum(std::string_view key, std::string* out, std::span<const std::string_view> ok) {
  std::string v;
  const std::string allowed = Join(ok);
  SLOTSIM_RETURN_IF_ERROR(StringOf(key, "a string", &v, allowed));
  if (!Has(key)) return Status::Ok();
  if (std::find(ok.begin(), ok.end(), v) == ok.end()) {
    return ErrorAt(key, "unknown value \"" + v + "\"", allowed);
  }
  *out = v;
  return Status::Ok();
}

Status Section::Bool(std::string_view key, bool* out) {
  const toml::node* n = Get(key);
  if (!n) return Status::Ok();
  const auto* b = n->as_boolean();
  if (!b) return TypeError(key, *n, "a boolean", "true, false");
  *out = b->get();
  return Status::Ok();
}

Status Section::Int(std::string_view key, int64_t* out, int64_t lo, int64_t hi) {
  const toml::node* n = Get(key);
  if (!n) return Status::Ok();
  const std::string allowed = "an integer from " + std::to_string(lo) + " to " + std::to_string(hi);
  const auto* i = n->as_integer();
  if (!i) return TypeError(key, *n, "an integer", allowed);
  if (i->get() < lo || i->get() > hi) {
    return ErrorAt(key, std::to_string(i->get()) + " is out of range", allowed);
  }
  *out = i->get();
  return Status::Ok();
}

Status Section::Int(std::string_view key, int* out, int lo, int hi) {
  int64_t v = *out;
  SLOTSIM_RETURN_IF_ERROR(Int(key, &v, lo, hi));
  *out = static_cast<int>(v);
  return Status::Ok();
}

Status Section::Number(std::string_view key, double* out, double lo, double hi) {
  const toml::node* n = Get(key);
  if (!n) return Status::Ok();
  std::ostringstream allowed;
  allowed << "a number from " << lo << " to " << hi;
  const auto* f = n->as_floating_point();
  const auto* i = n->as_integer();
  if (!f && !i) return TypeError(key, *n, "a number", allowed.str());
  const double d = f ? f->get() : static_cast<double>(i->get());
  if (!(d >= lo && d <= hi)) {
    std::ostringstream what;
    what << d << " is out of range";
    return ErrorAt(key, what.str(), allowed.str());
  }
  *out = d;
  return Status::Ok();
}

Status Section::Duration(std::string_view key, Micros* out, bool positive) {
  std::string text;
  SLOTSIM_RETURN_IF_ERROR(StringOf(key, "a duration string", &text, kDurationForm));
  if (!Has(key)) return Status::Ok();
  StatusOr<Micros> d = ParseDuration(text);
  if (!d.ok()) return ctx_.Wrap(table_.get(key)->source(), Name(key), d.status());
  if (positive && d->count() == 0) {
    return ErrorAt(key, "must be longer than 0", std::string(kDurationForm) + ", above 0");
  }
  *out = *d;
  return Status::Ok();
}

Status Section::Millis(std::string_view key, slotsim::Millis* out) {
  Micros d = *out;
  SLOTSIM_RETURN_IF_ERROR(Duration(key, &d));
  if (d.count() % 1000 != 0) {
    return ErrorAt(key, "\"" + FormatDuration(d) + "\" is not a whole number of milliseconds",
                   "a duration of whole milliseconds above 0, e.g. 50ms, 5s");
  }
  *out = std::chrono::duration_cast<slotsim::Millis>(d);
  return Status::Ok();
}

Status Section::Dist(std::string_view key, Distribution* out) {
  std::string text;
  constexpr std::string_view kForm = "a distribution string like \"exp:10s\"";
  SLOTSIM_RETURN_IF_ERROR(StringOf(key, "a distribution string", &text, kForm));
  if (!Has(key)) return Status::Ok();
  StatusOr<Distribution> d = Distribution::Parse(text);
  if (!d.ok()) return ctx_.Wrap(table_.get(key)->source(), Name(key), d.status());
  *out = *d;
  return Status::Ok();
}

Status Section::Pop(std::string_view key, Popularity* out) {
  std::string text;
  constexpr std::string_view kForm = "uniform, zipf:<s>";
  SLOTSIM_RETURN_IF_ERROR(StringOf(key, "a popularity string", &text, kForm));
  if (!Has(key)) return Status::Ok();
  StatusOr<Popularity> p = Popularity::Parse(text);
  if (!p.ok()) return ctx_.Wrap(table_.get(key)->source(), Name(key), p.status());
  *out = *p;
  return Status::Ok();
}

Status Section::ClockTime(std::string_view key, int* minute) {
  const toml::node* n = Get(key);
  if (!n) return Status::Ok();
  constexpr std::string_view kAllowed = "a time of day \"HH:MM\" from \"00:00\" to \"24:00\"";
  if (const auto* t = n->as_time()) {
    const toml::time v = t->get();
    if (v.second != 0 || v.nanosecond != 0) return ErrorAt(key, "has seconds", kAllowed);
    *minute = v.hour * 60 + v.minute;
    return Status::Ok();
  }
  std::string s;
  SLOTSIM_RETURN_IF_ERROR(StringOf(key, "a time string", &s, kAllowed));
  const bool digits = s.size() == 5 && s[2] == ':' && std::isdigit(s[0]) && std::isdigit(s[1]) &&
                      std::isdigit(s[3]) && std::isdigit(s[4]);
  const int h = digits ? (s[0] - '0') * 10 + (s[1] - '0') : -1;
  const int m = digits ? (s[3] - '0') * 10 + (s[4] - '0') : -1;
  if (!digits || h > 24 || m > 59 || (h == 24 && m != 0)) {
    return ErrorAt(key, "\"" + s + "\" is not a time of day", kAllowed);
  }
  *minute = h * 60 + m;
  return Status::Ok();
}

Status Section::Finish() const {
  const toml::key* first = nullptr;
  for (const auto& [k, v] : table_) {
    if (std::find(known_.begin(), known_.end(), k.str()) != known_.end()) continue;
    if (!first || k.source().begin.line < first->source().begin.line) first = &k;
  }
  if (!first) return Status::Ok();
  const toml::source_region& r =
      first->source().path ? first->source() : table_.get(first->str())->source();
  return ctx_.Error(r, "unknown key \"" + std::string(first->str()) + "\" in " + label_,
                    Join(known_));
}

// --- --set overrides --------------------------------------------------------------------------

namespace {

// Splits "a.b.0.c" / `thresholds."latency.poll.p99"` into its parts. Under "thresholds" an
// unquoted rest is one part: metric names contain dots.
StatusOr<std::vector<std::string>> SplitKeyPath(std::string_view key, const std::string& where) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i < key.size()) {
    std::string part;
    if (parts.size() == 1 && parts[0] == "thresholds" && key[i] != '"') {
      part = std::string(key.substr(i));
      i = key.size();
    } else if (key[i] == '"') {
      const size_t close = key.find('"', i + 1);
      if (close == std::string_view::npos) break;
      part = std::string(key.substr(i + 1, close - i - 1));
      i = close + 1;
    } else {
      const size_t dot = std::min(key.find('.', i), key.size());
      part = std::string(Trim(key.substr(i, dot - i)));
      if (part.empty()) break;
      i = dot;
    }
    parts.push_back(part);
    if (i == key.size()) return parts;
    if (key[i] != '.' || i + 1 == key.size()) break;
    ++i;
  }
  return Status::InvalidArgument(where +
                                 ": bad key path; allowed: dotted keys like "
                                 "engine.profile, faults.0.at, thresholds.\"latency.poll.p99\"");
}

// Parses `text` as "v = <text>" under the source name `where`; text that is not a TOML value
// becomes a string, unless it looks like an array, table or quoted string (then its TOML error
// is the answer). The result holds the value at "v".
StatusOr<toml::table> ParseValue(std::string_view text, const std::string& where) {
  constexpr std::string_view kAllowed =
      "a TOML value (\"text\", 5, 0.5, true, [..], {..}) or a "
      "bare string";
  text = Trim(text);
  try {
    toml::table doc = toml::parse(std::string_view("v = " + std::string(text)), where);
    if (doc.size() == 1 && doc.get("v")) return doc;
  } catch (const toml::parse_error& e) {
    if (!text.empty() && std::string_view("[{\"'").find(text[0]) != std::string_view::npos) {
      return Status::InvalidArgument(where + ": bad TOML value: " + std::string(e.description()) +
                                     "; allowed: " + std::string(kAllowed));
    }
  }
  try {
    return toml::parse(std::string_view("v = " + QuoteToml(text)), where);
  } catch (const toml::parse_error& e) {
    return Status::InvalidArgument(where + ": " + std::string(e.description()) +
                                   "; allowed: " + std::string(kAllowed));
  }
}

// The array index `part`, at most the size (which appends).
StatusOr<size_t> ArrayIndex(const toml::array& a, const std::string& part,
                            const std::string& where) {
  size_t index = 0;
  const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), index);
  if (ec != std::errc() || end != part.data() + part.size() || index > a.size()) {
    const std::string n = std::to_string(a.size());
    return Status::InvalidArgument(where + ": \"" + part + "\" is not an index of an array of " +
                                   n + "; allowed: 0 to " + n + " (" + n + " appends)");
  }
  return index;
}

// Forgets the raw text of `n` and everything inside it: they are about to be destroyed, and a
// node allocated later at the same address must not inherit it.
void ForgetTree(Context& ctx, toml::node& n) {
  ctx.ClearRaw(&n);
  if (toml::table* t = n.as_table()) {
    for (auto&& [k, v] : *t) ForgetTree(ctx, v);
  } else if (toml::array* a = n.as_array()) {
    for (toml::node& v : *a) ForgetTree(ctx, v);
  }
}

// Puts `value` at `part` of `parent` (a table key or an array index); returns the stored node.
StatusOr<toml::node*> Put(toml::node& parent, const std::string& part, toml::node&& value,
                          const std::string& where, Context& ctx) {
  const toml::source_region src = value.source();
  if (toml::table* t = parent.as_table()) {
    if (toml::node* old = t->get(part)) ForgetTree(ctx, *old);
    toml::node* stored = nullptr;
    value.visit([&](auto& v) {
      stored = &t->insert_or_assign(toml::key(part, src), std::move(v)).first->second;
    });
    return stored;
  }
  if (toml::array* a = parent.as_array()) {
    SLOTSIM_ASSIGN_OR_RETURN(const size_t i, ArrayIndex(*a, part, where));
    if (toml::node* old = a->get(i)) ForgetTree(ctx, *old);
    value.visit([&](auto& v) {
      if (i == a->size()) {
        a->push_back(std::move(v));
      } else {
        a->replace(a->cbegin() + static_cast<std::ptrdiff_t>(i), std::move(v));
      }
    });
    return a->get(i);
  }
  return Status::InvalidArgument(where + ": cannot set \"" + part + "\" inside " +
                                 std::string(TypeName(parent)) +
                                 "; allowed: a key of a table or an index of an array");
}

}  // namespace

Status ApplyOverride(toml::table& root, std::string_view spec, Context& ctx) {
  const size_t eq = spec.find('=');
  const std::string key(Trim(spec.substr(0, eq)));
  const std::string where = std::string(kOverridePrefix) + key;
  if (eq == std::string_view::npos || key.empty()) {
    const char* what = eq == std::string_view::npos ? "missing \"=\"" : "missing the key before \"=\"";
    return Status::InvalidArgument(std::string(kOverridePrefix) + std::string(spec) + ": " + what +
                                   "; allowed: key.path=value, e.g. engine.profile=legacy");
  }
  SLOTSIM_ASSIGN_OR_RETURN(const std::vector<std::string> parts, SplitKeyPath(key, where));
  SLOTSIM_ASSIGN_OR_RETURN(toml::table value_doc, ParseValue(spec.substr(eq + 1), where));
  toml::node* cur = &root;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    toml::node* next = nullptr;
    if (toml::table* t = cur->as_table()) next = t->get(parts[i]);
    if (toml::array* a = cur->as_array()) {
      SLOTSIM_ASSIGN_OR_RETURN(const size_t index, ArrayIndex(*a, parts[i], where));
      next = a->get(index);  // nullptr at size(): Put appends
    }
    if (!next) {
      // An array when the next part is an index ("faults.0.at"), else a table; parsed so that
      // it has a source.
      const bool index = std::all_of(parts[i + 1].begin(), parts[i + 1].end(), [](char c) {
        return std::isdigit(static_cast<unsigned char>(c));
      });
      toml::table holder = toml::parse(std::string_view(index ? "t = []" : "t = {}"), where);
      SLOTSIM_ASSIGN_OR_RETURN(next, Put(*cur, parts[i], std::move(*holder.get("t")), where, ctx));
    }
    cur = next;
  }
  toml::node& value = *value_doc.get("v");
  const bool scalar = !value.is_string() && !value.is_table() && !value.is_array();
  SLOTSIM_ASSIGN_OR_RETURN(toml::node * stored,
                           Put(*cur, parts.back(), std::move(value), where, ctx));
  if (scalar) ctx.SetRaw(stored, std::string(Trim(spec.substr(eq + 1))));
  return Status::Ok();
}

}  // namespace slotsim::scenario_internal
