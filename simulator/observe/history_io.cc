// history.jsonl writing (by hand: it is on the recording path, one line per operation) and
// reading (nlohmann::json, whose exceptions stay in this file).
#include "simulator/observe/history_io.h"

#include <charconv>
#include <cstring>
#include <fstream>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <string_view>

namespace slotsim {
namespace {

using nlohmann::json;

constexpr size_t kFlushBytes = size_t{1} << 20;

int64_t Us(Timestamp t) { return t.time_since_epoch().count(); }

void AppendQuoted(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      out += "\\u00";
      out += kHex[u >> 4];
      out += kHex[u & 0xF];
    } else {
      out += c;
    }
  }
  out += '"';
}

// Appends the members of one JSON object to a string.
class ObjectWriter {
 public:
  explicit ObjectWriter(std::string& out) : out_(out) { out_ += '{'; }
  ObjectWriter& Str(std::string_view key, std::string_view v) {
    Key(key);
    AppendQuoted(out_, v);
    return *this;
  }
  ObjectWriter& StrIfAny(std::string_view key, std::string_view v) {
    return v.empty() ? *this : Str(key, v);
  }
  ObjectWriter& Int(std::string_view key, int64_t v) { return Number(key, v); }
  ObjectWriter& UInt(std::string_view key, uint64_t v) { return Number(key, v); }
  ObjectWriter& StrListIfAny(std::string_view key, const std::vector<std::string>& list) {
    if (list.empty()) return *this;
    Key(key);
    out_ += '[';
    for (size_t i = 0; i < list.size(); ++i) {
      if (i > 0) out_ += ',';
      AppendQuoted(out_, list[i]);
    }
    out_ += ']';
    return *this;
  }
  // Starts a member whose value the caller appends.
  std::string& Raw(std::string_view key) {
    Key(key);
    return out_;
  }
  void End() { out_ += '}'; }

 private:
  template <typename T>
  ObjectWriter& Number(std::string_view key, T v) {
    Key(key);
    char buf[24];
    const auto res = std::to_chars(buf, buf + sizeof buf, v);
    out_.append(buf, res.ptr);
    return *this;
  }
  void Key(std::string_view key) {
    if (!first_) out_ += ',';
    first_ = false;
    AppendQuoted(out_, key);
    out_ += ':';
  }

  std::string& out_;
  bool first_ = true;
};

void AppendBooking(std::string& out, const Booking& b) {
  ObjectWriter w(out);
  w.Str("id", b.id).Str("client_id", b.client_id).Int("employee_id", b.slot.employee_id);
  w.Str("date", b.slot.date).Str("time", b.slot.time).Str("idempotency_key", b.idempotency_key);
  w.Str("status", b.status == BookingStatus::kActive ? "active" : "cancelled");
  w.Int("created_at", Us(b.created_at));
  w.End();
}

}  // namespace

// ---- writer -----------------------------------------------------------------------------

JsonlHistoryWriter::~JsonlHistoryWriter() {
  Close().IgnoreError(
      "a destructor has no one to tell; a caller that needs the outcome calls "
      "Close() first");
}

Status JsonlHistoryWriter::Open(const std::string& path) {
  if (file_ != nullptr) return Status::InvalidArgument("history writer already open: " + path_);
  file_ = std::fopen(path.c_str(), "w");
  if (file_ == nullptr) {
    return Status::Unavailable("cannot create " + path + ": " + std::strerror(errno));
  }
  path_ = path;
  error_ = Status::Ok();
  buffer_.reserve(kFlushBytes + 4096);
  return Status::Ok();
}

