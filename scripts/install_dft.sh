#!/usr/bin/env bash
# Installs the reference DFT code for the offline MLFF stage, if missing: the Debian 12
# packages cp2k (cp2k.psmp, MPI+OpenMP build), cp2k-data (GTH_POTENTIALS, BASIS_MOLOPT,
# dftd3.dat under /usr/share/cp2k) and openmpi-bin (mpirun). apt-get as root, or through
# sudo. Prints what it does; does nothing when everything is present. Optional: nothing in
# the build or the default tests needs CP2K (docs/cp2k.md).
set -euo pipefail

packages=(cp2k cp2k-data openmpi-bin)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install_dft: cp2k, cp2k-data and openmpi-bin present ($(command -v cp2k.psmp || echo 'cp2k.psmp not on PATH'))"
  exit 0
fi

echo "install_dft: installing ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1; then
  SUDO="sudo"
else
  echo "install_dft: missing packages (${missing[*]}) and not root; install them with apt-get" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
command -v cp2k.psmp >/dev/null 2>&1 || {
  echo "install_dft: installed, but cp2k.psmp is not on PATH" >&2
  exit 1
}
echo "install_dft: done ($(command -v cp2k.psmp))"
