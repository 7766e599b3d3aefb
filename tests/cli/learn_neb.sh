#!/usr/bin/env bash
# CLI tests of `ionhop learn-neb` (never runs CP2K: the reference is the illustrative pair
# potential, "code": "potential"):
#   - a short run on the 2x2x2 CsPbI3 vacancy hop writes labelled.extxyz, model.json,
#     checkpoint.json, uncertainty.csv, path.extxyz and neb.json; every label's recorded
#     uncertainty is above the threshold; the budget holds; mirror-symmetric endpoints give
#     equal forward and backward barriers; the default endpoints are "shared_host";
#   - rerunning the finished command resumes and leaves the labels as they are;
#   - the same directory with another config is refused;
#   - bad configs (unknown key, symmetrize_rattle without mirror endpoints, an interstitial
#     hop with shared-host endpoints, an unknown endpoint mode, a charge differing from the
#     training frames, missing NEB config) exit 2 with one line and create nothing.
#
# Usage: learn_neb.sh IONHOP SOURCE_DIR
set -u
source "$(dirname "$0")/common.sh"

setup learn_neb 240 "$@"   # IONHOP, SRC, WORK, RUN (must stay empty on errors), OUT, TIMEOUT
POT=$SRC/examples/potentials/cspbi3_buckingham_coulomb.json
LAT=$SRC/lattices/cspbi3_cubic.json

"$IONHOP" make-training-structures --lattice $LAT --supercell 2 2 2 --defect vacancy --element I \
  --charge 1 --count 4 --rattle-angstrom 0.1 --seed 1 --out "$WORK/boot.extxyz" >/dev/null &&
  "$IONHOP" label-with-potential "$WORK/boot.extxyz" --potential "$POT" --out "$WORK/train.extxyz" >/dev/null ||
  { fail "set-up (training frames)"; finish; exit; }

VACANCY_HOP='{"mechanism": "vacancy", "sublattice": "X", "shell": "X-X", "hop": 0}'
hop() {  # hop FILE [HOP_JSON] [CHARGE]
  local h=${2:-$VACANCY_HOP}
  cat >"$1" <<JSON
{"schema": "ionhop.neb/1", "lattice": "$LAT", "supercell": [2, 2, 2], "charge_e": ${3:-1},
 "hop": $h,
 "neb": {"images": 3, "max_steps": 600, "endpoint_force_tolerance_ev_per_angstrom": 0.02,
         "endpoint_max_steps": 3000},
 "rattle_angstrom": 0.05, "rattle_seed": 1}
JSON
}
config() {  # config FILE [EXTRA_TOP_LEVEL_JSON] [NEB_FILE]
  cat >"$1" <<JSON
{"schema": "ionhop.neb_learning/1", ${2:-}
 "training": ["train.extxyz"],
 "neb": "${3:-hop.json}",
 "descriptor": {"radial_order": 6, "angular_radial_order": 3, "angular_order": 2},
 "fit": {"ridge_lambda": 1e-3},
 "selection": {"force_uncertainty_threshold_ev_per_angstrom": 0.25, "check_every_steps": 5},
 "reference": {"code": "potential", "potential": "$POT", "budget": 4}}
JSON
}

hop "$WORK/hop.json"
config "$WORK/nl.json" '"endpoints": "mirror",'
"${TIMEOUT[@]}" "$IONHOP" learn-neb "$WORK/nl.json" --out "$WORK/nl" >"$WORK/stdout" 2>"$WORK/stderr"
rc=$?
# 0: a trusted band; 3: the budget ran out first (results written either way).
if [[ ($rc -eq 0 || $rc -eq 3) && ! -s $WORK/stderr ]]; then ok "learn-neb runs (exit $rc)"; else
  fail "learn-neb runs" "exit $rc" "$(cat "$WORK/stderr")" "$(tail -5 "$WORK/stdout")"; fi
for f in labelled.extxyz model.json checkpoint.json uncertainty.csv path.extxyz neb.json learning.json; do
  check "writes $f" test -s "$WORK/nl/$f"
done
labels=$(grep -c '^Lattice=' "$WORK/nl/labelled.extxyz" 2>/dev/null || echo 0)
if [[ $labels -ge 1 && $labels -le 4 ]]; then ok "1 to 4 labels within the budget of 4 ($labels)"; else
  fail "1 to 4 labels within the budget of 4" "got $labels"; fi
above=$(grep -o 'al_force_uncertainty_ev_per_angstrom=[0-9.e+-]*' "$WORK/nl/labelled.extxyz" |
  awk -F= '$2 <= 0.25 {n++} END {print n+0}')
check "every label was above the threshold" test "$above" -eq 0
check "labels name where they were taken" grep -q 'al_source="learn-neb ' "$WORK/nl/labelled.extxyz"
check "neb.json records the learning" grep -q '"band_starts"' "$WORK/nl/neb.json"
if [[ $rc -eq 0 ]]; then
  # Mirror-symmetric endpoints: the band joins two equivalent minima.
  python3 - "$WORK/nl/neb.json" <<'PY' && ok "forward = backward barrier (symmetric endpoints)" || fail "forward = backward barrier (symmetric endpoints)"
