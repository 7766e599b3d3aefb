#!/usr/bin/env bash
# CLI tests of the MLFF pipeline (never runs CP2K):
#   - make-training-structures (vacancy, neutral cell rattled + strained) → label-with-potential
#     (the illustrative pair potential: NOT DFT, only a known target) → fit-mlff → validate on a
#     held-out set (other seed): force MAE below a generous bound, JSON output;
#   - determinism of make-training-structures for one seed;
#   - bad inputs exit 2 with one line: dft-label (missing file, element without a GTH kind),
#     fit-mlff (empty training file, frames without forces), validate (element the model
#     does not know).
#
# Usage: mlff.sh IONHOP SOURCE_DIR
set -u
source "$(dirname "$0")/common.sh"

setup mlff 240 "$@"   # IONHOP, SRC, WORK, RUN (must stay empty on errors), OUT, TIMEOUT
POT=examples/potentials/cspbi3_buckingham_coulomb.json
LAT=lattices/cspbi3_cubic.json

# ---- make-training-structures --------------------------------------------------------------
run_ok "make-training-structures: 12 training frames" make_set 1 12 "$WORK/train.extxyz"
run_ok "make-training-structures: 4 test frames (other seed)" make_set 2 4 "$WORK/test.extxyz"
if [[ $(grep -c '^Lattice=' "$WORK/train.extxyz") -eq 12 && $(head -1 "$WORK/train.extxyz") -eq 39 ]] &&
  grep -q 'defect_position=' "$WORK/train.extxyz" && grep -q 'charge=1' "$WORK/train.extxyz"; then
  ok "12 frames of 39 atoms (40 - 1 vacancy), charge=1, defect_position"
else
  fail "12 frames of 39 atoms (40 - 1 vacancy), charge=1, defect_position" "$(head -2 "$WORK/train.extxyz")"
fi
make_set 1 12 "$WORK/again.extxyz" >/dev/null 2>&1
check "same seed, byte-identical structures" cmp -s "$WORK/train.extxyz" "$WORK/again.extxyz"
run_ok "make-training-structures: interstitial" "$IONHOP" make-training-structures --lattice $LAT \
  --defect interstitial --element I --charge -1 --count 1 --rattle-angstrom 0.05 --seed 3 \
  --out "$WORK/inter.extxyz"
[[ $(head -1 "$WORK/inter.extxyz") -eq 41 ]] && ok "interstitial cell has 41 atoms" ||
  fail "interstitial cell has 41 atoms" "$(head -1 "$WORK/inter.extxyz")"
# Random alloy: half of the 23 remaining iodides become Br (round(11.5) = 12), a different
# arrangement in each frame, same count; bad combinations exit 2.
run_ok "make-training-structures: random I/Br alloy" "$IONHOP" make-training-structures \
  --lattice lattices/cspb_i0.5br0.5_cubic.json --defect vacancy --element I --charge 1 --count 3 \
  --mix-element Br --mix-fraction 0.5 --seed 4 --out "$WORK/mix.extxyz"
if python3 - "$WORK/mix.extxyz" <<'PY'; then
import sys
lines = open(sys.argv[1]).read().split("\n")
frames, i = [], 0
while i < len(lines) and lines[i].strip():
    n = int(lines[i]); frames.append([l.split()[0] for l in lines[i + 2:i + 2 + n]]); i += n + 2
counts = [(f.count("Br"), f.count("I"), len(f)) for f in frames]
arrangements = {tuple(k for k, e in enumerate(f) if e == "Br") for f in frames}
sys.exit(0 if len(frames) == 3 and all(c == (12, 11, 39) for c in counts) and len(arrangements) == 3
         and "mix=Br:0.5" in lines[1] else 1)
PY
  ok "alloy frames: 12 Br + 11 I each, three different arrangements, recorded in source"
else
  fail "alloy frames: 12 Br + 11 I each, three different arrangements" "$(head -2 "$WORK/mix.extxyz")"
fi
expect_error "make-training-structures: --mix-fraction without --mix-element" \
  "needs --mix-element" -- "$IONHOP" make-training-structures --lattice $LAT --mix-fraction 0.5 \
  --out "$RUN/m.extxyz"
expect_error "make-training-structures: --mix-host absent" "no atom of element 'Br'" "--mix-host" \
  -- "$IONHOP" make-training-structures --lattice $LAT --mix-element Cl --mix-host Br \
  --mix-fraction 0.5 --out "$RUN/m.extxyz"