void JsonlHistoryWriter::Record(const OpRecord& op) {
  if (file_ == nullptr || !error_.ok()) return;
  ObjectWriter w(buffer_);
  w.UInt("op_id", op.op_id).Str("client_id", op.client_id).Str("kind", OpKindName(op.kind));
  w.Int("employee_id", op.slot.employee_id)
      .Str("date", op.slot.date)
      .StrIfAny("time", op.slot.time);
  w.StrIfAny("booking_id", op.booking_id).StrIfAny("idempotency_key", op.idempotency_key);
  w.Int("intended", Us(op.intended)).Int("invoked", Us(op.invoked));
  w.Int("completed", Us(op.completed)).Str("outcome", OutcomeName(op.outcome));
  if (op.answer != AnswerClass::kOk) w.Str("answer", AnswerClassName(op.answer));
  w.Str("code", CodeName(op.code)).Str("served_by", StorageModeName(op.served_by));
  if (op.hold_expires) w.Int("hold_expires", Us(*op.hold_expires));
  if (op.own) w.Str("own", HoldStatusName(*op.own));
  w.StrListIfAny("others_held", op.others_held).StrListIfAny("booked", op.booked);
  w.End();
  EndLine();
}

void JsonlHistoryWriter::WriteCheckerOptions(const CheckerOptions& options) {
  if (file_ == nullptr || !error_.ok()) return;
  ObjectWriter w(buffer_);
  w.Str("type", "checker_options").Int("hold_ttl_ms", options.hold_ttl.count());
  w.Int("max_op_duration_ms", options.max_op_duration.count());
  w.UInt("max_conflict_intervals", options.max_conflict_intervals);
  w.UInt("max_double_candidates", options.max_double_candidates);
  w.End();
  EndLine();
}

void JsonlHistoryWriter::WriteFailoverWindow(const FailoverWindow& window) {
  if (file_ == nullptr || !error_.ok()) return;
  ObjectWriter w(buffer_);
  w.Str("type", "failover_window").Int("start", Us(window.start)).Int("end", Us(window.end));
  w.End();
  EndLine();
}

void JsonlHistoryWriter::WriteFinalBookings(const std::vector<Booking>& bookings, Timestamp end,
                                            ReadBack read_back, const std::string& reason) {
  if (file_ == nullptr || !error_.ok()) return;
  ObjectWriter w(buffer_);
  w.Str("type", "final_bookings").Int("end", Us(end));
  w.Str("read_back", ReadBackName(read_back));
  if (!reason.empty()) w.Str("reason", reason);
  std::string& out = w.Raw("bookings");
  out += '[';
  for (size_t i = 0; i < bookings.size(); ++i) {
    if (i > 0) out += ',';
    AppendBooking(out, bookings[i]);
  }
  out += ']';
  w.End();
  EndLine();
}

void JsonlHistoryWriter::EndLine() {
  buffer_ += '\n';
  ++lines_;
  if (buffer_.size() >= kFlushBytes) {
    Flush().IgnoreError("a write error is kept in error_ and returned by Flush() and Close()");
  }
}

