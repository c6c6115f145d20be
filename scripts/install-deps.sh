#!/usr/bin/env bash
# Installs the Debian 12 packages slotsim needs to build, test and benchmark, when any is missing.
# With everything installed it changes nothing and needs no network; otherwise it runs
# `apt-get update` once and installs only what is missing (as root, or through sudo).
# A new dependency goes into PACKAGES, the one list.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config git
  libhiredis-dev default-libmysqlclient-dev libcpp-httplib-dev libboost-program-options-dev
  libbenchmark-dev libgtest-dev libgmock-dev nlohmann-json3-dev libtomlplusplus-dev
  redis-server redis-tools mariadb-server mariadb-client
  wrk chromium
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
  if [[ $status != installed ]]; then missing+=("$pkg"); fi
done

if ((${#missing[@]} == 0)); then
  echo "all ${#PACKAGES[@]} packages installed"
  exit 0
fi

echo "missing: ${missing[*]}"
sudo=()
if ((EUID != 0)); then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "error: not root and no sudo; as root run: apt-get install ${missing[*]}" >&2
    exit 1
  fi
  sudo=(sudo)
fi
# Installing redis-server / mariadb-server may start their system services; nothing here relies
# on them (scripts/servers.sh starts private servers), so whether they start does not matter.
apt_env=(env DEBIAN_FRONTEND=noninteractive)
"${sudo[@]}" "${apt_env[@]}" apt-get -o DPkg::Lock::Timeout=300 update
"${sudo[@]}" "${apt_env[@]}" apt-get -o DPkg::Lock::Timeout=300 install -y \
  --no-install-recommends "${missing[@]}" </dev/null
