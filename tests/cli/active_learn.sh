#!/usr/bin/env bash
# CLI tests of `ionhop active-learn` (never runs CP2K: the reference is the illustrative pair
# potential, "code": "potential"):
#   - a short run writes labelled.extxyz, model.json, checkpoint.json, uncertainty.csv and
#     summary.json; every label's recorded uncertainty is above the threshold; the budget holds;
#   - rerunning the finished command resumes (nothing new to do) and leaves the labels as they are;
#   - the same directory with another config is refused;
#   - bad configs (unknown key, wrong reference code, missing start file, charge mismatch)
#     exit 2 with one line and create nothing.
#
# Usage: active_learn.sh IONHOP SOURCE_DIR
set -u
source "$(dirname "$0")/common.sh"

setup active_learn 240 "$@"   # IONHOP, SRC, WORK, RUN (must stay empty on errors), OUT, TIMEOUT
POT=$SRC/examples/potentials/cspbi3_buckingham_coulomb.json
LAT=lattices/cspbi3_cubic.json

"$IONHOP" make-training-structures --lattice $LAT --supercell 2 2 2 --defect vacancy --element I \
  --charge 1 --count 4 --rattle-angstrom 0.1 --seed 1 --out "$WORK/boot.extxyz" >/dev/null &&
  "$IONHOP" label-with-potential "$WORK/boot.extxyz" --potential "$POT" --out "$WORK/train.extxyz" >/dev/null &&
  "$IONHOP" make-training-structures --lattice $LAT --supercell 2 2 2 --defect vacancy --element I \
    --charge 1 --count 1 --rattle-angstrom 0 --seed 1 --out "$WORK/start.extxyz" >/dev/null ||
  { fail "set-up (training frames)"; finish; exit; }

config() {  # config FILE [EXTRA_TOP_LEVEL_JSON] [START] [CODE]
  cat >"$1" <<JSON
{"schema": "ionhop.active_learning/1", ${2:-}
 "training": ["train.extxyz"],
 "start": {"structure": "${3:-start.extxyz}"},
 "descriptor": {"radial_order": 6, "angular_radial_order": 3, "angular_order": 2},
 "fit": {"ridge_lambda": 1e-3},
 "md": {"temperatures_k": [650], "steps_per_temperature": 150, "timestep_fs": 2, "seed": 1},
 "selection": {"force_uncertainty_threshold_ev_per_angstrom": 0.25},
 "reference": {"code": "${4:-potential}", "potential": "$POT", "budget": 3}}
JSON
}

config "$WORK/al.json"
"${TIMEOUT[@]}" "$IONHOP" active-learn "$WORK/al.json" --out "$WORK/al" >"$WORK/stdout" 2>"$WORK/stderr"
rc=$?
if [[ $rc -eq 0 && ! -s $WORK/stderr ]]; then ok "active-learn runs"; else
  fail "active-learn runs" "exit $rc" "$(cat "$WORK/stderr")" "$(tail -5 "$WORK/stdout")"; fi
for f in labelled.extxyz model.json checkpoint.json uncertainty.csv summary.json; do
  check "writes $f" test -s "$WORK/al/$f"
done
labels=$(grep -c '^Lattice=' "$WORK/al/labelled.extxyz" 2>/dev/null || echo 0)
if [[ $labels -ge 1 && $labels -le 3 ]]; then ok "1 to 3 labels within the budget of 3 ($labels)"; else
  fail "1 to 3 labels within the budget of 3" "got $labels"; fi
above=$(grep -o 'al_force_uncertainty_ev_per_angstrom=[0-9.e+-]*' "$WORK/al/labelled.extxyz" |
  awk -F= '$2 <= 0.25 {n++} END {print n+0}')
check "every label was above the threshold" test "$above" -eq 0
check "labels carry the reference potential" grep -q 'label_potential=' "$WORK/al/labelled.extxyz"
check "the model file is an MLFF potential for neb/md" grep -q '"ionhop.mlff/1"' "$WORK/al/model.json"

cp "$WORK/al/labelled.extxyz" "$WORK/labelled.before"
"${TIMEOUT[@]}" "$IONHOP" active-learn "$WORK/al.json" --out "$WORK/al" >"$WORK/stdout" 2>"$WORK/stderr"
if [[ $? -eq 0 ]] && grep -q '^resuming' "$WORK/stdout" && cmp -s "$WORK/al/labelled.extxyz" "$WORK/labelled.before"; then
  ok "rerun resumes and keeps the labels"
else
  fail "rerun resumes and keeps the labels" "$(cat "$WORK/stderr")" "$(head -3 "$WORK/stdout")"
fi

config "$WORK/other.json" '"description": "another run",'
"${TIMEOUT[@]}" "$IONHOP" active-learn "$WORK/other.json" --out "$WORK/al" >"$WORK/stdout" 2>"$WORK/stderr"
rc=$?
if [[ $rc -eq 2 && $(wc -l <"$WORK/stderr") -eq 1 ]] && grep -q 'another config' "$WORK/stderr"; then
  ok "another config in the same directory is refused"
else
  fail "another config in the same directory is refused" "exit $rc" "$(cat "$WORK/stderr")"
fi

config "$WORK/bad_key.json" '"temperature": 300,'
expect_error "unknown key" "bad_key.json" "temperature" -- "$IONHOP" active-learn "$WORK/bad_key.json" --out "$OUT"
config "$WORK/bad_code.json" "" start.extxyz vasp
expect_error "unknown reference code" "/reference/code" "vasp" -- "$IONHOP" active-learn "$WORK/bad_code.json" --out "$OUT"
config "$WORK/bad_start.json" "" missing.extxyz
expect_error "missing start structure" "/start/structure" "no such file" -- "$IONHOP" active-learn "$WORK/bad_start.json" --out "$OUT"
# smearing_k is a CP2K setting: refused with the pair-potential reference; negative refused.
sed 's/"budget": 3}/"budget": 3, "smearing_k": 300}/' "$WORK/al.json" >"$WORK/bad_smear.json"
expect_error "smearing_k with a potential reference" "/reference/smearing_k" "only for" -- \
  "$IONHOP" active-learn "$WORK/bad_smear.json" --out "$OUT"
sed 's/"code": "potential", "potential": "[^"]*",/"code": "cp2k",/; s/"budget": 3}/"budget": 3, "smearing_k": -1}/' \
  "$WORK/al.json" >"$WORK/bad_smear2.json"
expect_error "negative smearing_k" "/reference/smearing_k" -- \
  "$IONHOP" active-learn "$WORK/bad_smear2.json" --out "$OUT"
"$IONHOP" make-training-structures --lattice $LAT --supercell 2 2 2 --defect vacancy --element I \
  --charge 0 --count 1 --rattle-angstrom 0 --seed 1 --out "$WORK/neutral.extxyz" >/dev/null
config "$WORK/bad_charge.json" "" neutral.extxyz
expect_error "start charge differs from the training frames" "charge" -- "$IONHOP" active-learn "$WORK/bad_charge.json" --out "$OUT"

finish