Status JsonlHistoryWriter::Flush() {
  if (file_ == nullptr || !error_.ok()) return error_;
  if (!buffer_.empty() && std::fwrite(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size()) {
    error_ = Status::Unavailable("write " + path_ + ": " + std::strerror(errno));
  }
  buffer_.clear();
  if (error_.ok() && std::fflush(file_) != 0) {
    error_ = Status::Unavailable("write " + path_ + ": " + std::strerror(errno));
  }
  return error_;
}

Status JsonlHistoryWriter::Close() {
  if (file_ == nullptr) return error_;
  Flush().IgnoreError("its error is kept in error_, which Close() returns");
  if (std::fclose(file_) != 0 && error_.ok()) {
    error_ = Status::Unavailable("close " + path_ + ": " + std::strerror(errno));
  }
  file_ = nullptr;
  return error_;
}

// ---- reader -----------------------------------------------------------------------------

namespace {

template <typename E>
std::optional<E> EnumFromName(std::string_view name, int count, std::string_view (*fn)(E)) {
  for (int i = 0; i < count; ++i) {
    if (fn(static_cast<E>(i)) == name) return static_cast<E>(i);
  }
  return std::nullopt;
}
std::optional<OpKind> KindFromName(std::string_view n) { return OpKindFromName(n); }
std::optional<Outcome> OutcomeFromName(std::string_view n) {
  return EnumFromName(n, 3, &OutcomeName);
}
std::optional<Code> CodeFromName(std::string_view n) {
  return EnumFromName(n, kCodeCount, &CodeName);
}
std::optional<StorageMode> ModeFromName(std::string_view n) {
  return EnumFromName(n, 3, &StorageModeName);
}
std::optional<HoldStatus> HoldFromName(std::string_view n) {
  return EnumFromName(n, 3, &HoldStatusName);
}
std::optional<BookingStatus> BookingStatusFromName(std::string_view n) {
  if (n == "active") return BookingStatus::kActive;
  if (n == "cancelled") return BookingStatus::kCancelled;
  return std::nullopt;
}

// Typed access to the members of one JSON object; the first problem is kept in error().
class Fields {
 public:
  explicit Fields(const json& obj) : obj_(obj) {}
  const Status& error() const { return error_; }
  bool Has(const char* key) const { return obj_.contains(key); }

  std::string Str(const char* key, bool required) {
    const json* v = Find(key, required);
    if (v == nullptr) return {};
    if (!v->is_string()) return Fail(key, "expected a string", std::string());
    return v->get<std::string>();
  }
  int64_t Int(const char* key, bool required, int64_t min = kMin, int64_t max = kMax) {
    const json* v = Find(key, required);
    if (v == nullptr) return 0;
    if (!v->is_number_integer()) return Fail(key, "expected an integer", 0);
    if (v->is_number_unsigned() && v->get<uint64_t>() > static_cast<uint64_t>(kMax)) {
      return Fail(key, "out of range", 0);
    }
    const int64_t i = v->get<int64_t>();
    if (i < min || i > max) return Fail(key, "out of range", 0);
    return i;
  }
  uint64_t UInt(const char* key, bool required) {
    const json* v = Find(key, required);
    if (v == nullptr) return 0;
    if (!v->is_number_unsigned()) return Fail(key, "expected a non-negative integer", 0);
    return v->get<uint64_t>();
  }
  Timestamp Time(const char* key, bool required) { return FromUnixMicros(Int(key, required)); }
  std::vector<std::string> StrList(const char* key) {
    std::vector<std::string> out;
    const json* v = Find(key, false);
    if (v == nullptr) return out;
    if (!v->is_array()) return Fail(key, "expected a list of strings", out);
    for (const json& e : *v) {
      if (!e.is_string()) return Fail(key, "expected a list of strings", out);
      out.push_back(e.get<std::string>());
    }
    return out;
  }
  template <typename E>
  std::optional<E> Enum(const char* key, bool required,
                        std::optional<E> (*parse)(std::string_view)) {
    if (!Has(key) && !required) return std::nullopt;
    const std::string name = Str(key, true);
    if (!error_.ok()) return std::nullopt;
    std::optional<E> e = parse(name);
    if (!e) Fail(key, "unknown value \"" + name + "\"");
    return e;
  }

 private:
  static constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  static constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

  const json* Find(const char* key, bool required) {
    auto it = obj_.find(key);
    if (it == obj_.end()) {
      if (required) Fail(key, "missing");
      return nullptr;
    }
    return &*it;
  }
  // Keeps the first problem; returns `value` for the caller to return.
  template <typename T = bool>
  T Fail(const char* key, const std::string& what, T value = {}) {
    if (error_.ok()) error_ = Status::InvalidArgument(std::string("\"") + key + "\": " + what);
    return value;
  }

  const json& obj_;
  Status error_;
};

constexpr int64_t kIntMin = std::numeric_limits<int>::min();
constexpr int64_t kIntMax = std::numeric_limits<int>::max();

Status ParseOp(const json& obj, OpRecord* op) {
  Fields f(obj);
  op->op_id = f.UInt("op_id", true);
  op->client_id = f.Str("client_id", true);
  op->kind = f.Enum<OpKind>("kind", true, &KindFromName).value_or(OpKind::kPoll);
  op->slot.employee_id = static_cast<int>(f.Int("employee_id", true, kIntMin, kIntMax));
  op->slot.date = f.Str("date", true);
  op->slot.time = f.Str("time", false);
  op->booking_id = f.Str("booking_id", false);
  op->idempotency_key = f.Str("idempotency_key", false);
  op->invoked = f.Time("invoked", true);
  op->intended = f.Has("intended") ? f.Time("intended", true) : op->invoked;
  op->completed = f.Time("completed", true);
  op->outcome = f.Enum<Outcome>("outcome", true, &OutcomeFromName).value_or(Outcome::kOk);
  op->answer =
      f.Enum<AnswerClass>("answer", false, &AnswerClassFromName).value_or(AnswerClass::kOk);
  op->code = f.Enum<Code>("code", false, &CodeFromName).value_or(Code::kOk);
  op->served_by =
      f.Enum<StorageMode>("served_by", false, &ModeFromName).value_or(StorageMode::kMemory);
  op->hold_expires.reset();
  if (f.Has("hold_expires")) op->hold_expires = f.Time("hold_expires", true);
  op->own = f.Enum<HoldStatus>("own", false, &HoldFromName);
  op->others_held = f.StrList("others_held");
  op->booked = f.StrList("booked");
  return f.error();
}

Status ParseBooking(const json& obj, Booking* b) {
  if (!obj.is_object()) return Status::InvalidArgument("\"bookings\": expected objects");
  Fields f(obj);
  b->id = f.Str("id", true);
  b->client_id = f.Str("client_id", false);
  b->slot.employee_id = static_cast<int>(f.Int("employee_id", true, kIntMin, kIntMax));
  b->slot.date = f.Str("date", true);
  b->slot.time = f.Str("time", true);
  b->idempotency_key = f.Str("idempotency_key", false);
  b->status = f.Enum<BookingStatus>("status", false, &BookingStatusFromName)
                  .value_or(BookingStatus::kActive);
  b->created_at = f.Time("created_at", false);
  return f.error();
}

Status ParseFinalBookings(const json& obj, HistoryExtras* extras) {
  Fields f(obj);
  const Timestamp end = f.Time("end", true);
  // Files written before the read-back kind was recorded came from a complete read.
  const std::optional<ReadBack> read_back =
      f.Has("read_back") ? ReadBackFromName(f.Str("read_back", true)) : ReadBack::kComplete;
  const std::string reason = f.Str("reason", false);
  SLOTSIM_RETURN_IF_ERROR(f.error());
  if (!read_back) {
    return Status::InvalidArgument("\"read_back\": expected \"complete\", \"by_id\" or \"none\"");
  }
  auto it = obj.find("bookings");
  if (it == obj.end() || !it->is_array()) {
    return Status::InvalidArgument("\"bookings\": expected a list");
  }
  std::vector<Booking> bookings(it->size());
  for (size_t i = 0; i < it->size(); ++i) {
    SLOTSIM_RETURN_IF_ERROR(ParseBooking((*it)[i], &bookings[i]));
  }
  extras->has_final_bookings = true;
  extras->final_bookings = std::move(bookings);
  extras->read_back = *read_back;
  extras->read_back_reason = reason;
  extras->end = end;
  return Status::Ok();
}

Status ParseSpecial(const json& obj, const std::string& type, HistoryExtras* extras) {
  Fields f(obj);
  if (type == "checker_options") {
    CheckerOptions o;
    o.hold_ttl = Millis(f.Int("hold_ttl_ms", true, 0));
    o.max_op_duration = Millis(f.Int("max_op_duration_ms", true, 0));
    if (f.Has("max_conflict_intervals")) {
      o.max_conflict_intervals = f.UInt("max_conflict_intervals", true);
    }
    if (f.Has("max_double_candidates")) {
      o.max_double_candidates = f.UInt("max_double_candidates", true);
    }
    SLOTSIM_RETURN_IF_ERROR(f.error());
    extras->checker_options = o;
    return Status::Ok();
  }
  if (type == "failover_window") {
    FailoverWindow w{f.Time("start", true), f.Time("end", true)};
    SLOTSIM_RETURN_IF_ERROR(f.error());
    extras->failover_windows.push_back(w);
    return Status::Ok();
  }
  if (type == "final_bookings") return ParseFinalBookings(obj, extras);
  return Status::InvalidArgument("unknown line type \"" + type + "\"");
}

// One line: an operation goes to `op` (*is_op set), anything else into `extras`.
Status ParseLine(const std::string& line, OpRecord* op, bool* is_op, HistoryExtras* extras) {
  try {
    const json obj = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (obj.is_discarded()) return Status::InvalidArgument("not valid JSON");
    if (!obj.is_object()) return Status::InvalidArgument("not a JSON object");
    auto type = obj.find("type");
    *is_op = type == obj.end();
    if (*is_op) return ParseOp(obj, op);
    if (!type->is_string()) return Status::InvalidArgument("\"type\": expected a string");
    return ParseSpecial(obj, type->get<std::string>(), extras);
  } catch (const std::exception& e) {  // nlohmann's exceptions end here
    return Status::InvalidArgument(e.what());
  }
}

}  // namespace

Status ReadHistory(const std::string& path, HistorySink& sink, HistoryExtras* extras) {
  std::ifstream in(path);
  if (!in) return Status::NotFound("cannot open " + path);
  HistoryExtras ignored;
  HistoryExtras* out = extras != nullptr ? extras : &ignored;
  std::string line;
  OpRecord op;
  for (uint64_t n = 1; std::getline(in, line); ++n) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    bool is_op = false;
    const Status st = ParseLine(line, &op, &is_op, out);
    if (!st.ok()) {
      return Status::InvalidArgument(path + ":" + std::to_string(n) + ": " + st.message());
    }
    if (is_op) sink.Record(op);
  }
  if (in.bad()) return Status::Unavailable("read " + path + " failed");
  return Status::Ok();
}