# ---- label with the pair potential (NOT DFT) → fit → validate ------------------------------
run_ok "label-with-potential train" "$IONHOP" label-with-potential "$WORK/train.extxyz" --potential $POT \
  --out "$WORK/train_l.extxyz"
run_ok "label-with-potential test" "$IONHOP" label-with-potential "$WORK/test.extxyz" --potential $POT \
  --out "$WORK/test_l.extxyz"
if run_ok "fit-mlff with --test" "$IONHOP" fit-mlff "$WORK/train_l.extxyz" --test "$WORK/test_l.extxyz" \
  --out "$WORK/model.json" --cutoff 5.5 --radial-order 6 --angular-order 2; then
  grep -q '^train' "$WORK/stdout" && grep -q '^test' "$WORK/stdout" && ok "fit-mlff prints train and test errors" ||
    fail "fit-mlff prints train and test errors" "$(cat "$WORK/stdout")"
  sed 's/^/       | /' "$WORK/stdout"
fi
# With a core repulsion switched off below the data's shortest distances (> 2.4 Å here), the
# training rows are unchanged: the same train errors, and the model file records it.
if run_ok "fit-mlff --core-repulsion-angstrom 1.8 2.4" "$IONHOP" fit-mlff "$WORK/train_l.extxyz" \
  --out "$WORK/model_core.json" --cutoff 5.5 --radial-order 6 --angular-order 2 \
  --core-repulsion-angstrom 1.8 2.4; then
  python3 - "$WORK/model.json" "$WORK/model_core.json" <<'PY' &&
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
ta, tb = a["training"], b["training"]
same = all(abs(ta[k] - tb[k]) <= 1e-9 * max(1.0, abs(ta[k])) for k in
           ("force_rmse_ev_per_angstrom", "energy_rmse_ev_per_atom"))
sys.exit(0 if same and b["core_repulsion"]["outer_angstrom"] == 2.4 and "core_repulsion" not in a else 1)
PY
  ok "the same training errors; core_repulsion recorded in the model file" ||
  fail "core repulsion: same training errors, recorded" "$(grep -o '"core_repulsion[^}]*}' "$WORK/model_core.json")"
fi
# An inner radius below the data's shortest distances changes the basis shape, not its span
# near the data: the fit still works (train force errors within 2x of the plain basis) and
# the model file records r_in.
if run_ok "fit-mlff --inner-radius-angstrom 2.0" "$IONHOP" fit-mlff "$WORK/train_l.extxyz" \
  --out "$WORK/model_inner.json" --cutoff 5.5 --radial-order 6 --angular-order 2 \
  --inner-radius-angstrom 2.0; then
  python3 - "$WORK/model.json" "$WORK/model_inner.json" <<'PY' &&
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
ratio = b["training"]["force_rmse_ev_per_angstrom"] / a["training"]["force_rmse_ev_per_angstrom"]
print("       train force RMSE, inner radius / plain: %.3f" % ratio)
sys.exit(0 if 0.5 < ratio < 2 and b["descriptor"]["inner_radius_angstrom"] == 2.0
         and "inner_radius_angstrom" not in a["descriptor"] else 1)
PY
  ok "inner radius: comparable training errors; inner_radius_angstrom recorded in the model file" ||
  fail "inner radius: training errors, recorded" "$(grep -o '"descriptor[^}]*}' "$WORK/model_inner.json")"
fi
if run_ok "validate --json on the held-out set" "$IONHOP" validate "$WORK/model.json" "$WORK/test_l.extxyz" \
  --near-defect-angstrom 5 --json; then
  cp "$WORK/stdout" "$WORK/validate.json"
  sed 's/^/       | /' "$WORK/validate.json"
  # Generous bound: the pair-potential forces on these cells are O(1 eV/A); the fit
  # reproduces them to ~5 meV/A (R^2 ~ 0.998) here.
  if python3 - "$WORK/validate.json" <<'PY'; then
import json, sys
m = json.load(open(sys.argv[1]))
ok = (m["force_mae_mev_per_angstrom"] < 100 and m["force_r2"] > 0.95 and m["structures"] == 4
      and m["near_defect_atoms"] > 0 and m["near_defect_force_mae_mev_per_angstrom"] is not None)
