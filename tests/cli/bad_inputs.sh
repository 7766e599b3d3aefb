#!/usr/bin/env bash
# CLI bad-input tests. Every bad input must make ionhop
#   - exit with code 2,
#   - print exactly one line on stderr, starting with "ionhop: error: ", that names the
#     file and the JSON path (checked as substrings below),
#   - leave no --out directory and no hidden ".NAME.partial-*" staging directory behind,
#   - leave an existing --out directory untouched.
#
# Usage: bad_inputs.sh IONHOP SOURCE_DIR
# The bad inputs live in tests/data/bad/; each is a one-change variant of a good file
# (tests/data/good/small_sweep.json, lattices/cspbi3_cubic.json, rates/cspbi3_md_effective.json).
set -u
source "$(dirname "$0")/common.sh"

setup bad 120 "$@"   # IONHOP, SRC, WORK, RUN (--out parent: must stay empty), OUT, TIMEOUT
B=tests/data/bad

# sweep CONFIG: the usual bad-config invocation, --out under $RUN.
sweep() { "${TIMEOUT[@]}" "$IONHOP" sweep "$@" --out "$OUT" --threads 1 --quiet; }

# ---- sanity: the template of the bad configs is good ---------------------------------------
"${TIMEOUT[@]}" "$IONHOP" sweep tests/data/good/small_sweep.json --out "$OUT" --threads 1 --quiet \
  >"$WORK/stdout" 2>"$WORK/stderr"
rc=$?
if [[ $rc -eq 0 && -f $OUT/results.json && ! -s $WORK/stderr ]]; then
  ok "baseline tests/data/good/small_sweep.json runs"
else
  fail "baseline tests/data/good/small_sweep.json runs" "exit $rc" "stderr:"
  sed 's/^/         | /' "$WORK/stderr"
fi
rm -rf "$OUT"

# ---- 1. missing files ------------------------------------------------------------------------
expect_error "missing config file" "$B/nonexistent_config.json" "cannot read" \
  -- sweep $B/nonexistent_config.json
expect_error "missing lattice file referenced from a config" "$B/config_missing_lattice.json" "/lattice: no such file: $B/no_such_lattice.json" \
  -- sweep $B/config_missing_lattice.json
expect_error "missing rates file referenced from a config" "$B/config_missing_rates.json" "/rates: no such file: $B/no_such_rates.json" \
  -- sweep $B/config_missing_rates.json

# ---- 2. malformed JSON -----------------------------------------------------------------------
expect_error "malformed config JSON" "$B/config_malformed.json" "malformed JSON" "line 22" \
  -- sweep $B/config_malformed.json
expect_error "malformed lattice JSON" "$B/lattice_malformed.json" "malformed JSON" "line 10" \
  -- sweep $B/config_lattice_malformed.json
expect_error "malformed rates JSON" "$B/rates_malformed.json" "malformed JSON" "line 20" \
  -- sweep $B/config_rates_malformed.json

# ---- 3. unknown keys -------------------------------------------------------------------------
expect_error "unknown top-level config key" "$B/config_unknown_key.json" "/temperature_K" "unknown key" \
  -- sweep $B/config_unknown_key.json
expect_error "unknown rate-table species key" "$B/rates_unknown_species_key.json" "/species/0/barrier_ev" \
  "unknown key" -- sweep $B/config_rates_unknown_species_key.json
expect_error "unknown lattice basis key" "$B/lattice_unknown_basis_key.json" "/basis/2/wyckoff" "unknown key" \
  -- sweep $B/config_lattice_unknown_basis_key.json

# ---- 4. wrong types --------------------------------------------------------------------------
expect_error "temperature as a string" "$B/config_temperature_string.json" "/temperatures_k/0" "string" \
  -- sweep $B/config_temperature_string.json
expect_error "replicas as a float (2.5)" "$B/config_replicas_float.json" "/replicas" "integer" \
  -- sweep $B/config_replicas_float.json
expect_error "supercell of 2 ints" "$B/config_supercell_two_ints.json" "/supercells/0" \
  -- sweep $B/config_supercell_two_ints.json
expect_error "supercell with a float (4.5)" "$B/config_supercell_not_ints.json" "/supercells/0/2" "integer" \
  -- sweep $B/config_supercell_not_ints.json
expect_error "supercell with a string" "$B/config_supercell_string.json" "/supercells/0/2" \
  -- sweep $B/config_supercell_string.json
