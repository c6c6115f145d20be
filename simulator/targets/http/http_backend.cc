// The http target's backend: keep-alive HTTP connections per worker, a spawned `slotsim serve`
// when asked, mode switches read from answers, and final bookings read back (http_backend.h).
#include "simulator/targets/http/http_backend.h"

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "engine/mysql_store.h"
#include "engine/redis_store.h"
#include "protocol/client_wire.h"
#include "simulator/targets/http/http_connection.h"
#include "simulator/targets/http/http_serve_process.h"

namespace slotsim {
namespace {

constexpr int kConnectTimeoutS = 2;
constexpr int kReadTimeoutS = 10;

// `http[s]://HOST[:PORT][/PATH]` split into its parts.
struct HttpUrl {
  std::string origin;     // "http://127.0.0.1:8080"
  std::string base_path;  // "" or "/shop" (no trailing '/')
  bool plain = true;      // http:// with a host name or IPv4 address
  std::string host;
  int port = 80;
};

StatusOr<HttpUrl> ParseHttpUrl(const std::string& url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string::npos || url.size() == scheme + 3) {
    return Status::InvalidArgument("target.url: bad URL \"" + url + "\"");
  }
  const size_t path = url.find('/', scheme + 3);
  HttpUrl out;
  out.origin = url.substr(0, path);
  if (path != std::string::npos) out.base_path = url.substr(path);
  while (!out.base_path.empty() && out.base_path.back() == '/') out.base_path.pop_back();
  const std::string authority = out.origin.substr(scheme + 3);
  out.plain = url.compare(0, scheme, "http") == 0 && authority.find('[') == std::string::npos;
  out.port = out.plain ? 80 : 443;
  const size_t colon = authority.rfind(':');
  out.host = authority.substr(0, colon);
  if (colon != std::string::npos && out.plain) {
    const std::string port = authority.substr(colon + 1);
    if (port.empty() || port.find_first_not_of("0123456789") != std::string::npos ||
        port.size() > 5 || std::stoi(port) < 1 || std::stoi(port) > 65535) {
      return Status::InvalidArgument("target.url: bad port in \"" + url + "\"");
    }
    out.port = std::stoi(port);
  }
  return out;
}

// One connection to the target, as the workers and the backend use it. Not thread-safe.
class Transport {
 public:
  virtual ~Transport() = default;
  virtual WireAnswer Send(const WireRequest& w) = 0;
};

// Plain http: slotsim's own client (http_connection.h says why).
class PlainTransport final : public Transport {
 public:
  explicit PlainTransport(const HttpUrl& url) : connection_(OptionsOf(url)) {}
  WireAnswer Send(const WireRequest& w) override { return connection_.Send(w); }

 private:
  static HttpConnectionOptions OptionsOf(const HttpUrl& url) {
    HttpConnectionOptions o;
    o.host = url.host;
    o.port = url.port;
    o.connect_timeout = Millis(kConnectTimeoutS * 1000);
    o.io_timeout = Millis(kReadTimeoutS * 1000);
    return o;
  }

  HttpConnection connection_;
};

// https (and IPv6 literals): httplib's client, with OpenSSL (httplib stays inside this file).
class HttplibTransport final : public Transport {
 public:
  explicit HttplibTransport(const std::string& origin) : client_(origin) {
    client_.set_keep_alive(true);
    client_.set_tcp_nodelay(true);
    client_.set_connection_timeout(kConnectTimeoutS, 0);
    client_.set_read_timeout(kReadTimeoutS, 0);
    client_.set_write_timeout(kReadTimeoutS, 0);
  }

  WireAnswer Send(const WireRequest& w) override {
    httplib::Headers headers;
    for (const auto& [k, v] : w.headers) headers.emplace(k, v);
    const auto start = std::chrono::steady_clock::now();
    httplib::Result res = Call(w, headers);
    WireAnswer a;
    if (res) {
      a.status = res->status;
      a.body = std::move(res->body);
      return a;
    }
    const httplib::Error e = res.error();
    a.detail = httplib::to_string(e) + " (" + w.method + " " + w.path + ")";
    if (e == httplib::Error::Connection) {
      a.transport = WireTransport::kRefused;
    } else if (e == httplib::Error::ConnectionTimeout) {
      a.transport = WireTransport::kConnectTimeout;
    } else {
      // httplib says "Read" for a timeout and for a reset alike: the clock tells them apart.
      const auto waited = std::chrono::steady_clock::now() - start;
      const bool timed_out =
          e == httplib::Error::Read && waited >= std::chrono::milliseconds(kReadTimeoutS * 900);
      a.transport = timed_out ? WireTransport::kTimeout : WireTransport::kBroken;
    }
    return a;
  }