sys.exit(0 if ok else 1)
PY
    ok "held-out force MAE < 100 meV/A, R^2 > 0.95, near-defect atoms counted"
  else
    fail "held-out force MAE < 100 meV/A, R^2 > 0.95, near-defect atoms counted"
  fi
fi
run_ok "validate (text)" "$IONHOP" validate "$WORK/model.json" "$WORK/test_l.extxyz" &&
  grep -q 'within 5.00 A of the defect' "$WORK/stdout" && ok "validate text reports near-defect MAE" ||
  fail "validate text reports near-defect MAE" "$(cat "$WORK/stdout")"

# ---- dft-label resume without CP2K: every frame already labelled or recorded as failed -------
make_set 5 3 "$WORK/r.extxyz" >/dev/null 2>&1
head -n $((2 * 41)) "$WORK/r.extxyz" | sed 's/training_frame=\([0-9]*\)/training_frame=\1 dft_source_frame=\1/' \
  >"$WORK/r_dft.extxyz"
printf '{"schema": "ionhop.dft_label_failures/1", "failures": [{"frame": 2, "failure": "test"}]}\n' \
  >"$WORK/r_dft.failed.json"
# dft_label_without_cp2k DESC EXPECTED_RC SUMMARY [OPTIONS...]: dft-label on r.extxyz, whose
# selected frames are all labelled or failed already: no CP2K run (no work directory), the
# expected exit code and summary line.
dft_label_without_cp2k() {
  local desc=$1 want_rc=$2 summary=$3
  shift 3
  "${TIMEOUT[@]}" "$IONHOP" dft-label "$WORK/r.extxyz" --out "$WORK/r_dft.extxyz" \
    --work "$WORK/r_work" "$@" >"$WORK/stdout" 2>"$WORK/stderr"
  local rc=$?
  if [[ $rc -eq $want_rc ]] && grep -q "$summary" "$WORK/stdout" && [[ ! -e $WORK/r_work ]]; then
    ok "$desc"
  else
    fail "$desc" "exit $rc" "$(cat "$WORK/stdout" "$WORK/stderr")"
  fi
}
dft_label_without_cp2k "dft-label resume: labelled and failed frames skipped, no CP2K run, exit 3 (a failure recorded)" \
  3 '0 labelled, 0 failed, 3 skipped'
# --frames: only the selected source frames count; a failure outside the range does not.
dft_label_without_cp2k "dft-label --frames 0:2: both labelled frames skipped, the failure outside the range ignored, exit 0" \
  0 '0 labelled, 0 failed, 2 skipped' --frames 0:2
dft_label_without_cp2k "dft-label --frames 1:3: the recorded failure inside the range gives exit 3" \
  3 '0 labelled, 0 failed, 2 skipped' --frames 1:3

# ---- select-uncertain: strongly rattled copies leave the domain, the training frames do not ----
"${TIMEOUT[@]}" "$IONHOP" make-training-structures --lattice $LAT --supercell 2 2 2 --defect vacancy \
  --element I --charge 1 --count 3 --rattle-angstrom 0.6 --seed 9 --out "$WORK/wild.extxyz" >/dev/null 2>&1
if run_ok "select-uncertain over two files" "$IONHOP" select-uncertain "$WORK/model.json" \
  "$WORK/train.extxyz" "$WORK/wild.extxyz" --per-file 2 --out "$WORK/selected.extxyz"; then
  sed 's/^/       | /' "$WORK/stdout"
  if [[ $(grep -c '^Lattice=' "$WORK/selected.extxyz") -eq 2 ]] &&
    [[ $(grep -c 'selected_from=.*wild.extxyz' "$WORK/selected.extxyz") -eq 2 ]] &&
    ! grep -q 'energy=' "$WORK/selected.extxyz"; then
    ok "two wild frames selected (the per-file cap), none of the training frames, no energies"
  else
    fail "two wild frames selected (the per-file cap), none of the training frames" "$(cat "$WORK/stdout")"
  fi
fi
run_ok "select-uncertain: nothing above the threshold" "$IONHOP" select-uncertain "$WORK/model.json" \
  "$WORK/train.extxyz" --out "$WORK/none.extxyz"
[[ ! -e $WORK/none.extxyz ]] && grep -q 'nothing selected' "$WORK/stdout" &&
  ok "no file when nothing is selected" || fail "no file when nothing is selected" "$(cat "$WORK/stdout")"
