// Tolerant summary.json accessors: every type is checked before a value is read.
#include "reports/summary_fields.h"

#include <algorithm>
#include <cstdint>

#include "reports/report_format.h"
#include "simulator/observe/history.h"

namespace slotsim {

using nlohmann::json;

const json& FieldAt(const json& j, std::string_view key) {
  static const json kNull;
  if (!j.is_object()) return kNull;
  auto it = j.find(key);
  return it == j.end() ? kNull : *it;
}

const json& ObjectAt(const json& j, std::string_view key) {
  static const json kEmpty = json::object();
  const json& v = FieldAt(j, key);
  return v.is_object() ? v : kEmpty;
}

const json& ArrayAt(const json& j, std::string_view key) {
  static const json kEmpty = json::array();
  const json& v = FieldAt(j, key);
  return v.is_array() ? v : kEmpty;
}

std::string TextAt(const json& j, std::string_view key, std::string_view fallback) {
  const json& v = FieldAt(j, key);
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number() || v.is_boolean()) return v.dump();
  return std::string(fallback);
}

std::optional<double> NumberAt(const json& j, std::string_view key) {
  const json& v = FieldAt(j, key);
  if (!v.is_number()) return std::nullopt;
  return v.get<double>();
}

double NumberOr(const json& j, std::string_view key, double fallback) {
  return NumberAt(j, key).value_or(fallback);
}

uint64_t CountAt(const json& j, std::string_view key) {
  const json& v = FieldAt(j, key);
  if (v.is_number_unsigned()) return v.get<uint64_t>();
  if (v.is_number_integer()) return v.get<int64_t>() > 0 ? v.get<uint64_t>() : 0;
  if (!v.is_number_float() || !(v.get<double>() > 0)) return 0;  // also NaN
  return v.get<double>() < 1.8e19 ? static_cast<uint64_t>(v.get<double>()) : UINT64_MAX;
}

bool BoolAt(const json& j, std::string_view key, bool fallback) {
  const json& v = FieldAt(j, key);
  return v.is_boolean() ? v.get<bool>() : fallback;
}

std::vector<std::string> OpNamesOf(const json& ops) {
  std::vector<std::string> names;
  if (!ops.is_object()) return names;
  for (int k = 0; k < kOpKinds; ++k) {
    const std::string name(OpKindName(static_cast<OpKind>(k)));
    if (ops.contains(name)) names.push_back(name);
  }
  for (const auto& [name, entry] : ops.items()) {
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  }
  return names;
}

namespace {

// The members of errors.<key> as "name n, ...", largest first.
std::string CountsText(const json& summary, std::string_view key) {
  const json& by_kind = ObjectAt(ObjectAt(summary, "errors"), key);
  std::vector<std::pair<uint64_t, std::string>> kinds;
  for (const auto& item : by_kind.items()) {
    if (const uint64_t n = CountAt(by_kind, item.key()); n > 0) kinds.emplace_back(n, item.key());
  }
  std::stable_sort(kinds.begin(), kinds.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  std::string out;
  for (const auto& [n, kind] : kinds)
    out += (out.empty() ? "" : ", ") + kind + " " + GroupedText(n);
  return out;
}

}  // namespace

std::string ErrorKindsText(const json& summary) { return CountsText(summary, "by_kind"); }

std::string FigureStatus(const json& summary, std::string_view figure) {
  std::string key(figure);
  if (key == "hold_conflicts_outside_failover") key = "hold_conflicts";
  if (key == "visibility_lag_ms") key = "visibility_lag";
  const json& m = ObjectAt(ObjectAt(ObjectAt(summary, "consistency"), "measurement"), key);
  const std::string status = TextAt(m, "status", "measured");
  return status.empty() ? "measured" : status;
}

std::vector<std::string> UnmeasuredFigureLines(const json& summary) {
  const json& c = ObjectAt(summary, "consistency");
  std::vector<std::string> out;
  for (const auto& item : ObjectAt(c, "measurement").items()) {
    const std::string status = TextAt(item.value(), "status", "measured");
    if (status == "measured") continue;
    std::string line = item.key() + " " + status + ": " + TextAt(item.value(), "reason", "");
    const std::string missing = TextAt(item.value(), "missing", "");
    if (!missing.empty()) line += " (missing " + missing + ")";
    out.push_back(std::move(line));
  }
  if (!out.empty()) {
    out.insert(out.begin(), "final bookings read back: " + TextAt(c, "read_back", "?"));
  }
  return out;
}
std::string ErrorClassesText(const json& summary) { return CountsText(summary, "by_class"); }

double NumberOf(const json& v, double fallback) {
  return v.is_number() ? v.get<double>() : fallback;
}

}  // namespace slotsim