 private:
  httplib::Result Call(const WireRequest& w, const httplib::Headers& headers) {
    if (w.method == "POST") return client_.Post(w.path, headers, w.body, w.content_type);
    if (w.method == "PUT") return client_.Put(w.path, headers, w.body, w.content_type);
    if (w.method == "DELETE") return client_.Delete(w.path, headers);
    return client_.Get(w.path, headers);
  }

  httplib::Client client_;
};

std::unique_ptr<Transport> NewTransport(const HttpUrl& url) {
  if (url.plain) return std::make_unique<PlainTransport>(url);
  return std::make_unique<HttplibTransport>(url.origin);
}

// The storage mode the answers show, and the switches between modes synthesized from them.
// Thread-safe; a call whose answer repeats the current mode costs one atomic load.
class ModeObserver {
 public:
  void Seed(StorageMode mode, Timestamp at) {
    std::lock_guard<std::mutex> lock(mu_);
    mode_.store(static_cast<int>(mode));
    since_ = at;
  }
  StorageMode last() const { return static_cast<StorageMode>(mode_.load()); }
  void SetListener(std::function<void(const ModeSwitch&)> listener) {
    std::lock_guard<std::mutex> lock(mu_);
    listener_ = std::move(listener);
  }
  // An answer to a request sent at `invoked`, completed at `completed`, stated `mode`.
  void Observe(StorageMode mode, Timestamp invoked, Timestamp completed) {
    if (static_cast<int>(mode) == mode_.load(std::memory_order_relaxed)) return;
    std::lock_guard<std::mutex> lock(mu_);
    const StorageMode from = last();
    // A request sent before the last switch may carry the mode before it: not a new switch.
    if (mode == from || invoked < since_) return;
    ModeSwitch sw;
    sw.at = std::max(completed, since_);
    sw.from = from;
    sw.to = mode;
    sw.cause = "observed in answers";
    sw.previous_mode_duration = sw.at - since_;
    mode_.store(static_cast<int>(mode));
    since_ = sw.at;
    if (listener_) listener_(sw);
  }

 private:
  std::atomic<int> mode_{static_cast<int>(StorageMode::kRedis)};
  std::mutex mu_;
  Timestamp since_;
  std::function<void(const ModeSwitch&)> listener_;
};

// Every booking the run was told about, as the answers left it. Thread-safe.
class BookingLedger {
 public:
  void Note(const Booking& b) {
    std::lock_guard<std::mutex> lock(mu_);
    bookings_[b.id] = b;
  }
  std::vector<Booking> All() const {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<Booking> out;
    out.reserve(bookings_.size());
    for (const auto& [id, b] : bookings_) out.push_back(b);
    return out;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, Booking> bookings_;
};

// What every worker's executor shares with the backend.
struct HttpShared {
  HttpUrl url;
  WireOptions wire;
  const Grid* grid = nullptr;
  SystemClock clock;  // Now() only: the same wall time as the run's loop
  ModeObserver modes;
  BookingLedger ledger;
};

class HttpExecutor final : public OpExecutor {
 public:
  explicit HttpExecutor(HttpShared& shared)
      : shared_(shared), connection_(NewTransport(shared.url)) {}

  void Execute(const OpRequest& req, OpResult& r) override {
    const WireAnswer answer = connection_->Send(BuildRequest(req, shared_.wire));
    const std::optional<StorageMode> stated =
        ParseAnswer(req, answer, *shared_.grid, shared_.wire, r);
    if (stated) shared_.modes.Observe(*stated, r.invoked, shared_.clock.Now());
    r.served_by = stated.value_or(shared_.modes.last());
    if (r.poll) r.poll->storage_mode = r.served_by;
    if (r.availability) r.availability->storage_mode = r.served_by;
    if (r.status.ok() && r.booking) shared_.ledger.Note(*r.booking);
  }

 private:
  HttpShared& shared_;
  std::unique_ptr<Transport> connection_;
};

// A base-36 tag unique to this run (milliseconds since the epoch): "r" + 8 characters.
std::string NewRunTag(Timestamp now) {
  static constexpr char kDigits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  uint64_t v = static_cast<uint64_t>(ToUnixMillis(now));
  std::string out;
  while (v > 0) {
    out.insert(out.begin(), kDigits[v % 36]);
    v /= 36;
  }
  return "r" + out;
}

class HttpBackend final : public RealtimeBackend {
 public:
  HttpBackend(const Scenario& scenario, const LaunchOptions& launch)
      : sc_(scenario), launch_(launch) {}

