#!/usr/bin/env bash
# CLI tests of `ionhop export`:
#   - a good export writes the canonical table and one simulator file per format and temperature,
#     and an existing --out directory is updated in place;
#   - every bad input exits 2 with exactly one stderr line starting "ionhop: error: " that names
#     the problem (substrings below), and leaves no --out directory (nor a hidden staging one).
#
# Usage: export.sh IONHOP SOURCE_DIR
set -u
source "$(dirname "$0")/common.sh"

setup export 60 "$@"   # IONHOP, SRC, WORK, RUN (parent of every bad --out: must stay empty), OUT, TIMEOUT
D=tests/data/export
SMALL=$D/results_small.json

# ionhop_export ARGS...: the bad-input invocation, `ionhop export ARGS --out $OUT`; used as
#   expect_error DESCRIPTION SUBSTRING... -- ionhop_export ARGS...
ionhop_export() { "${TIMEOUT[@]}" "$IONHOP" export "$@" --out "$OUT"; }

# ---- good export ----------------------------------------------------------------------------
GOOD="$WORK/good"
"${TIMEOUT[@]}" "$IONHOP" export "$SMALL" --out "$GOOD" --density 'V_I^+=1.6e25' --density 'I_i^-=1e22' \
  --anion 'I_i^-' --temperature 298 >"$WORK/stdout" 2>"$WORK/stderr"
rc=$?
if [[ $rc -eq 0 && ! -s $WORK/stderr ]]; then ok "export of $SMALL exits 0, nothing on stderr"; else
  fail "export of $SMALL exits 0, nothing on stderr" "exit $rc" "$(cat "$WORK/stderr")"
fi
missing=()
for f in device_export.json device_export.csv; do [[ -s $GOOD/$f ]] || missing+=("$f"); done
for t in 298 300 400 500; do
  for f in ionmonger_parameters_T$t.m driftfusion_ionic_parameters_T$t.csv simsalabim_overrides_T$t.txt; do
    [[ -s $GOOD/$f ]] || missing+=("$f")
  done
done
if [[ ${#missing[@]} -eq 0 ]]; then ok "all 14 files written"; else fail "all 14 files written" "missing: ${missing[*]}"; fi
if [[ $(ls -A "$GOOD" | wc -l) -eq 14 ]]; then ok "no other files"; else fail "no other files" "$(ls -A "$GOOD")"; fi
# 3 mobile species (I_i^-, V_I^+, V_I^0) x 4 temperatures = 12 rows + header.
if [[ $(wc -l <"$GOOD/device_export.csv") -eq 13 ]]; then ok "device_export.csv has 12 rows"; else
  fail "device_export.csv has 12 rows" "$(wc -l <"$GOOD/device_export.csv") lines"
fi
if grep -q '^DIinf = ' "$GOOD/ionmonger_parameters_T300.m" && grep -q '^N0    = 1.6e+25;' "$GOOD/ionmonger_parameters_T300.m"; then
  ok "IonMonger file assigns N0 and DIinf"
else
  fail "IonMonger file assigns N0 and DIinf" "$(cat "$GOOD/ionmonger_parameters_T300.m")"
fi
if [[ $(head -1 "$GOOD/driftfusion_ionic_parameters_T300.csv") == "N_ionic_species,Ncat,Nani,mu_c,mu_a" &&
      $(sed -n 2p "$GOOD/driftfusion_ionic_parameters_T300.csv") == 2,1.6e+19,1e+16,* ]]; then
  ok "Driftfusion CSV: header and CGS densities"
else
  fail "Driftfusion CSV: header and CGS densities" "$(cat "$GOOD/driftfusion_ionic_parameters_T300.csv")"
fi
if [[ $(cat "$GOOD/simsalabim_overrides_T400.txt") == "-T 400 -l2.N_cation 1.6e+25 -l2.N_anion 1e+22 -l2.mu_cation "*" -l2.ionsMayEnter 1" &&
      $(wc -l <"$GOOD/simsalabim_overrides_T400.txt") -eq 1 ]]; then
  ok "SIMsalabim overrides: one line"
else
  fail "SIMsalabim overrides: one line" "$(cat "$GOOD/simsalabim_overrides_T400.txt")"
fi
# --format canonical into the existing directory: only the canonical files are replaced.
"${TIMEOUT[@]}" "$IONHOP" export "$SMALL" --out "$GOOD" --format canonical --quiet >"$WORK/stdout" 2>"$WORK/stderr"
rc=$?
if [[ $rc -eq 0 && ! -s $WORK/stdout && $(ls -A "$GOOD" | wc -l) -eq 14 ]] && grep -q '"density_m3": null' "$GOOD/device_export.json"; then
  ok "--format canonical --quiet rewrites the canonical table only"
else
  fail "--format canonical --quiet rewrites the canonical table only" "exit $rc" "$(ls -A "$GOOD")"
fi

# ---- bad input ------------------------------------------------------------------------------
expect_error "missing --density for the cation" "--density" "missing for the cation V_I^+" \
  -- ionhop_export "$SMALL"
expect_error "missing --density for the anion" "--density" "missing for the anion I_i^-" \
  -- ionhop_export "$SMALL" --density 'V_I^+=1e25' --anion 'I_i^-'
expect_error "unknown species in --density" "--density" "unknown species 'V_Br^+'" \
  -- ionhop_export "$SMALL" --density 'V_Br^+=1e25'
expect_error "unknown --cation" "--cation" "V_Br^+" \
  -- ionhop_export "$SMALL" --density 'V_I^+=1e25' --cation 'V_Br^+'
expect_error "neutral cation" "--cation" "V_I^0 has charge 0" \
  -- ionhop_export "$SMALL" --density 'V_I^0=1e25' --cation 'V_I^0'
expect_error "immobile cation" "--cation" "V_I^- is immobile" \
  -- ionhop_export "$SMALL" --density 'V_I^-=1e25' --cation 'V_I^-'
expect_error "cation with charge -1" "--cation" "I_i^- has charge -1" \
  -- ionhop_export "$SMALL" --density 'I_i^-=1e25' --cation 'I_i^-'
expect_error "neutral anion" "--anion" "V_I^0 has charge 0" \
  -- ionhop_export "$SMALL" --density 'V_I^+=1e25' --density 'V_I^0=1e25' --anion 'V_I^0'
expect_error "negative density" "--density" "V_I^+: density must be a finite number > 0" "-1e25" \
  -- ionhop_export "$SMALL" --density 'V_I^+=-1e25'
expect_error "density not a number" "--density" "1e25x" \
  -- ionhop_export "$SMALL" --density 'V_I^+=1e25x'
expect_error "density without '='" "--density" "expected SPECIES=N0_M3" \
  -- ionhop_export "$SMALL" --density 'V_I^+'
expect_error "negative --temperature" "--temperature" \
  -- ionhop_export "$SMALL" --density 'V_I^+=1e25' --temperature -300
expect_error "unknown --format" "--format" \
  -- ionhop_export "$SMALL" --density 'V_I^+=1e25' --format comsol
expect_error "results.json missing arrhenius" "$D/results_no_arrhenius.json" "/arrhenius" "missing required key" \
  -- ionhop_export $D/results_no_arrhenius.json --density 'V_I^+=1e25'
expect_error "results.json that does not exist" "$D/nonexistent.json" "cannot read" \
  -- ionhop_export $D/nonexistent.json --density 'V_I^+=1e25'
expect_error "a sweep config instead of a results.json" "tests/data/good/small_sweep.json" "/schema" \
  -- ionhop_export tests/data/good/small_sweep.json --density 'V_I^+=1e25'

finish
