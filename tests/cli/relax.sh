#!/usr/bin/env bash
# CLI tests of `ionhop relax` (pair potential and a small MLFF fitted to it; 39-atom V_I^+
# cell of CsPbI3):
#   - a relaxation converges: every movable atom's force in the written frame is below
#     --fmax, the energy is below the start's (--max-steps 0 evaluates the start), and the
#     frame carries relax_* info; same input, byte-identical output;
#   - a frozen host (--centre-atom, --free-within-angstrom): the fixed atoms are exactly the
#     ones farther than the radius and keep their input positions; --confirm-minimum;
#   - an MLFF stops where it is uncertain (exit 3, relax_stopped=T), unless --no-domain-stop;
#   - bad inputs exit 2 with one line and write nothing.
#
# Usage: relax.sh IONHOP SOURCE_DIR
set -u
source "$(dirname "$0")/common.sh"

setup relax 240 "$@"   # IONHOP, SRC, WORK, RUN (must stay empty on errors), OUT, TIMEOUT
POT=examples/potentials/cspbi3_buckingham_coulomb.json

# info VALUE of KEY on the comment line of a one-frame extxyz.
info() { sed -n 2p "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
# Largest |F| over the atoms whose fixed flag (column 8, if present) is not T.
max_free_force() {
  awk 'NR > 2 && $8 != "T" { f = sqrt($5 * $5 + $6 * $6 + $7 * $7); if (f > m) m = f } END { printf "%.6g", m }' "$1"
}

run_ok "make-training-structures: a rattled start" make_set 5 1 "$WORK/start.extxyz"

# ---- a free relaxation ---------------------------------------------------------------------
if run_ok "relax: pair potential, converged" "$IONHOP" relax --potential $POT \
  --structure "$WORK/start.extxyz" --fmax 0.01 --out "$WORK/relaxed.extxyz"; then
  f=$(max_free_force "$WORK/relaxed.extxyz")
  check "every force of the written frame below --fmax (max $f eV/A)" awk -v f="$f" 'BEGIN { exit !(f < 0.01) }'
  check "relax_converged=T, relax_stopped=F, relax_steps > 0" \
    test "$(info relax_converged "$WORK/relaxed.extxyz")" = T -a \
    "$(info relax_stopped "$WORK/relaxed.extxyz")" = F -a "$(info relax_steps "$WORK/relaxed.extxyz")" -gt 0
  run_ok "relax --max-steps 0 evaluates the start" "$IONHOP" relax --potential $POT \
    --structure "$WORK/start.extxyz" --max-steps 0 --fmax 100 --out "$WORK/start_e.extxyz"
  e0=$(info energy "$WORK/start_e.extxyz")
  e1=$(info energy "$WORK/relaxed.extxyz")
  check "relaxed energy $e1 below the start's $e0" awk -v a="$e1" -v b="$e0" 'BEGIN { exit !(a < b - 0.01) }'
  "${TIMEOUT[@]}" "$IONHOP" relax --potential $POT --structure "$WORK/start.extxyz" --fmax 0.01 \
    --out "$WORK/again.extxyz" >/dev/null 2>&1
  check "same input, byte-identical output" cmp -s "$WORK/relaxed.extxyz" "$WORK/again.extxyz"
fi

# ---- a frozen host -------------------------------------------------------------------------
if run_ok "relax: frozen host beyond 4.5 A of atom 0, --confirm-minimum" "$IONHOP" relax \
  --potential $POT --structure "$WORK/start.extxyz" --centre-atom 0 --free-within-angstrom 4.5 \
  --confirm-minimum --out "$WORK/frozen.extxyz"; then
  # Expected fixed atoms: minimum-image distance from atom 0 (the input) above 4.5 A (cubic cell).
  expected=$(awk 'NR == 2 { match($0, /Lattice="[^"]*"/); split(substr($0, RSTART + 9, RLENGTH - 10), c, " "); L = c[1] }
    NR == 3 { x0 = $2; y0 = $3; z0 = $4 }
    NR > 2 { dx = $2 - x0; dy = $3 - y0; dz = $4 - z0
             dx -= L * int(dx / L + (dx > 0 ? 0.5 : -0.5)); dy -= L * int(dy / L + (dy > 0 ? 0.5 : -0.5))
             dz -= L * int(dz / L + (dz > 0 ? 0.5 : -0.5))
             printf "%s", (sqrt(dx * dx + dy * dy + dz * dz) > 4.5 ? "T" : "F") }' "$WORK/start.extxyz")
  got=$(awk 'NR > 2 { printf "%s", $8 }' "$WORK/frozen.extxyz")
  check "fixed atoms: exactly those farther than 4.5 A ($(tr -cd T <<<"$got" | wc -c) of 39)" test "$got" = "$expected"
  moved=$(paste <(awk 'NR > 2 { print $2, $3, $4 }' "$WORK/start.extxyz") \
    <(awk 'NR > 2 { print $2, $3, $4, $8 }' "$WORK/frozen.extxyz") |
    awk '$7 == "T" && ($1 != $4 || $2 != $5 || $3 != $6) { n++ } END { print n + 0 }')
  check "fixed atoms keep their input positions ($moved moved)" test "$moved" -eq 0
  check "relax_minimum_confirmed=T" test "$(info relax_minimum_confirmed "$WORK/frozen.extxyz")" = T
fi

# ---- an MLFF stops outside its training domain ---------------------------------------------
make_set 1 6 "$WORK/train.extxyz" >/dev/null 2>&1
"${TIMEOUT[@]}" "$IONHOP" label-with-potential "$WORK/train.extxyz" --potential $POT \
  --out "$WORK/train_l.extxyz" >/dev/null 2>&1
if run_ok "fit-mlff on 6 pair-potential frames" "$IONHOP" fit-mlff "$WORK/train_l.extxyz" \
  --cutoff 5.5 --radial-order 6 --angular-order 2 --out "$WORK/model.json"; then
  "${TIMEOUT[@]}" "$IONHOP" relax --potential "$WORK/model.json" --structure "$WORK/start.extxyz" \
    --uncertainty-stop 1e-9 --out "$WORK/stopped.extxyz" >"$WORK/stdout" 2>"$WORK/stderr"
  rc=$?
  check "MLFF, --uncertainty-stop 1e-9: exit 3, STOPPED, relax_stopped=T at step 0" \
    test $rc -eq 3 -a "$(info relax_stopped "$WORK/stopped.extxyz")" = T -a \
    "$(info relax_steps "$WORK/stopped.extxyz")" = 0 -a -n "$(grep STOPPED "$WORK/stdout")"
  check "the stopped frame records the model's force uncertainty" \
    test -n "$(info mlff_max_force_uncertainty_ev_per_angstrom "$WORK/stopped.extxyz")"
  "${TIMEOUT[@]}" "$IONHOP" relax --potential "$WORK/model.json" --structure "$WORK/start.extxyz" \
    --uncertainty-stop 1e-9 --no-domain-stop --max-steps 20 --out "$WORK/on.extxyz" >"$WORK/stdout" 2>&1
  check "--no-domain-stop relaxes on (20 steps) and warns" \
    test "$(info relax_steps "$WORK/on.extxyz")" = 20 -a -n "$(grep WARNING "$WORK/stdout")"
fi

# ---- bad inputs ----------------------------------------------------------------------------
expect_error "relax: missing structure file" "$RUN/none.extxyz" "no such file" \
  -- "$IONHOP" relax --potential $POT --structure "$RUN/none.extxyz" --out "$OUT.extxyz"
expect_error "relax: frame out of range" "$WORK/start.extxyz" "--frame 4" "1 frame(s)" \
  -- "$IONHOP" relax --potential $POT --structure "$WORK/start.extxyz" --frame 4 --out "$OUT.extxyz"
expect_error "relax: --fmax 0" "--fmax must be > 0" \
  -- "$IONHOP" relax --potential $POT --structure "$WORK/start.extxyz" --fmax 0 --out "$OUT.extxyz"
expect_error "relax: --centre-atom without --free-within-angstrom" "go together" \
  -- "$IONHOP" relax --potential $POT --structure "$WORK/start.extxyz" --centre-atom 3 --out "$OUT.extxyz"
expect_error "relax: --free-within-angstrom -1" "--free-within-angstrom must be > 0" \
  -- "$IONHOP" relax --potential $POT --structure "$WORK/start.extxyz" --centre-atom 3 \
  --free-within-angstrom=-1 --out "$OUT.extxyz"
expect_error "relax: centre atom out of range" "$WORK/start.extxyz" "--centre-atom 39" "39 atoms" \
  -- "$IONHOP" relax --potential $POT --structure "$WORK/start.extxyz" --centre-atom 39 \
  --free-within-angstrom 4 --out "$OUT.extxyz"
expect_error "relax: missing potential" "$RUN/none.json" \
  -- "$IONHOP" relax --potential "$RUN/none.json" --structure "$WORK/start.extxyz" --out "$OUT.extxyz"

finish
