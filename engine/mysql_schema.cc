// Schema migrations for MySqlStore. Add a migration by appending to Migrations(); never edit one
// that has shipped.
#include "engine/mysql_schema.h"

#include <vector>

namespace slotsim {
namespace {

// Seconds Open() waits for another process that is migrating the same tables.
constexpr int kMigrationLockWaitS = 10;

struct Migration {
  int version;
  const char* description;
  // DDL with "{p}" standing for the table prefix.
  std::vector<const char*> statements;
};

const std::vector<Migration>& Migrations() {
  static const std::vector<Migration> migrations = {
      {1,
       "holds and bookings",
       {
           // One row per held slot; the caller's clock decides expiry (expires_at_ms > now).
           "CREATE TABLE IF NOT EXISTS `{p}holds` ("
           " employee_id INT NOT NULL,"
           " slot_date CHAR(10) NOT NULL,"
           " slot_time CHAR(5) NOT NULL,"
           " client_id VARCHAR(191) NOT NULL,"
           " expires_at_ms BIGINT NOT NULL,"
           " PRIMARY KEY (employee_id, slot_date, slot_time),"
           " KEY idx_client_day (client_id, employee_id, slot_date)"
           ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
           // `active` is 1 or NULL: the unique key then admits one active row per slot and any
           // number of cancelled ones (NULLs never collide).
           "CREATE TABLE IF NOT EXISTS `{p}bookings` ("
           " id BIGINT NOT NULL AUTO_INCREMENT,"
           " strong_id VARCHAR(32) NULL,"
           " client_id VARCHAR(191) NOT NULL,"
           " employee_id INT NOT NULL,"
           " slot_date CHAR(10) NOT NULL,"
           " slot_time CHAR(5) NOT NULL,"
           " status ENUM('active','cancelled') NOT NULL DEFAULT 'active',"
           " active TINYINT NULL DEFAULT 1,"
           " idempotency_key VARCHAR(191) NULL,"
           " created_at_ms BIGINT NOT NULL,"
           " PRIMARY KEY (id),"
           " UNIQUE KEY uk_active_slot (employee_id, slot_date, slot_time, active),"
           " UNIQUE KEY uk_idempotency_key (idempotency_key),"
           " UNIQUE KEY uk_strong_id (strong_id),"
           " KEY idx_active_date (active, slot_date),"
           " CONSTRAINT ck_active_matches_status CHECK ("
           "  (status = 'active' AND active = 1) OR (status = 'cancelled' AND active IS NULL))"
           ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
       }},
  };
  return migrations;
}

std::string WithPrefix(const char* ddl, const std::string& prefix) {
  std::string out = ddl;
  for (size_t at = out.find("{p}"); at != std::string::npos; at = out.find("{p}", at)) {
    out.replace(at, 3, prefix);
    at += prefix.size();
  }
  return out;
}

StatusOr<int> RecordedVersion(MySqlConnection& conn, const std::string& prefix) {
  SLOTSIM_ASSIGN_OR_RETURN(SqlResult found,
                           conn.Execute("SELECT COUNT(*) FROM information_schema.TABLES"
                                        " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?",
                                        {prefix + "schema_version"}));
  if (found.rows.size() == 1 && found.rows[0][0].i == 0) {
    SLOTSIM_RETURN_IF_ERROR(
        conn.Query(WithPrefix("CREATE TABLE IF NOT EXISTS `{p}schema_version` ("
                              " version INT NOT NULL PRIMARY KEY,"
                              " description VARCHAR(255) NOT NULL,"
                              " applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP"
                              ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
                              prefix)));
    return 0;
  }
  SLOTSIM_ASSIGN_OR_RETURN(
      SqlResult r,
      conn.Execute(WithPrefix("SELECT COALESCE(MAX(version), 0) FROM `{p}schema_version`", prefix),
                   {}));
  if (r.rows.size() != 1 || r.rows[0][0].null) {
    return Status::Internal("mysql: unreadable " + prefix + "schema_version");
  }
  return static_cast<int>(r.rows[0][0].i);
}

Status ApplyPending(MySqlConnection& conn, const std::string& database, const std::string& prefix) {
  SLOTSIM_ASSIGN_OR_RETURN(int recorded, RecordedVersion(conn, prefix));
  if (recorded > MySqlSchemaVersion()) {
    return Status::Internal(
        "mysql: schema version " + std::to_string(recorded) + " of `" + database + "`." + prefix +
        "* is newer than this slotsim understands (" + std::to_string(MySqlSchemaVersion()) +
        "); upgrade slotsim or use another database or table prefix");
  }
  const std::string record =
      WithPrefix("INSERT INTO `{p}schema_version` (version, description) VALUES (?, ?)", prefix);
  for (const Migration& m : Migrations()) {
    if (m.version <= recorded) continue;
    for (const char* ddl : m.statements) {
      SLOTSIM_RETURN_IF_ERROR(conn.Query(WithPrefix(ddl, prefix)));
    }
    auto done = conn.Execute(record, {m.version, m.description});
    if (!done.ok()) return done.status();
  }
  return Status::Ok();
}

}  // namespace

int MySqlSchemaVersion() { return Migrations().back().version; }

bool IsSafeMySqlIdentifier(const std::string& name, bool allow_empty) {
  if (name.empty()) return allow_empty;
  if (name.size() > 48) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '$';
    if (!ok) return false;
  }
  return true;
}

