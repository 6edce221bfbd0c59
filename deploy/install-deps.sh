#!/usr/bin/env bash
# Installs the Debian 12 packages Accord builds and tests with (idempotent: only what is
# missing). Runs apt-get as root, or through sudo.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git curl python3
  libboost1.81-all-dev libboost-json1.81-dev libboost-url1.81-dev libspdlog-dev libcli11-dev libtomlplusplus-dev
  libgtest-dev libgmock-dev
  librocksdb-dev libprotobuf-dev libprotoc-dev protobuf-compiler
  libsimdjson-dev libre2-dev libssl-dev
  libpaho-mqtt-dev libpaho-mqttpp-dev libyaml-cpp-dev
  mosquitto mosquitto-clients
  python3-yaml systemd  # tests/deploy: PyYAML and systemd-analyze
  clang libclang-rt-14-dev
  nodejs npm
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# The distribution's npm is not needed where a newer node/npm is already installed.
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
fi
read -r -a missing <<< "${missing[*]}"

if ((${#missing[@]})); then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "installing: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