expect_error "barrier as a string" "$B/rates_barrier_string.json" "/species/0/hops/0/barrier_ev" "string" \
  -- sweep $B/config_rates_barrier_string.json

# ---- 5. negative / zero / non-finite values --------------------------------------------------
expect_error "negative temperature" "$B/config_temperature_negative.json" "/temperatures_k/1" "-300" \
  -- sweep $B/config_temperature_negative.json
expect_error "zero temperature" "$B/config_temperature_zero.json" "/temperatures_k/0" "> 0" \
  -- sweep $B/config_temperature_zero.json
expect_error "negative barrier" "$B/rates_barrier_negative.json" "/species/0/hops/0/barrier_ev" ">= 0" "-0.1" \
  -- sweep $B/config_rates_barrier_negative.json
expect_error "zero attempt frequency" "$B/rates_attempt_frequency_zero.json" \
  "/species/0/hops/0/attempt_frequency_hz" "> 0" -- sweep $B/config_rates_attempt_frequency_zero.json
expect_error "negative attempt frequency" "$B/rates_attempt_frequency_negative.json" \
  "/species/0/hops/0/attempt_frequency_hz" "> 0" -- sweep $B/config_rates_attempt_frequency_negative.json
# JSON has no NaN/Inf literals. nlohmann::json does not turn 1e400 into inf: it throws
# out_of_range (406, "number overflow parsing '1e400'") while parsing, so no JSON path exists
# yet; require only the file name (a line/column would be welcome).
expect_error "barrier 1e400 (overflows double)" "$B/rates_barrier_overflow.json" \
  -- sweep $B/config_rates_barrier_overflow.json
expect_error "temperature 1e400 (overflows double)" "$B/config_temperature_overflow.json" \
  -- sweep $B/config_temperature_overflow.json

# ---- 6. unknown names ------------------------------------------------------------------------
expect_error "unknown species in the config" "$B/config_unknown_species.json" "/species/1" "V_Pb^2-" \
  -- sweep $B/config_unknown_species.json
expect_error "unknown sublattice in a rate table" "$B/rates_unknown_sublattice.json" "/species/0/sublattice" \
  -- sweep $B/config_rates_unknown_sublattice.json
expect_error "unknown hop shell in a rate table" "$B/rates_unknown_shell.json" "/species/0/hops/0/shell" \
  -- sweep $B/config_rates_unknown_shell.json

# ---- 7. supercell too small ------------------------------------------------------------------
# X-X hops in cubic CsPbI3 reach the neighbouring cells at offsets 0 and +1 or 0 and -1 per
# axis, never both, so [2,2,2] has no aliased images and is accepted; [1,1,1] is rejected.
expect_error "supercell [1,1,1] too small for the X-X shell" "$B/config_supercell_1x1x1.json" "/supercells/1" \
  "too small" -- sweep $B/config_supercell_1x1x1.json
expect_error "supercell with a zero" "$B/config_supercell_zero.json" "/supercells/0/1" \
  -- sweep $B/config_supercell_zero.json

# ---- 8. replicas / stop / blocks -------------------------------------------------------------
expect_error "zero replicas" "$B/config_replicas_zero.json" "/replicas" \
  -- sweep $B/config_replicas_zero.json
expect_error "stop with neither hops nor time_s" "$B/config_stop_empty.json" "/stop" \
  -- sweep $B/config_stop_empty.json
expect_error "blocks > stop/hops" "$B/config_blocks_exceed_hops.json" "/blocks" \
  -- sweep $B/config_blocks_exceed_hops.json

# ---- 9. more defects than sites --------------------------------------------------------------
expect_error "82 defects on the 81 X sites of 3x3x3" "$B/config_too_many_defects.json" \
  "/defects_per_supercell/1" -- sweep $B/config_too_many_defects.json

# ---- 10. run / fit ---------------------------------------------------------------------------
expect_error "run with an unknown --species" "--species" "V_Pb^2-" "rates/cspbi3_md_effective.json" \
  -- "$IONHOP" run --lattice lattices/cspbi3_cubic.json --rates rates/cspbi3_md_effective.json \
  --species V_Pb^2- --hops 100 --replicas 1 --threads 1
expect_error "fit on a CSV with a missing column" "$B/fit_missing_column.csv" "diffusion_err_cm2_s" \
  -- "$IONHOP" fit $B/fit_missing_column.csv
expect_error "fit on a CSV with a non-numeric value" "$B/fit_non_numeric.csv" "line 3" "diffusion_cm2_s" \
  "2.3e-6x" -- "$IONHOP" fit $B/fit_non_numeric.csv