expect_error "select-uncertain: missing candidate file" "none.extxyz" "no such file" -- \
  "$IONHOP" select-uncertain "$WORK/model.json" "$RUN/none.extxyz" --out "$OUT.extxyz"

# ---- sample-barriers /training_domain: bands stopped where the model becomes uncertain --------
# The test campaign (pair potential) rewritten for the fitted model: with a threshold no image
# can meet, the first band check (step 0) stops every band; the sample fails with that reason
# and its path is the band as it was, which select-uncertain then picks from. With a
# threshold no image reaches, no band is stopped (the step limit of 5 ends it instead). With
# endpoint relaxation on, the guard watches it too and stops the initial endpoint at once.
guarded_campaign() {  # guarded_campaign THRESHOLD POTENTIAL OUT_JSON [RELAX_ENDPOINTS]
  python3 - "$SRC/tests/data/good/barriers/campaign_cspbi3_iodide.json" "$1" "$2" "$3" "${4:-0}" <<'PY'
import json, os, sys
src, threshold, potential, out, relax = sys.argv[1:]
c = json.load(open(src))
here = os.path.dirname(os.path.abspath(src))
c["lattice"] = os.path.normpath(os.path.join(here, c["lattice"]))
c["potential"] = os.path.abspath(potential)
c["sampling"]["repeats"] = 1
c["neb"]["max_steps"] = 5
c["neb"]["relax_endpoints"] = relax == "1"  # the 12-frame model cannot relax them
c["training_domain"] = {"stop_band_above_ev_per_angstrom": float(threshold), "check_every_steps": 2}
json.dump(c, open(out, "w"), indent=2)
PY
}
guarded_campaign 1e-9 "$WORK/model.json" "$WORK/guard_tight.json"
guarded_campaign 1e9 "$WORK/model.json" "$WORK/guard_loose.json"
guarded_campaign 1e-9 "$WORK/model.json" "$WORK/guard_endpoint.json" 1
guarded_campaign 0.25 "$POT" "$WORK/guard_pair.json"
guarded_campaign -1 "$WORK/model.json" "$WORK/guard_negative.json"
if run_ok "sample-barriers with a guard no image meets" "$IONHOP" sample-barriers \
  "$WORK/guard_tight.json" --out "$WORK/guard_tight" --threads 1; then
  if grep -q 'FAILED: band stopped at step 0: 5 of 5 images left the MLFF' "$WORK/stdout" &&
    [[ $(grep -c '^Lattice=' "$WORK/guard_tight/paths/0000.extxyz") -eq 5 ]]; then
    ok "the band stops at its first check, the sample fails with the reason, its path is written"
  else
    fail "the band stops at its first check" "$(cat "$WORK/stdout")"
  fi
  run_ok "select-uncertain over the stopped band" "$IONHOP" select-uncertain "$WORK/model.json" \
    "$WORK/guard_tight/paths/0000.extxyz" --threshold-ev-per-angstrom 1e-9 --out "$WORK/guard_selected.extxyz" &&
    [[ $(grep -c '^Lattice=' "$WORK/guard_selected.extxyz") -eq 1 ]] &&
    ok "one image of the stopped band selected for DFT" ||
    fail "one image of the stopped band selected for DFT" "$(cat "$WORK/stdout")"
fi
if run_ok "sample-barriers with a guard that no endpoint meets" "$IONHOP" sample-barriers \
  "$WORK/guard_endpoint.json" --out "$WORK/guard_endpoint" --threads 1; then
  grep -q 'FAILED: NEB endpoint initial stopped at relaxation step 0: 1 of 1 images left the MLFF' \
    "$WORK/stdout" && [[ $(grep -c '^Lattice=' "$WORK/guard_endpoint/paths/0000.extxyz") -eq 1 ]] &&
    ok "the endpoint relaxation stops at its first check; the endpoint is the sample's path" ||
    fail "the endpoint relaxation stops at its first check" "$(cat "$WORK/stdout")"
fi
run_ok "sample-barriers with a guard no image reaches" "$IONHOP" sample-barriers \
  "$WORK/guard_loose.json" --out "$WORK/guard_loose" --threads 1 &&
  ! grep -q 'band stopped' "$WORK/stdout" && grep -q 'did not converge.*after 5 steps' "$WORK/stdout" &&
  ok "no band stopped: the step limit ends it" || fail "no band stopped" "$(cat "$WORK/stdout")"
