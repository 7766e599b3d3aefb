#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole default test suite through ctest
# (unit, physics and CLI tests; a few minutes on 2 cores). Extra arguments go to ctest,
# e.g. `scripts/run_tests.sh -L validation` for the long validation runs.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh
scripts/build.sh
jobs=$(nproc 2>/dev/null || echo 2)
if [ $# -eq 0 ]; then
  set -- -LE validation
fi
ctest --test-dir build --output-on-failure -j "$jobs" "$@"