namespace {

// Replays a file into a Checker as the run fed it: built at the first operation (after a
// leading checker_options line), each failover window declared where it appears.
class ReplaySink : public HistorySink {
 public:
  ReplaySink(const HistoryExtras& extras, const CheckerOptions& defaults)
      : extras_(extras), defaults_(defaults) {}
  void Record(const OpRecord& op) override { checker().Record(op); }
  Checker& checker() {
    if (!checker_) {
      checker_ = std::make_unique<Checker>(extras_.checker_options.value_or(defaults_));
    }
    for (; windows_ < extras_.failover_windows.size(); ++windows_) {
      const FailoverWindow& w = extras_.failover_windows[windows_];
      checker_->AddFailoverWindow(w.start, w.end);
    }
    return *checker_;
  }

 private:
  const HistoryExtras& extras_;
  CheckerOptions defaults_;
  std::unique_ptr<Checker> checker_;
  size_t windows_ = 0;  // windows already declared
};

}  // namespace

StatusOr<ConsistencyReport> CheckHistoryFile(const std::string& path,
                                             const CheckerOptions& defaults) {
  HistoryExtras extras;
  ReplaySink sink(extras, defaults);
  SLOTSIM_RETURN_IF_ERROR(ReadHistory(path, sink, &extras));
  if (!extras.has_final_bookings) {
    return Status::InvalidArgument(path + ": no final_bookings line");
  }
  Checker& checker = sink.checker();
  checker.Finish(extras.final_bookings, extras.end, extras.read_back, extras.read_back_reason);
  return checker.report();
}

}  // namespace slotsim