Status CreateMySqlDatabase(MySqlConnection& conn, const std::string& database) {
  return conn.Query("CREATE DATABASE IF NOT EXISTS `" + database +
                    "` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci");
}

Status MigrateMySqlSchema(MySqlConnection& conn, const std::string& database,
                          const std::string& table_prefix) {
  // Named locks are at most 64 characters; the prefix is already bounded to 48.
  std::string lock_name = ("slotsim:" + database + "." + table_prefix).substr(0, 64);
  SLOTSIM_ASSIGN_OR_RETURN(SqlResult got,
                           conn.Execute("SELECT GET_LOCK(?, ?)", {lock_name, kMigrationLockWaitS}));
  if (got.rows.size() != 1 || got.rows[0][0].null || got.rows[0][0].i != 1) {
    return Status::Timeout("mysql: another process is migrating " + database + "." + table_prefix +
                           "* (lock " + lock_name + " not granted in " +
                           std::to_string(kMigrationLockWaitS) + " s)");
  }
  Status applied = ApplyPending(conn, database, table_prefix);
  auto released = conn.Execute("SELECT RELEASE_LOCK(?)", {lock_name});
  if (!applied.ok()) return applied;
  return released.ok() ? Status::Ok() : released.status();
}

MySqlStatements::MySqlStatements(const std::string& p) {
  const std::string h = "`" + p + "holds`";
  const std::string b = "`" + p + "bookings`";
  const std::string slot = " employee_id = ? AND slot_date = ? AND slot_time = ?";
  const std::string cols =
      "SELECT id, strong_id, client_id, employee_id, slot_date, slot_time, status,"
      " idempotency_key, created_at_ms FROM " +
      b;
  // Makes the slot's hold row exist and locks it; the placeholder ('' until 0) is never live.
  claim_hold = "INSERT INTO " + h +
               " (employee_id, slot_date, slot_time, client_id, expires_at_ms)"
               " VALUES (?, ?, ?, '', 0) ON DUPLICATE KEY UPDATE expires_at_ms = expires_at_ms";
  lock_hold = "SELECT client_id, expires_at_ms FROM " + h + " WHERE" + slot + " FOR UPDATE";
  live_hold =
      "SELECT client_id, expires_at_ms FROM " + h + " WHERE" + slot + " AND expires_at_ms > ?";
  set_hold = "UPDATE " + h + " SET client_id = ?, expires_at_ms = ? WHERE" + slot;
  put_hold = "INSERT INTO " + h +
             " (employee_id, slot_date, slot_time, client_id, expires_at_ms)"
             " VALUES (?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE"
             " client_id = VALUES(client_id), expires_at_ms = VALUES(expires_at_ms)";
  // Read without locks, then deleted row by row by primary key (drop_own_hold): a locking
  // scan of the client index would lock neighbouring clients' entries and deadlock with their
  // own selects of the same day.
  others_of_client =
      "SELECT slot_time FROM " + h +
      " WHERE client_id = ? AND employee_id = ? AND slot_date = ? AND slot_time <> ?";
  drop_hold = "DELETE FROM " + h + " WHERE" + slot;
  drop_own_hold = drop_hold + " AND client_id = ?";
  deselect = drop_hold + " AND (client_id = ? OR expires_at_ms <= ? OR ? = 0)";
  live_holds = "SELECT employee_id, slot_date, slot_time, client_id, expires_at_ms FROM " + h +
               " WHERE expires_at_ms > ? ORDER BY employee_id, slot_date, slot_time";
  clear_holds = "DELETE FROM " + h;
  day = "SELECT 0, slot_time, client_id, expires_at_ms FROM " + h +
        " WHERE employee_id = ? AND slot_date = ? AND expires_at_ms > ?"
        " UNION ALL SELECT 1, slot_time, '', 0 FROM " +
        b + " WHERE employee_id = ? AND slot_date = ? AND active = 1 ORDER BY 1, 2";
  const std::string booked =
      "SELECT id FROM " + b + " FORCE INDEX (uk_active_slot) WHERE" + slot + " AND active = 1";
  booked_share = booked + " LOCK IN SHARE MODE";
  booked_update = booked + " FOR UPDATE";
  insert_booking = "INSERT INTO " + b +
                   " (client_id, employee_id, slot_date, slot_time, status, active,"
                   " idempotency_key, created_at_ms) VALUES (?, ?, ?, ?, 'active', 1, ?, ?)";
  set_strong_id = "UPDATE " + b + " SET strong_id = ? WHERE id = ?";
  by_key = cols + " WHERE idempotency_key = ?";
  by_id = cols + " WHERE strong_id = ?";
  lock_by_id = by_id + " FOR UPDATE";
  move_booking = "UPDATE " + b + " SET employee_id = ?, slot_date = ?, slot_time = ? WHERE id = ?";
  cancel_booking = "UPDATE " + b + " SET status = 'cancelled', active = NULL WHERE id = ?";
  active_from = cols + " WHERE active = 1 AND slot_date >= ? ORDER BY id";
  clear_bookings = "DELETE FROM " + b;
}

}  // namespace slotsim
