// Writing timeseries.csv.
#include "reports/timeseries_csv.h"

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <fstream>

namespace slotsim {
namespace {

// Seconds with up to 6 decimals and no trailing zeros: exact for whole microseconds.
std::string SecondsText(Micros d) {
  const int64_t us = d.count();
  char buf[48];
  std::snprintf(buf, sizeof buf, "%" PRId64 ".%06" PRId64, us / 1'000'000, us % 1'000'000);
  std::string s = buf;
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

std::string Header() {
  std::string h = "t_s";
  for (int k = 0; k < kOpKinds; ++k) {
    const std::string op(OpKindName(static_cast<OpKind>(k)));
    h += "," + op + "_ops," + op + "_errors," + op + "_p99_us";
  }
  return h + ",ops,errors,ops_per_s,live_clients,mode,sold_out\n";
}

std::string Row(const TimeRow& row, Micros interval) {
  std::string line = SecondsText(row.start);
  uint64_t ops = 0, errors = 0;
  for (int k = 0; k < kOpKinds; ++k) {
    line += "," + std::to_string(row.ops[k]) + "," + std::to_string(row.errors[k]) + "," +
            std::to_string(row.p99_us[k]);
    ops += row.ops[k];
    errors += row.errors[k];
  }
  char rate[32];
  std::snprintf(rate, sizeof rate, "%.3f",
                static_cast<double>(ops) * 1e6 / static_cast<double>(interval.count()));
  line += "," + std::to_string(ops) + "," + std::to_string(errors) + "," + rate + "," +
          std::to_string(row.live_clients) + "," + std::string(StorageModeName(row.mode)) + "," +
          std::to_string(row.sold_out);
  return line + "\n";
}

}  // namespace

std::string TimeseriesCsv(const RunMetrics& metrics) {
  const Micros interval =
      metrics.timeseries_interval > Micros(0) ? metrics.timeseries_interval : Micros(1'000'000);
  std::string out = Header();
  for (const TimeRow& row : metrics.timeseries) out += Row(row, interval);
  return out;
}

Status WriteTimeseriesCsv(const RunMetrics& metrics, const std::string& path) {
  std::ofstream file(path, std::ios::out | std::ios::trunc);
  if (!file) return Status::Unavailable("cannot write " + path + ": " + std::strerror(errno));
  file << TimeseriesCsv(metrics);
  file.close();
  if (!file) return Status::Unavailable("cannot write " + path + ": " + std::strerror(errno));
  return Status::Ok();
}

}  // namespace slotsim
