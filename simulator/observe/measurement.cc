// Measurement statuses and what each final-state read-back leaves unmeasured (measurement.h).
#include "simulator/observe/measurement.h"

namespace slotsim {

std::string_view ReadBackName(ReadBack r) {
  switch (r) {
    case ReadBack::kComplete:
      return "complete";
    case ReadBack::kById:
      return "by_id";
    case ReadBack::kNone:
      return "none";
  }
  return "none";
}

std::optional<ReadBack> ReadBackFromName(std::string_view name) {
  for (ReadBack r : {ReadBack::kComplete, ReadBack::kById, ReadBack::kNone}) {
    if (ReadBackName(r) == name) return r;
  }
  return std::nullopt;
}

std::string_view MeasureStatusName(MeasureStatus s) {
  switch (s) {
    case MeasureStatus::kMeasured:
      return "measured";
    case MeasureStatus::kPartial:
      return "partial";
    case MeasureStatus::kNotMeasured:
      return "not_measured";
  }
  return "not_measured";
}

std::optional<MeasureStatus> MeasureStatusFromName(std::string_view name) {
  for (MeasureStatus s :
       {MeasureStatus::kMeasured, MeasureStatus::kPartial, MeasureStatus::kNotMeasured}) {
    if (MeasureStatusName(s) == name) return s;
  }
  return std::nullopt;
}

const Measurement& LessMeasured(const Measurement& a, const Measurement& b) {
  return static_cast<int>(b.status) > static_cast<int>(a.status) ? b : a;
}

ConsistencyMeasurement MeasurementOf(ReadBack read_back, const std::string& reason) {
  ConsistencyMeasurement m;
  const std::string why = reason.empty() ? "the final bookings were not read back" : reason;
  const auto partial = [&](std::string missing) {
    return Measurement{MeasureStatus::kPartial, why, std::move(missing)};
  };
  const Measurement not_measured{MeasureStatus::kNotMeasured, why, ""};
  switch (read_back) {
    case ReadBack::kComplete:
      break;
    case ReadBack::kById:
      m.phantom_bookings = {MeasureStatus::kNotMeasured,
                            why + "; bookings read back by id: a booking no answer named cannot "
                                  "be asked for",
                            ""};
      m.double_bookings = partial("final-state double bookings with a booking no answer named");
      break;
    case ReadBack::kNone:
      m.lost_bookings = not_measured;
      m.phantom_bookings = not_measured;
      m.double_bookings = partial("final-state double bookings (the store was not read)");
      break;
  }
  return m;
}

}  // namespace slotsim
