// Tolerant reading of a summary.json document (reports/summary.h) for the reports people read
// (html, md, junit). A summary may be hand-edited or come from an older run, so nothing here
// throws or asserts: a missing key or a value of the wrong type reads as a neutral value (an
// empty object or array, 0, nullopt, "?"), and the report shows that as "-" or leaves it out.
// CheckReportable (reports/run_reports.h) rejects the shapes no report can make sense of.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace slotsim {

// j[key] when j is an object holding `key`, else a null value. The reference stays valid as
// long as `j` does (or forever, for the null).
const nlohmann::json& FieldAt(const nlohmann::json& j, std::string_view key);
// FieldAt when it is an object / an array, else an empty one.
const nlohmann::json& ObjectAt(const nlohmann::json& j, std::string_view key);
const nlohmann::json& ArrayAt(const nlohmann::json& j, std::string_view key);

// A string as is, a number or boolean as JSON text, anything else (missing, null) `fallback`.
std::string TextAt(const nlohmann::json& j, std::string_view key, std::string_view fallback = "?");
// A number, or nullopt when missing, null or not a number.
std::optional<double> NumberAt(const nlohmann::json& j, std::string_view key);
// A number, or `fallback`.
double NumberOr(const nlohmann::json& j, std::string_view key, double fallback = 0);
// A non-negative integer (fractions truncated), or 0 when missing, negative or not a number.
uint64_t CountAt(const nlohmann::json& j, std::string_view key);
// A boolean, or `fallback`.
bool BoolAt(const nlohmann::json& j, std::string_view key, bool fallback);

// The keys of `ops` (summary "ops") in OpKind order (select, deselect, poll, ...), then any
// other keys alphabetically; empty when `ops` is not an object.
std::vector<std::string> OpNamesOf(const nlohmann::json& ops);

// errors.by_kind of a summary as text, largest first: "malformed_answer 12, timeout 3"; ""
// when the summary has none (no errors, or an older summary).
std::string ErrorKindsText(const nlohmann::json& summary);

// consistency.measurement.<figure>.status of a summary: "measured", "partial" or
// "not_measured"; "measured" when absent (an older summary). hold_conflicts_outside_failover
// reads hold_conflicts', visibility_lag_ms visibility_lag's.
std::string FigureStatus(const nlohmann::json& summary, std::string_view figure);
// One line per consistency figure not fully measured, "<figure> <status>: <reason> (missing
// <what>)", after one "final bookings read back: <kind>" line; empty when all were measured.
std::vector<std::string> UnmeasuredFigureLines(const nlohmann::json& summary);

// errors.by_class the same way: "server_error 15, timeout 2"; "" when none.
std::string ErrorClassesText(const nlohmann::json& summary);

// The same readers for an array element (`v` itself), for the time-series columns.
double NumberOf(const nlohmann::json& v, double fallback = 0);

}  // namespace slotsim
