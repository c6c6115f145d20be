#!/usr/bin/env bash
# Proves a change kept the sim's behaviour: runs every shipped scenario on the sim target with
# two slotsim binaries (or against summaries recorded earlier) and compares the summary.json
# files byte for byte, apart from "run" (wall time, RSS), "git_commit" and "command" (the
# binary's path and --out differ).
#
#   scripts/sim-identity.sh record OUT_DIR [BINARY]        record summaries with BINARY
#   scripts/sim-identity.sh compare BASE_DIR [BINARY]      run BINARY, compare with BASE_DIR
#
# BINARY defaults to build/cli/slotsim. SCENARIOS="steady flash-sale" limits the set; the
# default is every scenarios/*.toml (million takes 5-10 minutes on two cores). Exits 0 when
# every summary is identical, 1 when any differs (the first differing lines are printed).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mode=${1:-}
dir=${2:-}
bin=${3:-$ROOT/build/cli/slotsim}
if [[ $mode != record && $mode != compare ]] || [[ -z $dir ]]; then
  sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
if [[ ! -x $bin ]]; then
  echo "error: $bin is not an executable slotsim binary" >&2
  exit 2
fi
if [[ -n ${SCENARIOS:-} ]]; then
  read -r -a names <<<"$SCENARIOS"
else
  names=()
  for f in "$ROOT"/scenarios/*.toml; do names+=("$(basename "$f" .toml)"); done
fi

# The summary without the fields that may differ between two identical runs.
normalize() {
  jq -S 'del(.run, .git_commit, .command)' "$1"
}

work=$(mktemp -d "${TMPDIR:-/tmp}/sim-identity.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$dir"
failed=0
for name in "${names[@]}"; do
  scenario=$ROOT/scenarios/$name.toml
  out=$work/$name
  start_s=$SECONDS
  rc=0
  "$bin" run "$scenario" --out "$out" >"$work/$name.log" 2>&1 || rc=$?
  if [[ ! -f $out/summary.json ]]; then
    echo "$name: no summary (exit $rc); log:" >&2
    tail -5 "$work/$name.log" >&2
    failed=1
    continue
  fi
  normalize "$out/summary.json" >"$work/$name.json"
  if [[ $mode == record ]]; then
    cp "$work/$name.json" "$dir/$name.json"
    echo "$name: recorded (exit $rc, $((SECONDS - start_s)) s)"
  elif cmp -s "$work/$name.json" "$dir/$name.json"; then
    echo "$name: identical (exit $rc, $((SECONDS - start_s)) s)"
  else
    echo "$name: DIFFERS (exit $rc)"
    diff "$dir/$name.json" "$work/$name.json" | head -20 || true
    failed=1
  fi
done
exit "$failed"
