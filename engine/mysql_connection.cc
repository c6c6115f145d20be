// Connector/C plumbing for MySqlStore: dialling, prepared statements, result fetching, the pool.
#include "engine/mysql_connection.h"

#include <errmsg.h>
#include <mysql.h>
#include <mysqld_error.h>

#include <algorithm>
#include <chrono>
#include <cstring>

namespace slotsim {
namespace {

// Text columns are fetched into a buffer of this size first; longer values are re-fetched.
constexpr unsigned long kInitialColumnBytes = 256;

void InitLibraryOnce() {
  // mysql_library_init is not thread-safe; the first mysql_init would call it implicitly.
  static std::once_flag once;
  std::call_once(once, [] { mysql_library_init(0, nullptr, nullptr); });
}

bool IsIntegerType(enum_field_types type) {
  switch (type) {
    case MYSQL_TYPE_TINY:
    case MYSQL_TYPE_SHORT:
    case MYSQL_TYPE_INT24:
    case MYSQL_TYPE_LONG:
    case MYSQL_TYPE_LONGLONG:
    case MYSQL_TYPE_YEAR:
      return true;
    default:
      return false;
  }
}

// Output buffers of one result column.
struct Column {
  bool is_int = false;
  int64_t i = 0;
  std::vector<char> buf;
  unsigned long length = 0;
  my_bool is_null = 0;
  my_bool error = 0;
};

void BindParam(const SqlParam& p, MYSQL_BIND* b) {
  std::memset(b, 0, sizeof *b);
  switch (p.kind()) {
    case SqlParam::Kind::kNull:
      b->buffer_type = MYSQL_TYPE_NULL;
      break;
    case SqlParam::Kind::kInt:
      b->buffer_type = MYSQL_TYPE_LONGLONG;
      // Connector/C only reads input buffers.
      b->buffer = const_cast<int64_t*>(p.int_ptr());
      break;
    case SqlParam::Kind::kText:
      b->buffer_type = MYSQL_TYPE_STRING;
      b->buffer = const_cast<char*>(p.text().data());
      b->buffer_length = p.text().size();
      break;
  }
}

}  // namespace

bool IsConnectionLoss(int mysql_errno) {
  switch (mysql_errno) {
    case CR_CONNECTION_ERROR:
    case CR_CONN_HOST_ERROR:
    case CR_SERVER_GONE_ERROR:
    case CR_SERVER_LOST:
    case CR_COMMANDS_OUT_OF_SYNC:  // protocol state unknown: the connection cannot be reused
    case CR_SERVER_LOST_EXTENDED:
    case ER_CONNECTION_KILLED:
    case ER_SERVER_SHUTDOWN:
      return true;
    default:
      return false;
  }
}

StatusOr<std::unique_ptr<MySqlConnection>> MySqlConnection::Dial(const MySqlOptions& options,
                                                                 bool with_database) {
  InitLibraryOnce();
  MYSQL* m = mysql_init(nullptr);
  if (m == nullptr) return Status::Unavailable("mysql_init: out of memory");
  unsigned int connect_s = static_cast<unsigned int>(std::max(1, options.connect_timeout_s));
  unsigned int read_s = static_cast<unsigned int>(std::max(1, options.read_timeout_s));
  unsigned int write_s = static_cast<unsigned int>(std::max(1, options.write_timeout_s));
  my_bool reconnect = 0;
  unsigned int protocol = MYSQL_PROTOCOL_TCP;
  mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &connect_s);
  mysql_options(m, MYSQL_OPT_READ_TIMEOUT, &read_s);
  mysql_options(m, MYSQL_OPT_WRITE_TIMEOUT, &write_s);
  mysql_options(m, MYSQL_OPT_RECONNECT, &reconnect);
  mysql_options(m, MYSQL_OPT_PROTOCOL, &protocol);
  mysql_options(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  const MySqlUrl& u = options.url;
  if (mysql_real_connect(m, u.host.c_str(), u.user.c_str(), u.password.c_str(),
                         with_database ? u.database.c_str() : nullptr,
                         static_cast<unsigned int>(u.port), nullptr, 0) == nullptr) {
    Status s = Status::Unavailable("mysql connect to " + ToString(u) + ": " + mysql_error(m) +
                                   " (" + std::to_string(mysql_errno(m)) + ")");
    mysql_close(m);
    return s;
  }
  std::unique_ptr<MySqlConnection> conn(new MySqlConnection(m));
  // A lock wait must end (1205 -> Timeout) before the client's read timeout drops the link.
  int lock_wait_s = std::clamp(options.read_timeout_s - 1, 1, 50);
  SLOTSIM_RETURN_IF_ERROR(conn->Query("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED"));
  SLOTSIM_RETURN_IF_ERROR(
      conn->Query("SET SESSION innodb_lock_wait_timeout = " + std::to_string(lock_wait_s)));
  return conn;
}

MySqlConnection::~MySqlConnection() {
  for (auto& [sql, stmt] : statements_) mysql_stmt_close(stmt);
  mysql_close(mysql_);
}

Status MySqlConnection::Fail(std::string_view what, int err, const char* message) {
  last_errno_ = err;
  last_error_ = message;
  std::string text =
      "mysql " + std::string(what) + ": " + last_error_ + " (" + std::to_string(err) + ")";
  if (IsConnectionLoss(err)) {
    broken_ = true;
    return Status::Unavailable(std::move(text));
  }
  switch (err) {
    case ER_LOCK_WAIT_TIMEOUT:
      return Status::Timeout(std::move(text));
    case ER_LOCK_DEADLOCK:              // retried by the store, then reported as this
    case ER_QUERY_INTERRUPTED:          // KILL QUERY
    case ER_OPTION_PREVENTS_STATEMENT:  // --read-only
    case ER_READ_ONLY_MODE:
      return Status::Unavailable(std::move(text));
    default:
      return Status::Internal(std::move(text));
  }
}

Status MySqlConnection::StmtFail(std::string_view what, MYSQL_STMT* stmt) {
  return Fail(what, static_cast<int>(mysql_stmt_errno(stmt)), mysql_stmt_error(stmt));
}

Status MySqlConnection::Query(const std::string& sql) {
  last_errno_ = 0;
  if (broken_) return Status::Unavailable("mysql: connection lost");
  if (mysql_real_query(mysql_, sql.data(), sql.size()) != 0) {
    return Fail("query", static_cast<int>(mysql_errno(mysql_)), mysql_error(mysql_));
  }
  // Drain any result so the connection stays in sync (DDL and SET return none).
  if (MYSQL_RES* res = mysql_store_result(mysql_)) mysql_free_result(res);
  return Status::Ok();
}

Status MySqlConnection::Ping() {
  last_errno_ = 0;
  if (broken_) return Status::Unavailable("mysql: connection lost");
  if (mysql_ping(mysql_) != 0) {
    int err = static_cast<int>(mysql_errno(mysql_));
    Status s = Fail("ping", err, mysql_error(mysql_));
    broken_ = true;  // whatever failed, this connection is not worth keeping
    return s;
  }
  return Status::Ok();
}

void MySqlConnection::RollbackQuietly() {
  if (!broken_) mysql_rollback(mysql_);
}

uint64_t MySqlConnection::server_thread_id() const { return mysql_thread_id(mysql_); }

StatusOr<MYSQL_STMT*> MySqlConnection::Prepared(const std::string& sql) {
  auto it = statements_.find(sql);
  if (it != statements_.end()) return it->second;
  MYSQL_STMT* stmt = mysql_stmt_init(mysql_);
  if (stmt == nullptr) return Fail("stmt_init", static_cast<int>(mysql_errno(mysql_)), "");
  if (mysql_stmt_prepare(stmt, sql.data(), sql.size()) != 0) {
    Status s = StmtFail("prepare", stmt);
    mysql_stmt_close(stmt);
    return s;
  }
  statements_.emplace(sql, stmt);
  return stmt;
}

StatusOr<SqlResult> MySqlConnection::Execute(const std::string& sql,
                                             const std::vector<SqlParam>& params) {
  last_errno_ = 0;
  if (broken_) return Status::Unavailable("mysql: connection lost");
  SLOTSIM_ASSIGN_OR_RETURN(MYSQL_STMT * stmt, Prepared(sql));
  if (mysql_stmt_param_count(stmt) != params.size()) {
    return Status::Internal("mysql: statement takes " +
                            std::to_string(mysql_stmt_param_count(stmt)) + " parameters, got " +
                            std::to_string(params.size()) + ": " + sql);
  }
  std::vector<MYSQL_BIND> binds(params.size());
  for (size_t k = 0; k < params.size(); ++k) BindParam(params[k], &binds[k]);
  if (!params.empty() && mysql_stmt_bind_param(stmt, binds.data()) != 0) {
    return StmtFail("bind", stmt);
  }
  if (mysql_stmt_execute(stmt) != 0) return StmtFail("execute", stmt);
  SqlResult out;
  out.affected_rows = mysql_stmt_affected_rows(stmt);
  out.insert_id = mysql_stmt_insert_id(stmt);
  Status fetched = FetchAll(stmt, &out);
  mysql_stmt_free_result(stmt);
  if (!fetched.ok()) return fetched;
  return out;
}

Status MySqlConnection::FetchAll(MYSQL_STMT* stmt, SqlResult* out) {
  MYSQL_RES* meta = mysql_stmt_result_metadata(stmt);
  if (meta == nullptr) return Status::Ok();  // not a SELECT
  const unsigned n = mysql_num_fields(meta);
  MYSQL_FIELD* fields = mysql_fetch_fields(meta);
  std::vector<Column> cols(n);
  std::vector<MYSQL_BIND> binds(n);
  for (unsigned k = 0; k < n; ++k) {
    Column& c = cols[k];
    MYSQL_BIND& b = binds[k];
    std::memset(&b, 0, sizeof b);
    c.is_int = IsIntegerType(fields[k].type);
    if (c.is_int) {
      b.buffer_type = MYSQL_TYPE_LONGLONG;
      b.buffer = &c.i;
    } else {
      c.buf.resize(kInitialColumnBytes);
      b.buffer_type = MYSQL_TYPE_STRING;
      b.buffer = c.buf.data();
      b.buffer_length = c.buf.size();
    }
    b.length = &c.length;
    b.is_null = &c.is_null;
    b.error = &c.error;
  }
  mysql_free_result(meta);
  if (mysql_stmt_bind_result(stmt, binds.data()) != 0) return StmtFail("bind_result", stmt);
  int rc;
  while ((rc = mysql_stmt_fetch(stmt)) == 0 || rc == MYSQL_DATA_TRUNCATED) {
    SqlRow row(n);
    for (unsigned k = 0; k < n; ++k) {
      Column& c = cols[k];
      if (c.is_null) continue;
      row[k].null = false;
      if (c.is_int) {
        row[k].i = c.i;
      } else if (c.length <= c.buf.size()) {
        row[k].s.assign(c.buf.data(), c.length);
      } else {
        // Longer than the first buffer: fetch the whole value into a big enough one.
        std::string big(c.length, '\0');
        MYSQL_BIND whole;
        std::memset(&whole, 0, sizeof whole);
        whole.buffer_type = MYSQL_TYPE_STRING;
        whole.buffer = big.data();
        whole.buffer_length = big.size();
        if (mysql_stmt_fetch_column(stmt, &whole, k, 0) != 0) return StmtFail("fetch", stmt);
        row[k].s = std::move(big);
      }
    }
    out->rows.push_back(std::move(row));
  }
  if (rc != MYSQL_NO_DATA) return StmtFail("fetch", stmt);
  return Status::Ok();
}

// ---- pool -------------------------------------------------------------------------------

MySqlPool::MySqlPool(MySqlOptions options) : options_(std::move(options)) {}

MySqlPool::~MySqlPool() = default;

MySqlPool::Lease::~Lease() {
  if (pool_ != nullptr) pool_->Release(std::move(conn_));
}

StatusOr<MySqlPool::Lease> MySqlPool::Acquire() {
  const int size = std::max(1, options_.pool_size);
  {
    std::unique_lock<std::mutex> lock(mu_);
    bool ready = cv_.wait_for(lock, options_.pool_wait, [&] {
      return !idle_.empty() || in_use_ + static_cast<int>(idle_.size()) < size;
    });
    if (!ready) {
      return Status::Timeout("mysql: no free connection within " +
                             std::to_string(options_.pool_wait.count()) + " ms (pool_size " +
                             std::to_string(size) + ")");
    }
    ++in_use_;
    if (!idle_.empty()) {
      std::unique_ptr<MySqlConnection> conn = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(conn));
    }
  }
  // Dial outside the lock: a slow connect must not block other callers.
  auto dialed = MySqlConnection::Dial(options_, /*with_database=*/true);
  if (!dialed.ok()) {
    Release(nullptr);
    return dialed.status();
  }
  return Lease(this, std::move(dialed).value());
}

void MySqlPool::Release(std::unique_ptr<MySqlConnection> conn) {
  std::unique_ptr<MySqlConnection> doomed;
  {
    std::lock_guard<std::mutex> lock(mu_);
    --in_use_;
    if (conn != nullptr && !conn->broken()) {
      idle_.push_back(std::move(conn));
    } else {
      doomed = std::move(conn);
    }
  }
  cv_.notify_one();
  // `doomed` closes here, outside the lock.
}

void MySqlPool::DiscardIdle() {
  std::vector<std::unique_ptr<MySqlConnection>> doomed;
  {
    std::lock_guard<std::mutex> lock(mu_);
    doomed.swap(idle_);
  }
  cv_.notify_all();
}

}  // namespace slotsim
