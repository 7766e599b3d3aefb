#!/usr/bin/env bash
# CLI tests of lattice states (`ionhop run --state-in / --state-out`, schema ionhop.state/1):
#   - --state-out writes the final state (one file, or FILE_r<k> per replica) and does not
#     change the run's numbers (same random streams as a plain `ionhop run`);
#   - --state-in continues from it: the state written after a continuation counts hops
#     from the first run, an alloy state (Br substituted by hand) gives I and Br tracers;
#   - bad state files (tests/data/bad/state/) and bad option combinations exit 2 with one
#     "ionhop: error: FILE: /PATH: ..." line and write nothing.
#
# Usage: state.sh IONHOP SOURCE_DIR
set -u
source "$(dirname "$0")/common.sh"

setup state 240 "$@"   # IONHOP, SRC, WORK, RUN (must stay empty), OUT, TIMEOUT
B=tests/data/bad/state
S="$WORK/states"
mkdir -p "$S"

# run ARGS...: a small V_I^+ run in CsPbI3 (3x3x3), one thread.
run() {
  "${TIMEOUT[@]}" "$IONHOP" run --lattice lattices/cspbi3_cubic.json \
    --rates rates/cspbi3_md_effective.json --species V_I^+ --supercell 3 3 3 --hops 2000 \
    --blocks 10 --seed 3 --threads 1 "$@"
}
# no_wall FILE: the JSON without its (not reproducible) wall time.
no_wall() { grep -v '"wall_time_s"' "$1"; }

# ---- 1. --state-out: one replica, one file; the numbers are those of a plain run -------------
run --defects 3 --replicas 1 --json >"$WORK/plain.json" 2>"$WORK/stderr"
rc1=$?
run --defects 3 --replicas 1 --json --state-out "$S/one.json" >"$WORK/with_out.json" 2>>"$WORK/stderr"
rc2=$?
if [[ $rc1 -eq 0 && $rc2 -eq 0 && -f $S/one.json && ! -s $WORK/stderr ]]; then
  ok "--state-out writes the final state"
else
  fail "--state-out writes the final state" "exit codes $rc1 $rc2" "stderr:" "$(cat "$WORK/stderr")"
fi
check "--state-out does not change the run's numbers" \
  cmp -s <(no_wall "$WORK/plain.json") <(no_wall "$WORK/with_out.json")
check "state file: schema, lattice, supercell, 3 defects, hops" bash -c "
  grep -q '\"schema\": \"ionhop.state/1\"' '$S/one.json' &&
  grep -q '\"lattice\": \"CsPbI3 cubic (Pm-3m)\"' '$S/one.json' &&
  [[ \$(grep -c '\"species\": \"V_I^+\"' '$S/one.json') -eq 3 ]] &&
  grep -q '\"hops\": 2000' '$S/one.json'"