expect_error "sample-barriers: /training_domain with a pair potential" "$WORK/guard_pair.json" \
  "/training_domain" "needs an MLFF" -- "$IONHOP" sample-barriers "$WORK/guard_pair.json" --out "$RUN/c"
expect_error "sample-barriers: negative /training_domain threshold" "$WORK/guard_negative.json" \
  "/training_domain/stop_band_above_ev_per_angstrom" -- \
  "$IONHOP" sample-barriers "$WORK/guard_negative.json" --out "$RUN/c"

# ---- bad inputs ----------------------------------------------------------------------------
expect_error "dft-label: missing file" "$RUN/none.extxyz" "no such file" \
  -- "$IONHOP" dft-label "$RUN/none.extxyz" --out "$OUT.extxyz"
printf '1\nLattice="6 0 0 0 6 0 0 0 6" Properties=species:S:1:pos:R:3 pbc="T T T"\nNa 0 0 0\n' >"$WORK/na.extxyz"
expect_error "dft-label: element without a GTH kind" "$WORK/na.extxyz" "frame 1" "Na" \
  -- "$IONHOP" dft-label "$WORK/na.extxyz" --out "$OUT.extxyz"
expect_error "dft-label --charge-from-info: frame without charge=" "$WORK/na.extxyz" "charge=" \
  -- "$IONHOP" dft-label "$WORK/na.extxyz" --out "$OUT.extxyz" --charge-from-info
expect_error "dft-label --cutoff-ry 0" "--cutoff-ry" \
  -- "$IONHOP" dft-label "$WORK/na.extxyz" --out "$OUT.extxyz" --cutoff-ry 0
expect_error "dft-label --frames past the end" "--frames" "r.extxyz has 3 frame(s)" \
  -- "$IONHOP" dft-label "$WORK/r.extxyz" --out "$OUT.extxyz" --frames 3:9
expect_error "dft-label --frames empty range" "--frames" "selects no frame" \
  -- "$IONHOP" dft-label "$WORK/r.extxyz" --out "$OUT.extxyz" --frames 2:2
expect_error "dft-label --frames not a number" "--frames" "not a frame index" \
  -- "$IONHOP" dft-label "$WORK/r.extxyz" --out "$OUT.extxyz" --frames a:3
expect_error "dft-label --frames without a colon" "--frames" "FIRST:LAST" \
  -- "$IONHOP" dft-label "$WORK/r.extxyz" --out "$OUT.extxyz" --frames 3
: >"$WORK/empty.extxyz"
expect_error "fit-mlff: empty training file" "$WORK/empty.extxyz" "no frame" \
  -- "$IONHOP" fit-mlff "$WORK/empty.extxyz" --out "$OUT.json"
expect_error "fit-mlff: frames without forces" "$WORK/train.extxyz" "frame 1" "no" \
  -- "$IONHOP" fit-mlff "$WORK/train.extxyz" --out "$OUT.json"
expect_error "fit-mlff: missing file" "$RUN/none.extxyz" "no such file" \
  -- "$IONHOP" fit-mlff "$RUN/none.extxyz" --out "$OUT.json"
expect_error "fit-mlff: core repulsion inner above outer" "--core-repulsion-angstrom" "INNER < OUTER" \
  -- "$IONHOP" fit-mlff "$WORK/train_l.extxyz" --out "$OUT.json" --core-repulsion-angstrom 2.4 1.8
expect_error "fit-mlff: inner radius at the cutoff" "--inner-radius-angstrom" "below --cutoff" \
  -- "$IONHOP" fit-mlff "$WORK/train_l.extxyz" --out "$OUT.json" --cutoff 5 --inner-radius-angstrom 5
"$IONHOP" make-training-structures --lattice lattices/cspbbr3_cubic.json --count 1 --seed 1 \
  --out "$WORK/br.extxyz" >/dev/null 2>&1
# (the element check comes before the label check: unlabelled CsPbBr3 frames suffice)
if [[ -s $WORK/model.json && -s $WORK/br.extxyz ]]; then
  expect_error "validate: element the model does not know" "$WORK/br.extxyz" "Br" "does not know" \
    -- "$IONHOP" validate "$WORK/model.json" "$WORK/br.extxyz"
else
  fail "validate: element the model does not know (setup failed)"
fi
expect_error "make-training-structures: element not in the lattice" "Xe" \
  -- "$IONHOP" make-training-structures --lattice $LAT --defect vacancy --element Xe --out "$OUT.extxyz"

finish