  std::string name() const override { return "http"; }
  bool wants_servers() const override { return sc_.target.spawn; }
  Status Start(const RedisUrl& redis, const MySqlUrl& mysql,
               const std::function<void(const std::string&)>& note) override;
  const Grid& grid() const override { return *grid_; }
  std::unique_ptr<OpExecutor> NewExecutor(int /*worker*/) override {
    return std::make_unique<HttpExecutor>(shared_);
  }
  StorageMode mode() const override { return initial_mode_; }
  void SetSwitchListener(std::function<void(const ModeSwitch&)> listener) override {
    shared_.modes.SetListener(std::move(listener));
  }
  StatusOr<FinalState> FinalBookings() override;

 private:
  Status OpenTable(const MySqlUrl& url, const std::string& prefix);
  // Health (slotsim serve's /healthz: the starting mode) and the nonce, before the run.
  Status Probe(const std::function<void(const std::string&)>& note);
  StatusOr<FinalState> BookingsFromTable();
  StatusOr<FinalState> BookingsFromApi();

  const Scenario& sc_;
  const LaunchOptions launch_;
  std::optional<Grid> grid_;
  HttpShared shared_;
  StorageMode initial_mode_ = StorageMode::kRedis;
  std::unique_ptr<MySqlStore> table_;
  std::unique_ptr<ServeProcess> serve_;
  std::function<void(const std::string&)> note_;
};

Status HttpBackend::OpenTable(const MySqlUrl& url, const std::string& prefix) {
  MySqlOptions mo;
  mo.url = url;
  mo.table_prefix = prefix;
  mo.pool_size = 1;
  table_ = std::make_unique<MySqlStore>(mo);
  if (Status s = table_->Open(); !s.ok()) {
    return Status(s.code(), "MySQL at " + ToString(url) + ": " + s.message());
  }
  return Status::Ok();
}

Status HttpBackend::Start(const RedisUrl& redis, const MySqlUrl& mysql,
                          const std::function<void(const std::string&)>& note) {
  note_ = note;
  StatusOr<Grid> grid = Grid::Create(sc_.engine.grid);
  if (!grid.ok()) return grid.status();
  grid_.emplace(std::move(grid).value());
  std::string url = sc_.target.url;
  if (sc_.target.spawn) {
    SLOTSIM_RETURN_IF_ERROR(OpenTable(mysql, kHttpSpawnPrefix));
    // Start clean, so every booking found at the end was made by this run.
    SLOTSIM_RETURN_IF_ERROR(table_->TruncateForTest());
    RedisOptions ro;
    ro.url = redis;
    ro.key_prefix = kHttpSpawnPrefix;
    ro.pool_size = 1;
    ro.deadline = Millis(1000);
    RedisStore(ro).FlushForTest().IgnoreError(
        "a Redis that is down now keeps stale keys; serve replaces them when it switches to "
        "Redis");
    ServeSpec spec{redis, mysql, kHttpSpawnPrefix, sc_.target.workers + 8};
    SLOTSIM_ASSIGN_OR_RETURN(serve_, ServeProcess::Start(sc_, launch_, spec, note));
    url = serve_->url();
  } else if (!sc_.target.mysql.empty()) {
    SLOTSIM_ASSIGN_OR_RETURN(const MySqlUrl table_url, ParseMySqlUrl(sc_.target.mysql));
    SLOTSIM_RETURN_IF_ERROR(OpenTable(table_url, sc_.target.table_prefix));
  }
  SLOTSIM_ASSIGN_OR_RETURN(shared_.url, ParseHttpUrl(url));
  shared_.grid = &*grid_;
  WireOptions& w = shared_.wire;
  w.base_path = shared_.url.base_path;
  w.rest_style = sc_.target.rest_style == "rest_route" ? RestStyle::kRestRoute : RestStyle::kWpJson;
  w.forwarded_for = sc_.target.forwarded_for;
  w.heartbeat_s = std::max<int>(
      1, static_cast<int>((sc_.engine.heartbeat + Micros(500'000)) / Micros(1'000'000)));
  w.hold_ttl = sc_.engine.policy.hold_ttl;
  w.run_tag = NewRunTag(shared_.clock.Now());
  return Probe(note);
}

Status HttpBackend::Probe(const std::function<void(const std::string&)>& note) {
  std::unique_ptr<Transport> c = NewTransport(shared_.url);
  WireAnswer health = c->Send(WireRequest{"GET", shared_.wire.base_path + "/healthz", "", "", {}});
  if (health.transport != WireTransport::kAnswered) {
    return Status::Unavailable("http: cannot reach " + shared_.url.origin + ": " + health.detail);
  }
  // slotsim serve says where state lives; another server's first answers will.
  const size_t mode_at = health.body.find("\"storage_mode\":\"");
  if (health.status == 200 && mode_at != std::string::npos) {
    const size_t start = mode_at + 16;
    const std::string word = health.body.substr(start, health.body.find('"', start) - start);
    initial_mode_ = StorageModeOfWord(word).value_or(StorageMode::kRedis);
  }
  shared_.modes.Seed(initial_mode_, shared_.clock.Now());
  if (sc_.target.nonce_from.empty()) return Status::Ok();
  const std::string page_path = shared_.wire.base_path + sc_.target.nonce_from;
  WireAnswer page = c->Send(WireRequest{"GET", page_path, "", "", {}});
  if (page.transport != WireTransport::kAnswered || page.status != 200) {
    return Status::Unavailable(
        "http: nonce_from: GET " + page_path + " failed (" +
        (page.detail.empty() ? "HTTP " + std::to_string(page.status) : page.detail) + ")");
  }
  std::optional<std::string> nonce = ScrapeNonce(page.body);
  if (!nonce) {
    return Status::InvalidArgument(
        "http: nonce_from: no `var bookingAPI = {...\"nonce\":...}` in " + page_path);
  }
  shared_.wire.nonce = *nonce;
  note("http: X-WP-Nonce " + *nonce + " from " + page_path);
  return Status::Ok();
}

StatusOr<FinalState> HttpBackend::FinalBookings() {
  StatusOr<FinalState> out = table_ ? BookingsFromTable() : BookingsFromApi();
  // The run is over: the spawned server is no longer needed, and it should go before the
  // Redis and MariaDB it uses.
  if (out.ok() && serve_) serve_.reset();
  return out;
}

StatusOr<FinalState> HttpBackend::BookingsFromTable() {
  SLOTSIM_ASSIGN_OR_RETURN(std::vector<Booking> all, table_->ActiveBookings(""));
  // Only this run's bookings (its client ids carry the run tag), with the tag stripped.
  FinalState out;
  out.read_back = ReadBack::kComplete;
  for (Booking& b : all) {
    std::optional<std::string> client = StripRunTag(b.client_id, shared_.wire.run_tag);
    if (!client) continue;
    b.client_id = *client;
    b.idempotency_key = StripRunTag(b.idempotency_key, shared_.wire.run_tag).value_or("");
    out.bookings.push_back(std::move(b));
  }
  return out;
}

// Without the table: each booking the answers named, asked for by id (a probe for an id that
// cannot exist first, so that a server without the route is found even when no booking was
// named). What this leaves unmeasured is FinalState::read_back's to say (measurement.h).
StatusOr<FinalState> HttpBackend::BookingsFromApi() {
  const std::vector<Booking> told = shared_.ledger.All();
  std::unique_ptr<Transport> c = NewTransport(shared_.url);
  FinalState out;
  out.read_back = ReadBack::kById;
  out.reason = "final bookings read back by id (GET appointments/{id}), not from the store; "
               "set [target] mysql for a complete read";
  const auto get = [&](const std::string& id) {
    return ParseBookingAnswer(c->Send(BuildGetBooking(id, shared_.wire)), shared_.wire);
  };
  const StatusOr<Booking> probe = get("APT-0000-000000");
  if (!probe.ok() && probe.status().code() == Code::kUnimplemented) {
    // A server that cannot be asked: the answers' own account is all there is.
    out.read_back = ReadBack::kNone;
    out.reason = shared_.url.origin +
                 " has no GET appointments/{id} and no [target] mysql was given: no read-back";
    note_("http: " + out.reason + "; final bookings are the answers' account (lost and phantom "
          "bookings not measured)");
    for (const Booking& a : told) {
      if (a.status == BookingStatus::kActive) out.bookings.push_back(a);
    }
    return out;
  }
  if (!probe.ok() && (probe.status().code() == Code::kUnavailable ||
                      probe.status().code() == Code::kTimeout)) {
    return probe.status();  // the server is not answering now: RealtimeRun retries
  }
  for (const Booking& known : told) {
    StatusOr<Booking> b = get(known.id);
    if (b.ok()) {
      if (b->status != BookingStatus::kActive) continue;
      b->idempotency_key = known.idempotency_key;
      out.bookings.push_back(std::move(b).value());
    } else if (b.status().code() != Code::kNotFound) {
      return b.status();
    }
  }
  note_("http: " + out.reason + " (phantom bookings not measured)");
  return out;
}

}  // namespace

StatusOr<std::unique_ptr<RealtimeBackend>> NewHttpBackend(const Scenario& scenario,
                                                          const LaunchOptions& launch) {
  if (scenario.target.spawn && launch.self_binary.empty()) {
    return Status::InvalidArgument(
        "http: spawn = true needs the slotsim binary to launch (RunOptions.self_binary)");
  }
  return std::unique_ptr<RealtimeBackend>(std::make_unique<HttpBackend>(scenario, launch));
}

}  // namespace slotsim
