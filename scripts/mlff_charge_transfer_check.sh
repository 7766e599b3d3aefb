#!/usr/bin/env bash
# Why one MLFF per charge state (issue 6): does a model of one charge state describe another?
# Splits the 12 CP2K-labelled V_I^- bootstrap frames into 6 + 6, fits a V_I^- model to the
# first six, and compares on the other six:
#   - that V_I^- model (held-out frames of its own charge state);
#   - the V_I^+ bootstrap model (16 frames) and the full V_I^+ model (scripts/fit_mlff_models.sh),
#     after relabelling the frames' charge to +1 (a model refuses other charges otherwise).
# Needs build/ionhop and examples/mlff/models/cspbi3_vi_plus.json. Seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
ionhop=${IONHOP:-build/ionhop}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - examples/mlff/dft/cspbi3_vi_minus_2x2x2_pbe_d3.extxyz "$work" <<'PY'
import sys
lines = open(sys.argv[1]).read().splitlines(True)
frames, i = [], 0
while i < len(lines):
    n = int(lines[i]); frames.append("".join(lines[i:i + n + 2])); i += n + 2
open(sys.argv[2] + "/train.extxyz", "w").write("".join(frames[:6]))
open(sys.argv[2] + "/test.extxyz", "w").write("".join(frames[6:]))
open(sys.argv[2] + "/test_as_plus.extxyz", "w").write(
    "".join(f.replace("charge=-1", "charge=1") for f in frames[6:]))
PY
"$ionhop" fit-mlff "$work/train.extxyz" --out "$work/vi_minus_6.json" >/dev/null
"$ionhop" fit-mlff examples/mlff/dft/cspbi3_vi_plus_2x2x2_pbe_d3.extxyz --out "$work/vi_plus_boot.json" >/dev/null
echo "== V_I^- model (6 V_I^- frames) on 6 held-out V_I^- frames"
"$ionhop" validate "$work/vi_minus_6.json" "$work/test.extxyz" | tail -3
echo "== V_I^+ bootstrap model (16 V_I^+ frames) on the same frames"
"$ionhop" validate "$work/vi_plus_boot.json" "$work/test_as_plus.extxyz" | tail -3
echo "== V_I^+ model (all V_I^+ frames) on the same frames"
"$ionhop" validate examples/mlff/models/cspbi3_vi_plus.json "$work/test_as_plus.extxyz" | tail -3