# ---- extra: command-line values --------------------------------------------------------------
expect_error "run with a negative --temperature" "--temperature" \
  -- "$IONHOP" run --lattice lattices/cspbi3_cubic.json --rates rates/cspbi3_md_effective.json \
  --species V_I^+ --temperature -5 --hops 100 --replicas 1 --threads 1
# A wrapped-around --replicas (size_t) may try to allocate without bound: cap the address space
# so that a failure is quick rather than a minute of paging.
limited() { (ulimit -v 4194304 2>/dev/null; exec "${TIMEOUT[@]}" "$@"); }
expect_error "run with a negative --replicas" "--replicas" \
  -- limited "$IONHOP" run --lattice lattices/cspbi3_cubic.json --rates rates/cspbi3_md_effective.json \
  --species V_I^+ --hops 100 --replicas -1 --threads 1
expect_error "sweep with --threads 0" "--threads" \
  -- "$IONHOP" sweep tests/data/good/small_sweep.json --out "$OUT" --threads 0 --quiet
expect_error "sweep with a negative --seed" "--seed" \
  -- "$IONHOP" sweep tests/data/good/small_sweep.json --out "$OUT" --threads 1 --quiet --seed -3

# ---- 12. fields and charge states (device-model physics) ---------------------------------------
expect_error "field with two components" "$B/config_field_two_components.json" "/fields_v_per_cm/0" "[Ex, Ey, Ez] in V/cm" \
  -- sweep $B/config_field_two_components.json
expect_error "field component as a string with units" "$B/config_field_string.json" "/fields_v_per_cm/0/0" \
  -- sweep $B/config_field_string.json
expect_error "field in the wrong unit (fields_v_per_m)" "$B/config_field_wrong_unit_key.json" "/fields_v_per_m" "unknown key" \
  -- sweep $B/config_field_wrong_unit_key.json
expect_error "field not a list of vectors" "$B/config_field_not_list.json" "/fields_v_per_cm/0" \
  -- sweep $B/config_field_not_list.json
expect_error "Fermi level above the band gap" "$B/config_fermi_above_gap.json" "/fermi_levels_ev/1" "band gap" \
  -- sweep $B/config_fermi_above_gap.json
expect_error "negative Fermi level" "$B/config_fermi_negative.json" "/fermi_levels_ev/0" "band gap" \
  -- sweep $B/config_fermi_negative.json
expect_error "Fermi level without a charge model" "$B/config_fermi_without_charge_model.json" "/fermi_levels_ev" "no charge_model" \
  -- sweep $B/config_fermi_without_charge_model.json
expect_error "transition level above the band gap" "$B/rates_level_above_gap.json" "/charge_model/transitions/2/level_ev" \
  -- sweep $B/config_rates_level_above_gap.json
expect_error "negative transition level" "$B/rates_level_negative.json" "/charge_model/transitions/0/level_ev" \
  -- sweep $B/config_rates_level_negative.json
expect_error "zero capture rate" "$B/rates_capture_zero.json" "/charge_model/transitions/1/capture_rate_hz" "> 0" \
  -- sweep $B/config_rates_capture_zero.json
expect_error "negative capture rate" "$B/rates_capture_negative.json" "/charge_model/transitions/1/capture_rate_hz" "> 0" \
  -- sweep $B/config_rates_capture_negative.json
expect_error "transition changing the charge by 2" "$B/rates_transition_two_carriers.json" "/charge_model/transitions/0" "differ by 1" \
  -- sweep $B/config_rates_transition_two_carriers.json
expect_error "transition to an unknown species" "$B/rates_transition_unknown_species.json" "/charge_model/transitions/3/to" \
  -- sweep $B/config_rates_transition_unknown_species.json

# ---- 13. alloys (mixed halides) ----------------------------------------------------------------
expect_error "composition fractions not adding up to 1" "$B/config_composition_sum.json" "/compositions/0/X" "add up to 1" \
  -- sweep $B/config_composition_sum.json
expect_error "composition on an unknown sublattice" "$B/config_composition_sublattice.json" "/compositions/0/Y" "unknown sublattice" \
  -- sweep $B/config_composition_sublattice.json
expect_error "composition with a fraction outside [0, 1]" "$B/config_composition_negative.json" "/compositions/0/X/" \
  -- sweep $B/config_composition_negative.json
