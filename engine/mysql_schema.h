// The versioned schema of MySqlStore, and the SQL text of every statement it runs against it.
// Migrations are an ordered list, each a version number and DDL statements;
// `<prefix>schema_version` records every version applied. Open() brings the schema up to date
// under a server-side named lock, so stores opening concurrently against one database do not
// race each other.
#pragma once

#include <string>

#include "common/status.h"
#include "engine/mysql_connection.h"

namespace slotsim {

// The schema version this build creates and understands.
int MySqlSchemaVersion();

// True when `name` is safe to splice into DDL as (part of) an identifier: [A-Za-z0-9_$], at
// most 48 characters (table names add a suffix; MySQL allows 64).
bool IsSafeMySqlIdentifier(const std::string& name, bool allow_empty);

// Creates `database` if it does not exist (utf8mb4). `conn` must be dialled without a database.
Status CreateMySqlDatabase(MySqlConnection& conn, const std::string& database);

// Applies every migration newer than the recorded version, recording each one. A schema that is
// already current is left alone (no DDL runs). A recorded version newer than this build knows
// answers Internal naming both versions, and nothing is changed. MySQL commits DDL implicitly, so
// a migration is not atomic: its statements are written to be re-runnable (IF NOT EXISTS), and
// its version row is written only after all of them succeeded, so an interrupted migration is
// simply re-run by the next Open(). `conn` must have the database selected.
Status MigrateMySqlSchema(MySqlConnection& conn, const std::string& database,
                          const std::string& table_prefix);

// The SQL of every statement MySqlStore runs against this schema, with the table prefix
// spliced in once (the prefix must pass IsSafeMySqlIdentifier). Each has '?' placeholders in
// the order the store binds them.
struct MySqlStatements {
  explicit MySqlStatements(const std::string& table_prefix);
  std::string claim_hold, lock_hold, live_hold, set_hold, put_hold, others_of_client, drop_hold,
      drop_own_hold, deselect, live_holds, clear_holds, day, booked_share, booked_update,
      insert_booking, set_strong_id, by_key, by_id, lock_by_id, move_booking, cancel_booking,
      active_from, clear_bookings;
};

}  // namespace slotsim
