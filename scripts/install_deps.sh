#!/usr/bin/env bash
# Installs the Debian 12 packages ionhop needs, if any are missing (apt-get as root, or
# through sudo). Prints what it does; does nothing when everything is present.
set -euo pipefail

packages=(g++ cmake make git pkg-config
          libeigen3-dev libboost-graph-dev libtbb-dev nlohmann-json3-dev
          catch2 libcli11-dev librandom123-dev gnuplot-nox)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install_deps: all build dependencies present"
  exit 0
fi

echo "install_deps: installing ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1; then
  SUDO="sudo"
else
  echo "install_deps: missing packages (${missing[*]}) and not root; install them with apt-get" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
