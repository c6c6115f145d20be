// MySqlConnection and MySqlPool: the thin layer between MySqlStore and MariaDB Connector/C.
// Every statement that carries data is a server-side prepared statement, prepared once per
// connection and cached; DDL and transaction control go through plain text queries. No
// Connector/C type appears here: the MYSQL handle is an opaque pointer.
//
// Errors become Status: a refused, dropped or killed connection is Unavailable (and the
// connection is marked broken, so the pool discards it and the next use re-dials); a lock wait
// timeout (1205) is Timeout; everything else the server says is Internal, with the server's
// error number kept in last_errno() so callers can tell a deadlock or a duplicate key apart.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "engine/mysql_store.h"

struct st_mysql;
struct st_mysql_stmt;

namespace slotsim {

// Server error numbers the store reacts to.
inline constexpr int kErDupEntry = 1062;
inline constexpr int kErLockWaitTimeout = 1205;
inline constexpr int kErLockDeadlock = 1213;

// True for client/server error numbers that mean the connection is gone or unusable.
bool IsConnectionLoss(int mysql_errno);

// A value bound to one '?' of a prepared statement.
class SqlParam {
 public:
  SqlParam(std::nullptr_t) : kind_(Kind::kNull) {}                  // NOLINT
  SqlParam(int v) : kind_(Kind::kInt), int_(v) {}                   // NOLINT
  SqlParam(int64_t v) : kind_(Kind::kInt), int_(v) {}               // NOLINT
  SqlParam(bool v) : kind_(Kind::kInt), int_(v ? 1 : 0) {}          // NOLINT
  SqlParam(std::string_view v) : kind_(Kind::kText), text_(v) {}    // NOLINT
  SqlParam(const std::string& v) : kind_(Kind::kText), text_(v) {}  // NOLINT
  SqlParam(const char* v) : kind_(Kind::kText), text_(v) {}         // NOLINT

  enum class Kind { kNull, kInt, kText };
  Kind kind() const { return kind_; }
  const int64_t* int_ptr() const { return &int_; }
  std::string_view text() const { return text_; }

 private:
  Kind kind_;
  int64_t int_ = 0;
  std::string_view text_;  // the caller keeps the text alive for the Execute() call
};

// One column of a result row. Integer columns fill `i`, all others `s`.
struct SqlValue {
  bool null = true;
  int64_t i = 0;
  std::string s;
};
using SqlRow = std::vector<SqlValue>;

struct SqlResult {
  std::vector<SqlRow> rows;
  uint64_t affected_rows = 0;  // for INSERT / UPDATE / DELETE
  uint64_t insert_id = 0;      // AUTO_INCREMENT value of an INSERT
};

// One connection. Not thread-safe: a connection is used by one thread at a time (the pool
// hands it out exclusively).
class MySqlConnection {
 public:
  // Connects with the options' timeouts, utf8mb4, TCP, auto-reconnect off, READ COMMITTED
  // and a lock wait timeout below the read timeout (so a lock wait answers 1205, not a lost
  // connection). `with_database` false connects without selecting the database (for CREATE
  // DATABASE). Unavailable when the server refuses or cannot be reached.
  static StatusOr<std::unique_ptr<MySqlConnection>> Dial(const MySqlOptions& options,
                                                         bool with_database);
  ~MySqlConnection();
  MySqlConnection(const MySqlConnection&) = delete;
  MySqlConnection& operator=(const MySqlConnection&) = delete;

  // Runs `sql` as a prepared statement (prepared on first use, then cached) with `params`
  // bound in order, and fetches every result row.
  StatusOr<SqlResult> Execute(const std::string& sql, const std::vector<SqlParam>& params);

  // Runs a statement that carries no data (DDL, START TRANSACTION, COMMIT, SET ...).
  Status Query(const std::string& sql);

  // mysql_ping: a round trip without a statement.
  Status Ping();

  // Rolls back, ignoring errors (a broken connection is discarded anyway).
  void RollbackQuietly();

  // The server's id of this connection (what KILL takes).
  uint64_t server_thread_id() const;

  // Server or client error number of the last failed call (0 after a success).
  int last_errno() const { return last_errno_; }
  const std::string& last_error() const { return last_error_; }

  // True once the connection was lost; the pool discards broken connections.
  bool broken() const { return broken_; }

 private:
  explicit MySqlConnection(st_mysql* mysql) : mysql_(mysql) {}
  StatusOr<st_mysql_stmt*> Prepared(const std::string& sql);
  Status Fail(std::string_view what, int err, const char* message);
  Status StmtFail(std::string_view what, st_mysql_stmt* stmt);
  Status FetchAll(st_mysql_stmt* stmt, SqlResult* out);

  st_mysql* mysql_;
  std::map<std::string, st_mysql_stmt*, std::less<>> statements_;
  int last_errno_ = 0;
  std::string last_error_;
  bool broken_ = false;
};

// A bounded pool of connections to the database, dialled lazily. Thread-safe.
class MySqlPool {
 public:
  explicit MySqlPool(MySqlOptions options);
  ~MySqlPool();

  // Exclusive use of one connection until the lease is destroyed. A broken connection is
  // discarded on return instead of going back to the pool.
  class Lease {
   public:
    Lease(Lease&& o) noexcept : pool_(o.pool_), conn_(std::move(o.conn_)) { o.pool_ = nullptr; }
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    MySqlConnection& operator*() const { return *conn_; }
    MySqlConnection* operator->() const { return conn_.get(); }

   private:
    friend class MySqlPool;
    Lease(MySqlPool* pool, std::unique_ptr<MySqlConnection> conn)
        : pool_(pool), conn_(std::move(conn)) {}
    MySqlPool* pool_;
    std::unique_ptr<MySqlConnection> conn_;
  };

  // An idle connection, or a new one when fewer than pool_size exist. Waits up to pool_wait
  // for one to come back (Timeout after that); a failed dial answers Unavailable.
  StatusOr<Lease> Acquire();

  // Closes every idle connection (after a lost connection, the others are likely stale too).
  void DiscardIdle();

 private:
  void Release(std::unique_ptr<MySqlConnection> conn);

  const MySqlOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<MySqlConnection>> idle_;
  int in_use_ = 0;  // leased or being dialled
};

}  // namespace slotsim
