// Parsing and printing of human durations: "250ms", "5s", "10m", "1h", "1h30m", "1.5s", "100us".
#pragma once

#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/status.h"

namespace slotsim {

// Parses a non-negative duration: one or more <number><unit> parts, unit one of
// us, ms, s, m, h, d; numbers may have a fraction; one space may stand between a number and its
// unit ("5 s", "1h30 m"; not "1h 30m", between two parts). A bare "0" is accepted. Anything
// else returns InvalidArgument naming the text and the allowed form.
StatusOr<Micros> ParseDuration(std::string_view text);

// Formats with the largest unit that keeps it short and exact where possible: "250ms", "5s",
// "1.5s", "10m", "1h30m".
std::string FormatDuration(Micros d);

}  // namespace slotsim
