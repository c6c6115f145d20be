#!/usr/bin/env bash
# A private Redis and MariaDB on free loopback ports in a temp dir, for tests and benchmarks.
# Started exactly as docs/platform.md "Servers, unattended" says: redis-server and
# mariadbd run directly (never mysqld_safe, which restarts a killed server by itself), with
# their data in the temp dir, which is removed on stop.
#
# Run it to wrap one command (the servers live as long as the command):
#   scripts/servers.sh CMD [ARGS...]       e.g. scripts/servers.sh build/bench/slotsim_bench
# or source it (scripts/test.sh does) and call:
#   servers_start [redis] [mariadb]   starts the named servers (both by default), waits until they
#                                     answer, creates database and user slotsim/slotsim, and
#                                     exports SLOTSIM_REDIS_URL / SLOTSIM_MYSQL_URL. Returns 1 with
#                                     the server log tail on failure. Call it from the shell that
#                                     will call servers_stop, not from a subshell: each server
#                                     dies with the shell that started it (PR_SET_PDEATHSIG).
#   servers_stop                      SIGTERM, up to SERVERS_STOP_WAIT_S (5) seconds, then
#                                     SIGKILL; removes the temp dir. Safe to call twice or after
#                                     a failed start. Only the pids this shell started are touched.
# Ports are drawn from 20000-31999, below the kernel's ephemeral range, so they never collide
# with tests' own FreeLoopbackPort() servers; a port taken meanwhile is retried with another.

SERVERS_DIR=""
SERVERS_REDIS_PID=""
SERVERS_MARIADB_PID=""
SERVERS_START_WAIT_S=${SERVERS_START_WAIT_S:-30}
SERVERS_STOP_WAIT_S=${SERVERS_STOP_WAIT_S:-5}
SERVERS_PORT_ATTEMPTS=5

_servers_log() { printf '[servers] %s\n' "$*" >&2; }

# Prints the path of an executable, searching PATH and then the sbin dirs a non-root PATH lacks.
_servers_find_bin() {
  local name=$1 dir
  if command -v "$name" 2>/dev/null; then return 0; fi
  for dir in /usr/sbin /usr/bin /usr/local/sbin /usr/local/bin /sbin /bin; do
    if [[ -x "$dir/$name" ]]; then
      printf '%s\n' "$dir/$name"
      return 0
    fi
  done
  _servers_log "cannot find $name (is it installed? scripts/install-deps.sh installs it)"
  return 1
}

