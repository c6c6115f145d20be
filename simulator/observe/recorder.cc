// Recorder: latency histograms, time series and the failover timeline of one run.
#include "simulator/observe/recorder.h"

#include <algorithm>

namespace slotsim {
namespace {

constexpr std::string_view kPhaseNames[kPhases] = {"steady", "outage", "recovery"};

int64_t WholeMillis(Micros d) { return std::chrono::duration_cast<Millis>(d).count(); }

}  // namespace

std::string_view PhaseName(Phase p) { return kPhaseNames[static_cast<int>(p)]; }

std::optional<Phase> PhaseFromName(std::string_view name) {
  for (int i = 0; i < kPhases; ++i) {
    if (kPhaseNames[i] == name) return static_cast<Phase>(i);
  }
  return std::nullopt;
}

bool IsDomainAnswer(Code code) {
  switch (code) {
    case Code::kSlotHeld:
    case Code::kSlotBooked:
    case Code::kSlotTaken:
    case Code::kNotHolder:
    case Code::kNotFound:
    case Code::kInvalidArgument:
      return true;
    default:
      return false;
  }
}

bool IsErrorOp(Outcome outcome, Code code) {
  switch (outcome) {
    case Outcome::kOk:
      return false;
    case Outcome::kUnknown:
      return true;
    case Outcome::kFail:
      return !IsDomainAnswer(code);
  }
  return true;
}

std::string ErrorKindName(Code code) {
  std::string out;
  for (char c : CodeName(code)) {
    if (c >= 'A' && c <= 'Z') {
      if (!out.empty()) out += '_';
      out += static_cast<char>(c - 'A' + 'a');
    } else {
      out += c;
    }
  }
  return out;
}

Recorder::Recorder(RecorderOptions options) : options_(options), mode_(options.initial_mode) {
  if (options_.timeseries_interval <= Micros(0)) options_.timeseries_interval = Micros(1'000'000);
  metrics_.timeseries_interval = options_.timeseries_interval;
  metrics_.start = options_.start;
  const int digits = options_.significant_digits;
  if (digits != 3) {
    for (OpMetrics& op : metrics_.ops) {
      for (auto& by_mode : op.latency) {
        for (LatencyPair& pair : by_mode) {
          pair.corrected = Histogram(Histogram::kDefaultHighest, digits);
          pair.raw = Histogram(Histogram::kDefaultHighest, digits);
        }
      }
    }
  }
  interval_p99_.assign(kOpKinds, Histogram(Histogram::kDefaultHighest, digits));
}

void Recorder::Record(const OpRecord& op) {
  const int kind = static_cast<int>(op.kind);
  const int mode = static_cast<int>(op.served_by);
  const bool error = IsErrorOp(op.outcome, op.code);
  const int64_t corrected_us = (op.completed - op.intended).count();
  const int64_t raw_us = (op.completed - op.invoked).count();

  OpMetrics& metrics = metrics_.ops[kind];
  ++metrics.count;
  ++metrics_.records;
  // An operation that was never sent has no latency: the time until it was refused is not a
  // server's answer. It is counted (count, errors, not_sent), never filed as a latency.
  const bool sent = op.answer != AnswerClass::kNotSent;
  if (sent) {
    LatencyPair& pair = metrics.latency[mode][static_cast<int>(PhaseAt(op.completed))];
    pair.corrected.Record(corrected_us);
    pair.raw.Record(raw_us);
  } else {
    ++metrics.not_sent;
  }
  ++code_counts_[kind][static_cast<int>(op.code)];
  if (error) {
    ++metrics.errors;
    ++metrics.mode_errors[mode];
    ++error_codes_[static_cast<int>(op.code)];
    ++error_classes_[static_cast<int>(op.answer)];
  }

  const size_t row_index = RowFor(op.completed);
  TimeRow& row = metrics_.timeseries[row_index];
  ++row.ops[kind];
  if (error) ++row.errors[kind];
  if (row_index == current_row_) {
    row.live_clients = live_source_ ? live_source_() : live_clients_;
    row.mode = op.served_by;
    if (sent) interval_p99_[kind].Record(corrected_us);
  }
  if (!tracks_.empty() && (error || op.served_by == StorageMode::kMySql)) {
    NoteOutageOp(op, error);
  }
}

void Recorder::NoteOutageOp(const OpRecord& op, bool error) {
  // Outages end in start order, so once one is over for this op every older one is too.
  for (size_t i = tracks_.size(); i > 0; --i) {
    OutageTrack& track = tracks_[i - 1];
    if (track.recovery_end && *track.recovery_end <= op.completed) break;
    if (op.completed < track.start) continue;
    OutageMetrics& outage = metrics_.outages[i - 1];
    if (error) ++outage.errors;
    if (op.served_by == StorageMode::kMySql && !outage.detect_ms) {
      outage.detect_ms = WholeMillis(op.completed - track.start);
      track.left_redis = true;
    }
  }
}

size_t Recorder::RowFor(Timestamp t) {
  const int64_t since_us = std::max<int64_t>(0, (t - options_.start).count());
  const size_t index = static_cast<size_t>(since_us / options_.timeseries_interval.count());
  std::vector<TimeRow>& rows = metrics_.timeseries;
  if (rows.empty()) {
    TimeRow first;
    first.live_clients = live_clients_;
    first.mode = mode_;
    rows.push_back(first);
    current_row_ = 0;
  }
  if (index > current_row_) {
    CloseIntervalP99();
    while (rows.size() <= index) {
      TimeRow next;
      next.start = options_.timeseries_interval * static_cast<int64_t>(rows.size());
      next.live_clients = rows.back().live_clients;
      next.mode = rows.back().mode;
      rows.push_back(next);
    }
    current_row_ = index;
  }
  return index;
}

void Recorder::CloseIntervalP99() {
  if (metrics_.timeseries.empty()) return;
  TimeRow& row = metrics_.timeseries[current_row_];
  for (int k = 0; k < kOpKinds; ++k) {
    Histogram& h = interval_p99_[k];
    if (h.TotalCount() == 0) continue;
    row.p99_us[k] = h.ValueAtPercentile(99.0);
    h.Reset();
  }
}

Phase Recorder::PhaseAt(Timestamp t) const {
  for (size_t i = phase_changes_.size(); i > 0; --i) {
    if (phase_changes_[i - 1].first <= t) return phase_changes_[i - 1].second;
  }
  return Phase::kSteady;
}

void Recorder::SetPhase(Timestamp at) {
  const Phase phase = open_faults_ > 0 ? Phase::kOutage
                      : in_recovery_   ? Phase::kRecovery
                                       : Phase::kSteady;
  const Phase current = phase_changes_.empty() ? Phase::kSteady : phase_changes_.back().second;
  if (phase == current) return;
  // Keep the change list sorted even if the timeline arrives slightly out of order.
  if (!phase_changes_.empty()) at = std::max(at, phase_changes_.back().first);
  phase_changes_.emplace_back(at, phase);
}

void Recorder::FaultStarted(const std::string& kind, Timestamp at) {
  OutageMetrics outage;
  outage.kind = kind;
  outage.start = at - options_.start;
  metrics_.outages.push_back(outage);
  OutageTrack track;
  track.start = at;
  track.left_redis = mode_ == StorageMode::kMySql;
  tracks_.push_back(track);
  ++open_faults_;
  SetPhase(at);
}

void Recorder::FaultEnded(Timestamp at) {
  auto open = std::find_if(tracks_.begin(), tracks_.end(),
                           [](const OutageTrack& t) { return !t.end.has_value(); });
  if (open == tracks_.end()) return;  // no fault is open: nothing to end
  const size_t i = static_cast<size_t>(open - tracks_.begin());
  OutageTrack& track = tracks_[i];
  track.end = at;
  metrics_.outages[i].end = at - options_.start;
  --open_faults_;
  if (mode_ == StorageMode::kMySql) {
    track.left_redis = true;
    in_recovery_ = true;  // ends at the switch back to Redis
  } else {
    track.recovery_end = at;
    // Back on Redis before the fault ended: the switch back precedes the end, clamped to 0.
    if (track.left_redis) metrics_.outages[i].recover_ms = 0;
  }
  SetPhase(at);
}

void Recorder::ModeSwitched(const ModeSwitch& sw) {
  metrics_.switches.push_back(sw);
  mode_ = sw.to;
  if (sw.to == StorageMode::kMySql) {
    for (OutageTrack& track : tracks_) {
      if (!track.end) track.left_redis = true;
    }
  } else if (in_recovery_) {
    EndRecovery(sw.at);
  }
  SetPhase(sw.at);
}

void Recorder::EndRecovery(Timestamp at) {
  for (size_t i = 0; i < tracks_.size(); ++i) {
    OutageTrack& track = tracks_[i];
    if (!track.end || track.recovery_end) continue;
    track.recovery_end = at;
    metrics_.outages[i].recover_ms = std::max<int64_t>(0, WholeMillis(at - *track.end));
  }
  in_recovery_ = false;
}

void Recorder::ClientSoldOut(Timestamp at) {
  ++metrics_.clients_sold_out;
  ++metrics_.timeseries[RowFor(at)].sold_out;
}

void Recorder::ClientsChanged(uint64_t live, uint64_t total) {
  live_clients_ = live;
  metrics_.clients_peak = std::max(metrics_.clients_peak, live);
  metrics_.clients_total = std::max(metrics_.clients_total, total);
}

RunMetrics Recorder::Finish(Timestamp end) {
  while (open_faults_ > 0) FaultEnded(end);
  // A recovery still waiting for the switch back: its window closes, recover_ms stays absent.
  for (OutageTrack& track : tracks_) {
    if (!track.recovery_end) track.recovery_end = end;
  }
  in_recovery_ = false;
  metrics_.duration = std::max(Micros(0), end - options_.start);
  if (end > options_.start) RowFor(end - Micros(1));
  CloseIntervalP99();
  for (int k = 0; k < kOpKinds; ++k) {
    for (int c = 0; c < kCodes; ++c) {
      const uint64_t n = code_counts_[k][c];
      if (n > 0) metrics_.ops[k].codes[std::string(CodeName(static_cast<Code>(c)))] = n;
    }
  }
  for (int c = 0; c < kCodes; ++c) {
    if (error_codes_[c] > 0)
      metrics_.errors_by_kind[ErrorKindName(static_cast<Code>(c))] = error_codes_[c];
  }
  for (int c = 0; c < kAnswerClasses; ++c) {
    if (error_classes_[c] > 0) {
      metrics_.errors_by_class[std::string(AnswerClassName(static_cast<AnswerClass>(c)))] =
          error_classes_[c];
    }
  }
  return std::move(metrics_);
}

}  // namespace slotsim