import json, sys
r = json.load(open(sys.argv[1]))
sys.exit(0 if abs(r["forward_barrier_ev"] - r["backward_barrier_ev"]) < 1e-6 else 1)
PY
fi

# The default endpoints ("shared_host"): one host, so the final endpoint is relaxed too.
config "$WORK/sh.json"
"${TIMEOUT[@]}" "$IONHOP" learn-neb "$WORK/sh.json" --out "$WORK/sh" >"$WORK/stdout" 2>"$WORK/stderr"
rc_sh=$?
if [[ ($rc_sh -eq 0 || $rc_sh -eq 3) && ! -s $WORK/stderr ]] && grep -q '"endpoints": "shared_host"' "$WORK/sh/learning.json"; then
  ok "shared-host endpoints by default (exit $rc_sh)"
else
  fail "shared-host endpoints by default" "exit $rc_sh" "$(cat "$WORK/stderr")" "$(tail -3 "$WORK/stdout")"
fi

cp "$WORK/nl/labelled.extxyz" "$WORK/labelled.before"
"${TIMEOUT[@]}" "$IONHOP" learn-neb "$WORK/nl.json" --out "$WORK/nl" >"$WORK/stdout" 2>"$WORK/stderr"
rc2=$?
if [[ $rc2 -eq $rc ]] && grep -q '^resuming' "$WORK/stdout" && cmp -s "$WORK/nl/labelled.extxyz" "$WORK/labelled.before"; then
  ok "rerun resumes and keeps the labels"
else
  fail "rerun resumes and keeps the labels" "exit $rc2" "$(cat "$WORK/stderr")" "$(head -3 "$WORK/stdout")"
fi

config "$WORK/other.json" '"description": "another run",'
"${TIMEOUT[@]}" "$IONHOP" learn-neb "$WORK/other.json" --out "$WORK/nl" >"$WORK/stdout" 2>"$WORK/stderr"
rc=$?
if [[ $rc -eq 2 && $(wc -l <"$WORK/stderr") -eq 1 ]] && grep -q 'another config' "$WORK/stderr"; then
  ok "another config in the same directory is refused"
else
  fail "another config in the same directory is refused" "exit $rc" "$(cat "$WORK/stderr")"
fi

config "$WORK/bad_key.json" '"images": 5,'
expect_error "unknown key" "bad_key.json" "images" -- "$IONHOP" learn-neb "$WORK/bad_key.json" --out "$OUT"
config "$WORK/bad_sym.json" '"endpoints": "shared_host", "symmetrize_rattle": true,'
expect_error "symmetrize_rattle without mirror endpoints" "/symmetrize_rattle" "mirror" -- "$IONHOP" learn-neb "$WORK/bad_sym.json" --out "$OUT"
hop "$WORK/hop_interstitial.json" '{"mechanism": "interstitial", "sublattice": "X", "shell": "X-X", "hop": 0, "interstitial_element": "I", "interstitial_delta_angstrom": 1.4, "axis_sublattice": "B"}'
config "$WORK/bad_mirror.json" "" hop_interstitial.json
expect_error "shared-host endpoints for an interstitial hop (several atoms move)" "/endpoints" "one-atom" -- "$IONHOP" learn-neb "$WORK/bad_mirror.json" --out "$OUT"
hop "$WORK/hop_neutral.json" "" 0
config "$WORK/bad_charge.json" "" hop_neutral.json
expect_error "hop charge differs from the training frames" "/charge_e" "one model per charge state" -- "$IONHOP" learn-neb "$WORK/bad_charge.json" --out "$OUT"
config "$WORK/bad_mode.json" '"endpoints": "symmetric",'
expect_error "unknown endpoint mode" "/endpoints" "unknown endpoint mode" -- "$IONHOP" learn-neb "$WORK/bad_mode.json" --out "$OUT"
config "$WORK/bad_neb.json" "" missing.json
expect_error "missing NEB config" "/neb" "no such file" -- "$IONHOP" learn-neb "$WORK/bad_neb.json" --out "$OUT"
for core in '[2.4, 1.8]' '[2.4]'; do
  config "$WORK/bad_core.json"
  sed -i "s#\"fit\": {\"ridge_lambda\": 1e-3}#\"fit\": {\"ridge_lambda\": 1e-3, \"core_repulsion_angstrom\": $core}#" \
    "$WORK/bad_core.json"
  expect_error "core_repulsion_angstrom $core" "/fit/core_repulsion_angstrom" -- \
    "$IONHOP" learn-neb "$WORK/bad_core.json" --out "$OUT"
done
config "$WORK/bad_inner.json"
sed -i 's#"angular_order": 2}#"angular_order": 2, "inner_radius_angstrom": 9}#' "$WORK/bad_inner.json"
expect_error "descriptor inner radius above the cutoff" "/descriptor/inner_radius_angstrom" \
  "below cutoff_angstrom" -- "$IONHOP" learn-neb "$WORK/bad_inner.json" --out "$OUT"

finish