# Prints a loopback port nothing is listening on right now.
_servers_pick_port() {
  local port i
  for ((i = 0; i < 50; i++)); do
    port=$((20000 + RANDOM % 12000))
    if ! (: <"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      printf '%d\n' "$port"
      return 0
    fi
  done
  _servers_log "no free loopback port found"
  return 1
}

# Starts "$@" in the background with output to log $1; the pid is left in _servers_spawned.
# setpriv makes the server die with this shell even if the shell itself is SIGKILLed.
_servers_spawn() {
  local log=$1
  shift
  if command -v setpriv >/dev/null 2>&1; then
    setpriv --pdeathsig KILL -- "$@" >"$log" 2>&1 </dev/null &
  else
    "$@" >"$log" 2>&1 </dev/null &
  fi
  _servers_spawned=$!
}

_servers_log_tail() {
  local log=$1
  _servers_log "---- last lines of $log ----"
  tail -n 25 "$log" >&2 2>/dev/null || true
  _servers_log "----"
}

# Waits until `$2 ARGS...` succeeds, while pid $1 lives, for up to SERVERS_START_WAIT_S.
# Returns 0 when it answers, 1 when the process died, 2 on timeout.
_servers_wait_until() {
  local pid=$1 deadline=$((SECONDS + SERVERS_START_WAIT_S))
  shift
  while ((SECONDS < deadline)); do
    if "$@"; then return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then return 1; fi
    sleep 0.1
  done
  return 2
}

# True if the Redis on port $1 is process $2 (INFO's process_id): if ours failed to bind because
# the port was taken meanwhile, whatever holds the port may answer PING too.
_servers_redis_is() {
  # A subshell, so a refused connect cannot end this shell; each read gives up after 1 s.
  (
    exec 2>/dev/null
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf 'INFO server\r\n' >&3
    for ((i = 0; i < 100; i++)); do
      IFS= read -r -t 1 line <&3 || exit 1
      if [[ $line == "process_id:$2"$'\r' ]]; then exit 0; fi
    done
    exit 1
  )
}

# Ends pid $1 (a server that failed to come up) and reaps it.
_servers_reap() {
  kill -KILL "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# "no answer in Ns" or "exited", for wait result $1.
_servers_why() {
  if (($1 == 2)); then echo "no answer in ${SERVERS_START_WAIT_S}s"; else echo "exited"; fi
}

_servers_start_redis() {
  local bin port attempt rc=0
  bin=$(_servers_find_bin redis-server) || return 1
  mkdir -p "$SERVERS_DIR/redis"
  for ((attempt = 1; attempt <= SERVERS_PORT_ATTEMPTS; attempt++)); do
    port=$(_servers_pick_port) || return 1
    _servers_spawn "$SERVERS_DIR/redis.log" "$bin" --port "$port" --bind 127.0.0.1 \
      --save '' --appendonly no --dir "$SERVERS_DIR/redis" --daemonize no
    SERVERS_REDIS_PID=$_servers_spawned
    rc=0
    _servers_wait_until "$SERVERS_REDIS_PID" \
      _servers_redis_is "$port" "$SERVERS_REDIS_PID" || rc=$?
    if ((rc == 0)); then
      export SLOTSIM_REDIS_URL="redis://127.0.0.1:$port/0"
      _servers_log "redis-server pid $SERVERS_REDIS_PID on 127.0.0.1:$port"
      return 0
    fi
    _servers_reap "$SERVERS_REDIS_PID"
    SERVERS_REDIS_PID=""
    # Only a port taken since it was picked is worth another try.
    if ((rc == 2)) || ! grep -q 'already in use' "$SERVERS_DIR/redis.log"; then break; fi
    _servers_log "port $port was taken meanwhile (attempt $attempt); trying another"
  done
  _servers_log "redis-server did not come up ($(_servers_why "$rc"))"
  _servers_log_tail "$SERVERS_DIR/redis.log"
  return 1
}

_servers_mariadb_ping() {
  timeout 5 "$1" --no-defaults --protocol=socket --socket="$SERVERS_DIR/mysql.sock" \
    --user=root --connect-timeout=2 ping >/dev/null 2>&1
}

# Runs SQL as root over the socket.
_servers_mariadb_sql() {
  timeout 30 "$1" --no-defaults --protocol=socket --socket="$SERVERS_DIR/mysql.sock" \
    --user=root --batch -e "$2"
}

_servers_install_mariadb_db() {
  local install_db=$1 user=$2
  if ! timeout 300 "$install_db" --no-defaults --datadir="$SERVERS_DIR/mysql" --user="$user" \
    --auth-root-authentication-method=normal --skip-test-db \
    >"$SERVERS_DIR/mariadb-install.log" 2>&1; then
    _servers_log "mariadb-install-db failed"
    _servers_log_tail "$SERVERS_DIR/mariadb-install.log"
    return 1
  fi
}

# Launches mariadbd on a free port until one binds; sets SERVERS_MARIADB_PID and prints the port.
_servers_launch_mariadbd() {
  local mariadbd=$1 admin=$2 user=$3 port attempt rc=0
  for ((attempt = 1; attempt <= SERVERS_PORT_ATTEMPTS; attempt++)); do
    port=$(_servers_pick_port) || return 1
    # Durability stays at the default (innodb_flush_log_at_trx_commit=1) so benchmarks
    # measure what production pays.
    _servers_spawn "$SERVERS_DIR/mariadb.log" "$mariadbd" --no-defaults --user="$user" \
      --datadir="$SERVERS_DIR/mysql" --port="$port" --bind-address=127.0.0.1 \
      --socket="$SERVERS_DIR/mysql.sock" --pid-file="$SERVERS_DIR/mariadb.pid" \
      --skip-name-resolve --innodb-buffer-pool-size=256M --max-connections=500
    SERVERS_MARIADB_PID=$_servers_spawned
    rc=0
    _servers_wait_until "$SERVERS_MARIADB_PID" _servers_mariadb_ping "$admin" || rc=$?
    if ((rc == 0)); then
      printf '%d\n' "$port"
      return 0
    fi
    _servers_reap "$SERVERS_MARIADB_PID"
    SERVERS_MARIADB_PID=""
    # Only a port taken since it was picked is worth another try.
    if ((rc == 2)) || ! grep -q 'already in use' "$SERVERS_DIR/mariadb.log"; then break; fi
    _servers_log "port $port was taken meanwhile (attempt $attempt); trying another"
  done
  _servers_log "mariadbd did not come up ($(_servers_why "$rc"))"
  _servers_log_tail "$SERVERS_DIR/mariadb.log"
  return 1
}

_servers_start_mariadb() {
  local mariadbd install_db admin client user port
  mariadbd=$(_servers_find_bin mariadbd) || return 1
  install_db=$(_servers_find_bin mariadb-install-db) || return 1
  admin=$(_servers_find_bin mariadb-admin) || return 1
  client=$(_servers_find_bin mariadb) || return 1
  user=$(id -un)  # as root mariadbd aborts without --user=root; as anyone else it stays them
  _servers_install_mariadb_db "$install_db" "$user" || return 1
  # Not $(...): the server must be a child of this shell, so the port comes back in a file.
  _servers_launch_mariadbd "$mariadbd" "$admin" "$user" >"$SERVERS_DIR/mariadb.port" || return 1
  port=$(<"$SERVERS_DIR/mariadb.port")
  if ! _servers_mariadb_sql "$client" "CREATE DATABASE IF NOT EXISTS slotsim;
      CREATE USER IF NOT EXISTS 'slotsim'@'%' IDENTIFIED BY 'slotsim';
      GRANT ALL PRIVILEGES ON *.* TO 'slotsim'@'%';" >/dev/null; then
    _servers_log "creating database and user slotsim failed"
    _servers_log_tail "$SERVERS_DIR/mariadb.log"
    return 1
  fi
  # The URL the tests get must work over TCP, as the tests will use it.
  if ! timeout 10 "$client" --no-defaults --protocol=tcp --host=127.0.0.1 --port="$port" \
    --user=slotsim --password=slotsim --connect-timeout=5 -e 'SELECT 1' slotsim >/dev/null; then
    _servers_log "user slotsim cannot log in over TCP on port $port"
    return 1
  fi
  export SLOTSIM_MYSQL_URL="mysql://slotsim:slotsim@127.0.0.1:$port/slotsim"
  _servers_log "mariadbd pid $SERVERS_MARIADB_PID on 127.0.0.1:$port"
}

servers_start() {
  local which=("$@") base
  if ((${#which[@]} == 0)); then which=(redis mariadb); fi
  base=${TMPDIR:-/tmp}
  # Unix socket paths are limited to 107 bytes.
  if ((${#base} > 60)); then base=/tmp; fi
  SERVERS_DIR=$(mktemp -d "$base/slotsim-servers.XXXXXX")
  _servers_log "dir $SERVERS_DIR"
  local w
  for w in "${which[@]}"; do
    case $w in
      redis) _servers_start_redis || return 1 ;;
      mariadb) _servers_start_mariadb || return 1 ;;
      *)
        _servers_log "unknown server '$w' (redis | mariadb)"
        return 1
        ;;
    esac
  done
}

# Waits for pid $1 to be gone for up to $2 seconds; returns 1 if it is still there.
_servers_wait_gone() {
  local pid=$1 deadline=$((SECONDS + $2))
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS >= deadline)); then return 1; fi
    sleep 0.1
  done
}

servers_stop() {
  local pid pids=()
  for pid in "$SERVERS_REDIS_PID" "$SERVERS_MARIADB_PID"; do
    if [[ -n $pid ]]; then pids+=("$pid"); fi
  done
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    if ! _servers_wait_gone "$pid" "$SERVERS_STOP_WAIT_S"; then
      _servers_log "pid $pid ignored SIGTERM for ${SERVERS_STOP_WAIT_S}s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
  done
  SERVERS_REDIS_PID=""
  SERVERS_MARIADB_PID=""
  if [[ -n $SERVERS_DIR && -d $SERVERS_DIR ]]; then rm -rf "$SERVERS_DIR"; fi
  SERVERS_DIR=""
}

# Run as a command: start both servers, run "$@" with the URLs exported, stop, exit with its code.
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  set -euo pipefail
  if (($# == 0)) || [[ $1 == -h || $1 == --help ]]; then
    sed -n '2,/^$/s/^# \{0,1\}//p' "$0"
    exit 2
  fi
  trap 'servers_stop' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  servers_start redis mariadb
  export SLOTSIM_REQUIRE_SERVERS=1
  rc=0
  "$@" <&0 &  # in the background so a signal reaches the traps at once; stdin kept
  wait $! || rc=$?
  exit "$rc"
fi
