// history.jsonl: a run's history as one JSON object per line, so `slotsim check history.jsonl`
// can recompute the consistency figures offline, equal to the online checker's.
//
// Line types (UTF-8; times are integers, microseconds since the Unix epoch; enums by name):
//   an operation (no "type" key), the OpRecord's fields with the slot flattened:
//     {"op_id":7,"client_id":"c1","kind":"select","employee_id":3,"date":"2026-12-01",
//      "time":"09:30","intended":..,"invoked":..,"completed":..,"outcome":"ok","code":"OK",
//      "served_by":"redis","hold_expires":..}
//     kind: OpKindName; outcome: OutcomeName; code: CodeName; served_by: StorageModeName;
//     own: HoldStatusName; answer: AnswerClassName, left out when "ok". Empty strings and lists and absent optionals (time, booking_id,
//     idempotency_key, hold_expires, own, others_held, booked) are left out.
//   {"type":"checker_options","hold_ttl_ms":300000,"max_op_duration_ms":65000,
//    "max_conflict_intervals":4194304,"max_double_candidates":1048576}
//                                                       (write it first: see CheckHistoryFile)
//   {"type":"failover_window","start":..,"end":..}
//   {"type":"final_bookings","end":..,"read_back":"complete","reason":"..","bookings":[{"id":"APT-2026-000001","client_id":"c1",
//      "employee_id":3,"date":"2026-12-01","time":"09:30","idempotency_key":"k1",
//      "status":"active","created_at":..}, ...]}
//     read_back: ReadBackName (measurement.h), absent = "complete" (older files); reason only
//     when not complete.
// Unknown keys are ignored; an unknown "type" is an error.
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "engine/types.h"
#include "simulator/observe/checker.h"
#include "simulator/observe/history.h"

namespace slotsim {

// Writes history.jsonl. Record() appends to a buffer flushed every ~1 MiB; a write error is
// kept, later lines are dropped, and Flush()/Close() return it. Lines written while no file is
// open are dropped. Strings must be UTF-8 (the reader rejects anything else). Not thread-safe.
class JsonlHistoryWriter : public HistorySink {
 public:
  JsonlHistoryWriter() = default;
  ~JsonlHistoryWriter() override;  // closes, ignoring errors
  JsonlHistoryWriter(const JsonlHistoryWriter&) = delete;
  JsonlHistoryWriter& operator=(const JsonlHistoryWriter&) = delete;

  // Creates or truncates `path`. Fails if a file is already open or it cannot be created.
  Status Open(const std::string& path);

  void Record(const OpRecord& op) override;
  void WriteCheckerOptions(const CheckerOptions& options);
  void WriteFailoverWindow(const FailoverWindow& window);
  // The store's final state, as Checker::Finish() was given it (`end`, how it was read back).
  void WriteFinalBookings(const std::vector<Booking>& bookings, Timestamp end,
                          ReadBack read_back = ReadBack::kComplete, const std::string& reason = "");

  // Writes the buffer out.
  Status Flush();
  // Flushes and closes; the first error seen since Open(). Closing a closed writer is OK.
  Status Close();

  uint64_t lines() const { return lines_; }

 private:
  void EndLine();

  std::FILE* file_ = nullptr;
  std::string path_;
  std::string buffer_;
  Status error_;
  uint64_t lines_ = 0;
};

// The non-operation lines of a history file.
struct HistoryExtras {
  std::optional<CheckerOptions> checker_options;
  std::vector<FailoverWindow> failover_windows;
  bool has_final_bookings = false;
  std::vector<Booking> final_bookings;
  ReadBack read_back = ReadBack::kComplete;  // how they were read (measurement.h)
  std::string read_back_reason;
  Timestamp end;  // of the final_bookings line
};

// Parses `path`, handing every operation line to `sink` in file order and the other lines to
// `extras` (may be null: then they are checked and dropped). Empty lines are skipped. Errors:
// NotFound for a missing file, InvalidArgument "<path>:<line>: <what>" for a bad line (the
// lines before it have reached the sink).
Status ReadHistory(const std::string& path, HistorySink& sink, HistoryExtras* extras = nullptr);

// The offline check: replays `path` into a Checker built with the file's checker_options if
// that line precedes the first operation (else `defaults`), declares each failover window at
// its place among the records, and calls Finish() with the final bookings (InvalidArgument if
// the file has none: without the final state lost and phantom bookings cannot be decided).
// Equals the online report when the file was written beside the online checker.
StatusOr<ConsistencyReport> CheckHistoryFile(const std::string& path,
                                             const CheckerOptions& defaults);

}  // namespace slotsim