expect_error "heterojunction layers that do not fit the supercell" "$B/config_layers_do_not_fit.json" "/compositions/0/X/layers" "add up to 6 cells" \
  -- sweep $B/config_layers_do_not_fit.json
expect_error "heterojunction with too few interface occupants" "$B/config_layers_interfaces_count.json" "/compositions/0/X/interfaces" \
  -- sweep $B/config_layers_interfaces_count.json
expect_error "composition not an object" "$B/config_composition_not_object.json" "/compositions/0" \
  -- sweep $B/config_composition_not_object.json
expect_error "environment model naming an unknown shell" "$B/rates_environment_unknown_shell.json" "/species/3/environment/shell" "unknown hop shell" \
  -- sweep $B/config_rates_environment_unknown_shell.json
expect_error "environment model on an interstitial" "$B/rates_environment_interstitial.json" "/species/0/environment" "vacancies" \
  -- sweep $B/config_rates_environment_interstitial.json
expect_error "moving_species on an interstitial" "$B/rates_moving_species_interstitial.json" "/species/0/hops/0/moving_species" \
  -- sweep $B/config_rates_moving_species_interstitial.json

# ---- 14. halide interstitials and kick-out -------------------------------------------------------
# kickout RATES SPECIES: an `ionhop run` on CsPbI3 with that rate table.
kickout() {
  "${TIMEOUT[@]}" "$IONHOP" run --lattice lattices/cspbi3_cubic.json --rates "$1" --species "$2" \
    --hops 100 --replicas 1 --threads 1
}
expect_error "kick-out of an ion no species carries" "$B/rates_kickout_no_species.json" \
  "/species/0/hops/1/moving_species" "kick-out of 'Br' needs" -- kickout $B/rates_kickout_no_species.json I_i^-
expect_error "mechanism on a vacancy hop" "$B/rates_kickout_vacancy_mechanism.json" \
  "/species/1/hops/0/mechanism" "applies to interstitial hops" -- kickout $B/rates_kickout_vacancy_mechanism.json V_I^+
expect_error "unknown hop mechanism" "$B/rates_kickout_unknown_mechanism.json" \
  "/species/0/hops/0/mechanism" "kick-out" -- kickout $B/rates_kickout_unknown_mechanism.json I_i^-
expect_error "interstitial element not a host ion" "$B/rates_kickout_element_not_host.json" \
  "/species/0/element" "'Pb' is the ion of sublattice 'B'" -- kickout $B/rates_kickout_element_not_host.json I_i^-
expect_error "kick-out barriers differing between directions" "$B/rates_kickout_asymmetric.json" \
  "/species/1/hops/0" "detailed balance" -- kickout $B/rates_kickout_asymmetric.json I_i^-

# ---- 11. an existing --out directory is left untouched ---------------------------------------
EXIST_PARENT="$WORK/existing"
EXIST="$EXIST_PARENT/out"
mkdir -p "$EXIST/sub"
printf 'old results\n' >"$EXIST/results.json"
printf 'species,temperature_k\nold,1\n' >"$EXIST/points.csv"
printf 'keep me\n' >"$EXIST/notes.txt"
printf 'nested\n' >"$EXIST/sub/file.txt"
touch -d '2020-01-01 00:00:00' "$EXIST"/* "$EXIST/sub/file.txt" "$EXIST"
snapshot() { (cd "$1" && find . -printf '%p %y %s %T@\n' | sort && find . -type f -exec sha256sum {} + | sort); }
before=$(snapshot "$EXIST")
# CONFIG:FILE THE ERROR NAMES
for item in config_malformed.json:config_malformed.json \
  config_rates_barrier_negative.json:rates_barrier_negative.json \
  config_blocks_exceed_hops.json:config_blocks_exceed_hops.json \
  config_too_many_defects.json:config_too_many_defects.json; do
  cfg=${item%%:*}
  expect_error "existing --out: $cfg fails" "$B/${item#*:}" \
    -- "$IONHOP" sweep "$B/$cfg" --out "$EXIST" --threads 1 --quiet
  after=$(snapshot "$EXIST")
  extra=$(ls -A "$EXIST_PARENT" | grep -vx out)
  if [[ $before == "$after" && -z $extra ]]; then
    ok "existing --out unchanged after $cfg"
  else
    fail "existing --out unchanged after $cfg"
    [[ $before == "$after" ]] || diff <(echo "$before") <(echo "$after") | sed 's/^/         | /'
    [[ -z $extra ]] || echo "         left next to it: $extra"
  fi
done

finish
