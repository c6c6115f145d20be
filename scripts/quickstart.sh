#!/usr/bin/env bash
# The README's first command: installs what is missing, builds slotsim, and runs the default
# scenario (scenarios/redis-outage.toml: Redis killed for 60 s mid-run) on the embedded sim
# target, which needs no servers. Ends with the paths of the run's summary.json and report.html.
#
#   scripts/quickstart.sh                      the default scenario
#   scripts/quickstart.sh scenarios/steady.toml --set engine.profile=legacy
#
# Environment: BUILD_DIR (build), SKIP_INSTALL=1 skips the package step.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
BUILD_DIR=${BUILD_DIR:-build}

echo "== install"
if [[ ${SKIP_INSTALL:-0} == 1 ]]; then echo "skipped (SKIP_INSTALL=1)"; else bash scripts/install-deps.sh; fi

echo "== build"
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD_DIR" -j2 --target slotsim

echo "== run"
if (($# == 0)); then set -- scenarios/redis-outage.toml; fi
exec "$BUILD_DIR/cli/slotsim" run "$@"