check "occupants: 135 characters, 3 of them '.'" bash -c "
  occ=\$(grep '\"occupants\"' '$S/one.json' | sed 's/.*\"occupants\": \"\\([^\"]*\\)\".*/\\1/')
  [[ \${#occ} -eq 135 && \$(tr -cd . <<<\"\$occ\" | wc -c) -eq 3 ]]"

# ---- 2. several replicas: FILE_r<k> -----------------------------------------------------------
run --defects 2 --replicas 2 --state-out "$S/multi.json" >/dev/null 2>"$WORK/stderr"
check "two replicas write multi_r0.json and multi_r1.json (and no multi.json)" \
  bash -c "[[ -f '$S/multi_r0.json' && -f '$S/multi_r1.json' && ! -e '$S/multi.json' ]]"

# ---- 3. --state-in continues; --state-out again ----------------------------------------------
run --replicas 1 --json --state-in "$S/one.json" --state-out "$S/two.json" >"$WORK/cont.json" 2>"$WORK/stderr"
rc=$?
if [[ $rc -eq 0 && -f $S/two.json && ! -s $WORK/stderr ]]; then
  ok "--state-in runs and --state-out writes the continued state"
else
  fail "--state-in runs and --state-out writes the continued state" "exit $rc" "$(cat "$WORK/stderr")"
fi
check "the continuation runs the state's 3 defects" grep -q '"defects": 3' "$WORK/cont.json"
check "hops count from the first run of the chain (4000)" grep -q '"hops": 4000' "$S/two.json"
check "the continued state differs from the one it started from" \
  bash -c "! cmp -s <(grep '\"occupants\"' '$S/one.json') <(grep '\"occupants\"' '$S/two.json')"
run --replicas 3 --state-in "$S/one.json" >/dev/null 2>"$WORK/stderr"
check "--state-in with several replicas (table output)" test ! -s "$WORK/stderr"

# ---- 4. an alloy state: some I replaced by Br ------------------------------------------------
sed -e '/"occupant_legend"/,/]/ s/"I"$/"I", "Br"/' -e '/"occupants"/ s/ccc/cdc/g' \
  "$S/one.json" >"$S/alloy.json"
run --replicas 1 --json --state-in "$S/alloy.json" --state-out "$S/alloy_out.json" \
  >"$WORK/alloy.json" 2>"$WORK/stderr"
check "alloy state runs, with I and Br tracers" bash -c "
  [[ ! -s '$WORK/stderr' ]] && grep -q '\"ion\": \"Br\"' '$WORK/alloy.json' &&
  grep -q '\"ion\": \"I\"' '$WORK/alloy.json'"
check "the alloy's Br count is kept" bash -c "
  count() { grep '\"occupants\"' \"\$1\" | sed 's/.*\"occupants\": \"\\([^\"]*\\)\".*/\\1/' | tr -cd d | wc -c; }
  n=\$(count '$S/alloy.json'); [[ \$n -gt 0 && \$n -eq \$(count '$S/alloy_out.json') ]]"

# ---- 5. bad state files and options ----------------------------------------------------------
# Every failing command names --state-out under $RUN, which must stay empty.
bad() { run --replicas 1 --state-out "$RUN/out.json" "$@"; }
expect_error "missing state file" "$B/nonexistent.json" "cannot read" \
  -- bad --state-in $B/nonexistent.json
expect_error "malformed state JSON" "$B/malformed.json" "malformed JSON" \
  -- bad --state-in $B/malformed.json
expect_error "wrong schema" "$B/wrong_schema.json" "/schema" "unsupported schema" \
  -- bad --state-in $B/wrong_schema.json
expect_error "another lattice" "$B/wrong_lattice.json" "/lattice" "is not the run's" \
  -- bad --state-in $B/wrong_lattice.json
expect_error "supercell mismatch with --supercell" "$B/supercell_mismatch.json" "/supercell" \
  "supercell 4x4x4 does not match the run's supercell 3x3x3" \
  -- bad --state-in $B/supercell_mismatch.json
expect_error "occupants string too short" "$B/occupants_length.json" "/occupants" \
  "has 134 characters, but the supercell has 135 sites" \
  -- bad --state-in $B/occupants_length.json
expect_error "bad character in occupants" "$B/occupants_bad_char.json" "/occupants" \
  "character 'x' for site 10" -- bad --state-in $B/occupants_bad_char.json
expect_error "unknown species name" "$B/unknown_species.json" "/defects/1/species" \
  "unknown species 'V_Br^+'" -- bad --state-in $B/unknown_species.json
expect_error "two defects on one site" "$B/duplicate_site.json" "/defects/2/site" \
  "already holds defect 0" -- bad --state-in $B/duplicate_site.json
expect_error "defect on a site of the wrong sublattice" "$B/wrong_sublattice.json" "/defects/0" \
  "is on sublattice 'B'" -- bad --state-in $B/wrong_sublattice.json
expect_error "vacancy on a site that holds an ion" "$B/vacancy_on_ion.json" "/defects/0" \
  "holds an ion ('I')" -- bad --state-in $B/vacancy_on_ion.json
expect_error "site without ion or vacancy" "$B/hole.json" "/occupants" \
  "holds neither an ion nor a vacancy" -- bad --state-in $B/hole.json
expect_error "a defect of another species than --species" "$B/other_species.json" \
  "/defects/1/species" "'I_i^-' is not the run's --species 'V_I^+'" \
  -- bad --state-in $B/other_species.json
expect_error "--defects with --state-in" "--defects" "cannot be combined with --state-in" \
  -- bad --state-in "$S/one.json" --defects 2
expect_error "--state-out equal to --state-in" "--state-out" "must not be the --state-in file" \
  -- run --replicas 1 --state-in "$RUN/x.json" --state-out "$RUN/x.json"

finish
