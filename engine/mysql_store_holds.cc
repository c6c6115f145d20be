// MySqlStore's holds (the store and its locking discipline: mysql_store.h, mysql_store.cc):
// locking a slot's hold row, select, deselect, poll (with its re-assert), and the reads,
// imports and clears the failover manager uses to move holds between Redis and MySQL.
#include "engine/mysql_store_impl.h"

namespace slotsim {

StatusOr<Hold> MySqlStore::Impl::LockHoldRow(MySqlConnection& c, const SlotRef& slot) {
  SLOTSIM_RETURN_IF_ERROR(Exec(c, sql_.claim_hold, SlotParams(slot)));
  SLOTSIM_ASSIGN_OR_RETURN(SqlResult r, c.Execute(sql_.lock_hold, SlotParams(slot)));
  if (r.rows.size() != 1) return Status::Internal("mysql: hold row vanished under its lock");
  return Hold{r.rows[0][0].s, slot, FromUnixMillis(r.rows[0][1].i)};
}

StatusOr<bool> MySqlStore::Impl::SlotBooked(MySqlConnection& c, const SlotRef& slot,
                                            bool for_update) {
  // A locking read waits for an in-flight booking of the slot instead of missing it.
  SLOTSIM_ASSIGN_OR_RETURN(
      SqlResult r,
      c.Execute(for_update ? sql_.booked_update : sql_.booked_share, SlotParams(slot)));
  return !r.rows.empty();
}

Status MySqlStore::Impl::DropOtherHolds(MySqlConnection& c, const std::string& client,
                                        const SlotRef& keep) {
  SLOTSIM_ASSIGN_OR_RETURN(
      SqlResult others,
      c.Execute(sql_.others_of_client, {client, keep.employee_id, keep.date, keep.time}));
  for (const SqlRow& row : others.rows) {
    // The client test in the DELETE skips a row another client took over meanwhile.
    SLOTSIM_RETURN_IF_ERROR(
        Exec(c, sql_.drop_own_hold, SlotParams({keep.employee_id, keep.date, row[0].s}, {client})));
  }
  return Status::Ok();
}

StatusOr<Hold> MySqlStore::Impl::SelectInTxn(MySqlConnection& c, const SelectRequest& req) {
  const int64_t now_ms = ToUnixMillis(req.now);
  SLOTSIM_ASSIGN_OR_RETURN(Hold current, LockHoldRow(c, req.slot));
  SLOTSIM_ASSIGN_OR_RETURN(bool booked, SlotBooked(c, req.slot, false));
  if (booked) return Status::SlotBooked();
  bool others_live =
      current.client_id != req.client_id && ToUnixMillis(current.expires_at) > now_ms;
  if (others_live && req.conflict_check) return Status::SlotHeld();
  const SlotRef& s = req.slot;
  SLOTSIM_RETURN_IF_ERROR(DropOtherHolds(c, req.client_id, s));
  const int64_t expires_ms = now_ms + req.ttl.count();
  SLOTSIM_RETURN_IF_ERROR(
      Exec(c, sql_.set_hold, {req.client_id, expires_ms, s.employee_id, s.date, s.time}));
  return Hold{req.client_id, s, FromUnixMillis(expires_ms)};
}

StatusOr<Hold> MySqlStore::Impl::Select(const SelectRequest& req) {
  return Run<Hold>(TxnMode::kReadCommitted,
                   [&](MySqlConnection& c) { return SelectInTxn(c, req); });
}

Status MySqlStore::Impl::Deselect(const DeselectRequest& req) {
  const int64_t now_ms = ToUnixMillis(req.now);
  return RunStatus(TxnMode::kAutocommit, [&](MySqlConnection& c) -> Status {
    SLOTSIM_ASSIGN_OR_RETURN(
        SqlResult del,
        c.Execute(sql_.deselect, SlotParams(req.slot, {req.client_id, now_ms, req.owner_check})));
    if (del.affected_rows > 0) return Status::Ok();
    // Nothing released: either there is no hold, or it is another client's live one.
    SLOTSIM_ASSIGN_OR_RETURN(SqlResult live,
                             c.Execute(sql_.live_hold, SlotParams(req.slot, {now_ms})));
    if (!live.rows.empty() && live.rows[0][0].s != req.client_id) {
      return Status::NotHolder("slot " + req.slot.date + " " + req.slot.time +
                               " is held by another client");
    }
    return Status::Ok();
  });
}

StatusOr<DayState> MySqlStore::Impl::ReadDay(MySqlConnection& c, const DayRef& day,
                                             int64_t now_ms) {
  SLOTSIM_ASSIGN_OR_RETURN(SqlResult r, c.Execute(sql_.day, {day.employee_id, day.date, now_ms,
                                                             day.employee_id, day.date}));
  DayState state;
  state.served_by = StorageMode::kMySql;
  for (const SqlRow& row : r.rows) {
    if (row[0].i == 0) {
      state.holds.push_back(
          Hold{row[2].s, {day.employee_id, day.date, row[1].s}, FromUnixMillis(row[3].i)});
    } else {
      state.booked.push_back(row[1].s);
    }
  }
  return state;
}

StatusOr<DayState> MySqlStore::Impl::Poll(const PollRequest& req) {
  std::optional<HoldAnswer> own;
  if (req.reassert_time) {
    SelectRequest sel{req.client_id,
                      {req.day.employee_id, req.day.date, *req.reassert_time},
                      req.now,
                      req.ttl,
                      req.conflict_check};
    auto held = Select(sel);
    if (held.ok()) {
      own = HoldAnswer{sel.slot.time, HoldStatus::kHeld, held->expires_at};
    } else if (held.status().code() == Code::kSlotBooked) {
      own = HoldAnswer{sel.slot.time, HoldStatus::kTaken, Timestamp()};
    } else if (held.status().code() == Code::kSlotHeld) {
      own = HoldAnswer{sel.slot.time, HoldStatus::kLost, Timestamp()};
    } else {
      return held.status();
    }
  }
  // Without a re-assert this is the poll's only round trip: one UNION ALL query.
  const int64_t now_ms = ToUnixMillis(req.now);
  auto state = Run<DayState>(TxnMode::kAutocommit,
                             [&](MySqlConnection& c) { return ReadDay(c, req.day, now_ms); });
  if (state.ok()) state->own = own;
  return state;
}

StatusOr<std::optional<Hold>> MySqlStore::Impl::GetHold(const SlotRef& slot, Timestamp now) {
  using Out = std::optional<Hold>;
  return Run<Out>(TxnMode::kAutocommit, [&](MySqlConnection& c) -> StatusOr<Out> {
    SLOTSIM_ASSIGN_OR_RETURN(SqlResult r,
                             c.Execute(sql_.live_hold, SlotParams(slot, {ToUnixMillis(now)})));
    if (r.rows.empty()) return Out();
    return Out(Hold{r.rows[0][0].s, slot, FromUnixMillis(r.rows[0][1].i)});
  });
}

StatusOr<std::vector<Hold>> MySqlStore::Impl::LiveHolds(Timestamp now) {
  using Out = std::vector<Hold>;
  return Run<Out>(TxnMode::kAutocommit, [&](MySqlConnection& c) -> StatusOr<Out> {
    SLOTSIM_ASSIGN_OR_RETURN(SqlResult r, c.Execute(sql_.live_holds, {ToUnixMillis(now)}));
    Out holds;
    for (const SqlRow& row : r.rows) {
      holds.push_back(Hold{
          row[3].s, {static_cast<int>(row[0].i), row[1].s, row[2].s}, FromUnixMillis(row[4].i)});
    }
    return holds;
  });
}

Status MySqlStore::Impl::ImportHolds(const std::vector<Hold>& holds, Timestamp now) {
  const int64_t now_ms = ToUnixMillis(now);
  return RunStatus(TxnMode::kReadCommitted, [&](MySqlConnection& c) -> Status {
    for (const Hold& h : holds) {
      const int64_t expires_ms = ToUnixMillis(h.expires_at);
      if (expires_ms <= now_ms) continue;
      const SlotRef& s = h.slot;
      SLOTSIM_RETURN_IF_ERROR(DropOtherHolds(c, h.client_id, s));
      SLOTSIM_RETURN_IF_ERROR(Exec(c, sql_.put_hold, SlotParams(s, {h.client_id, expires_ms})));
    }
    return Status::Ok();
  });
}

Status MySqlStore::Impl::ClearHolds() {
  return RunStatus(TxnMode::kAutocommit,
                   [&](MySqlConnection& c) { return Exec(c, sql_.clear_holds, {}); });
}

Status MySqlStore::Impl::DropHold(const SlotRef& slot) {
  return RunStatus(TxnMode::kAutocommit,
                   [&](MySqlConnection& c) { return Exec(c, sql_.drop_hold, SlotParams(slot)); });
}

Status MySqlStore::Impl::Ping() {
  return RunStatus(TxnMode::kAutocommit, [](MySqlConnection& c) { return c.Ping(); });
}

}  // namespace slotsim
