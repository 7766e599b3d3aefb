#!/usr/bin/env bash
# Refits the shipped MLFF models from the committed DFT frames (seconds; the fit is
# deterministic, so the weights are the same every time). The model files are not tracked:
# the posterior factor makes them ~11 MB each.
set -euo pipefail
cd "$(dirname "$0")/.."
ionhop=${IONHOP:-build/ionhop}
runs=examples/mlff/active_learning/runs
mkdir -p examples/mlff/models
"$ionhop" fit-mlff examples/mlff/dft/cspbi3_vi_plus_2x2x2_pbe_d3.extxyz \
  $runs/cspbi3_vi_plus/labelled.extxyz $runs/cspbi3_vi_plus_stage{2,3,4,5}/labelled.extxyz \
  --out examples/mlff/models/cspbi3_vi_plus.json
