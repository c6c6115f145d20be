#!/usr/bin/env bash
# The test command: installs what is missing, builds, starts a private Redis and MariaDB on free
# loopback ports, runs every test with ctest, and stops the servers whatever happens. Exits with
# ctest's exit code (130 / 143 when interrupted).
#
#   scripts/test.sh                 build and run every test
#   scripts/test.sh -R Redis        extra arguments go to ctest
#   scripts/test.sh -LE perf        every test but the wall-clock perf thresholds (label perf)
#   scripts/test.sh -L perf         only those (docs/testing.md)
#   SANITIZE=address,undefined scripts/test.sh
#                                   the same under sanitizers, built in build-asan
#                                   (-DSLOTSIM_SANITIZE); the first error stops its test, a
#                                   leak fails it (scripts/sanitizers/ has the suppressions)
#
# With SLOTSIM_REDIS_URL and SLOTSIM_MYSQL_URL both set, those servers are used and none is
# started (with one set, only the other is started). Either way SLOTSIM_REQUIRE_SERVERS=1, so a
# suite that needs a server fails instead of skipping.
# Environment: BUILD_DIR (build; build-asan with SANITIZE), BUILD_TYPE (RelWithDebInfo), JOBS
# (2), TEST_TIMEOUT (seconds per test: 300; 900 with SANITIZE), SANITIZE (a -fsanitize= list),
# SKIP_INSTALL=1 skips the package step. ccache is used when installed.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# shellcheck source=scripts/servers.sh
source scripts/servers.sh

SANITIZE=${SANITIZE:-}
if [[ -n $SANITIZE ]]; then
  BUILD_DIR=${BUILD_DIR:-build-asan}
  TEST_TIMEOUT=${TEST_TIMEOUT:-900}  # instrumented code runs 2-5x slower
else
  BUILD_DIR=${BUILD_DIR:-build}
  TEST_TIMEOUT=${TEST_TIMEOUT:-300}
fi
BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo}
JOBS=${JOBS:-2}
START_S=$SECONDS
section_start_s=$SECONDS
TESTS_TMPDIR=""
group_pid=""  # the background command's own process group (session), while it runs

section() {
  section_start_s=$SECONDS
  printf '\n== %s\n' "$*"
}

section_done() {
  printf '== %s done in %d s\n' "$1" $((SECONDS - section_start_s))
}

# Runs "$@" in a new session so an interrupt of this script can end it with everything it
# started (test binaries, their private servers), then waits for it. Returns its exit code.
run_group() {
  local rc=0
  setsid --wait "$@" </dev/null &
  group_pid=$!
  wait "$group_pid" || rc=$?
  group_pid=""
  return "$rc"
}

# shellcheck disable=SC2317  # reached only from the EXIT trap
stop_group() {
  [[ -n $group_pid ]] || return 0
  kill -TERM -- "-$group_pid" 2>/dev/null || true
  local deadline=$((SECONDS + 5))
  while kill -0 "$group_pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
  kill -KILL -- "-$group_pid" 2>/dev/null || true
  wait "$group_pid" 2>/dev/null || true
  group_pid=""
}

# shellcheck disable=SC2317  # the EXIT trap
on_exit() {
  local rc=$?
  trap - EXIT INT TERM
  stop_group
  if [[ -n $TESTS_TMPDIR ]]; then rm -rf "$TESTS_TMPDIR"; fi
  if [[ -n $SERVERS_DIR ]]; then
    section "stopping servers"
    servers_stop
  fi
  printf '\n== done: exit %d after %d s\n' "$rc" $((SECONDS - START_S))
  exit "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

section "install"
if [[ ${SKIP_INSTALL:-0} == 1 ]]; then
  echo "skipped (SKIP_INSTALL=1)"
else
  bash scripts/install-deps.sh
fi
section_done install

section "build ($BUILD_DIR, $BUILD_TYPE, -j$JOBS${SANITIZE:+, sanitizers $SANITIZE})"
configure=(-DCMAKE_BUILD_TYPE="$BUILD_TYPE" -DSLOTSIM_SANITIZE="$SANITIZE")
if command -v ccache >/dev/null; then configure+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
if [[ -n $SANITIZE ]]; then
  # Set before the build: test discovery runs the instrumented binaries too.
  supp="$ROOT/scripts/sanitizers"
  export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:check_initialization_order=1"
  export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:suppressions=$supp/ubsan.supp"
  export LSAN_OPTIONS="suppressions=$supp/lsan.supp:print_suppressions=0"
  echo "ASAN_OPTIONS=$ASAN_OPTIONS"
  echo "UBSAN_OPTIONS=$UBSAN_OPTIONS"
  echo "LSAN_OPTIONS=$LSAN_OPTIONS"
fi
run_group cmake -S . -B "$BUILD_DIR" "${configure[@]}"
run_group cmake --build "$BUILD_DIR" -j"$JOBS"
section_done build

section "servers"
need=()
if [[ -z ${SLOTSIM_REDIS_URL:-} ]]; then need+=(redis); fi
if [[ -z ${SLOTSIM_MYSQL_URL:-} ]]; then need+=(mariadb); fi
if ((${#need[@]} == 0)); then
  echo "using the servers in SLOTSIM_REDIS_URL and SLOTSIM_MYSQL_URL; starting none"
else
  servers_start "${need[@]}"
fi
export SLOTSIM_REDIS_URL SLOTSIM_MYSQL_URL SLOTSIM_REQUIRE_SERVERS=1
for var in SLOTSIM_REDIS_URL SLOTSIM_MYSQL_URL; do
  echo "$var=$(sed -E 's#(://[^:@/]*):[^@]*@#\1:***@#' <<<"${!var}")"  # password hidden
done
section_done servers

section "tests"
# Tests' own temp files (private servers' dirs, ...) go where this script removes them even
# when a test binary is killed before its destructors run.
TESTS_TMPDIR=$(mktemp -d "${TMPDIR:-/tmp}/slotsim-tests.XXXXXX")
rc=0
TMPDIR=$TESTS_TMPDIR run_group ctest --test-dir "$BUILD_DIR" --output-on-failure \
  --no-tests=error -j"$JOBS" --timeout "$TEST_TIMEOUT" "$@" || rc=$?
section_done tests
exit "$rc"
