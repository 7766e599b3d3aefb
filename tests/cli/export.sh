#!/usr/bin/env bash
# CLI tests of `ionhop export`:
#   - a good export writes the canonical table and one simulator file per format and temperature,
#     and an existing --out directory is updated in place;
#   - every bad input exits 2 with exactly one stderr line starting "ionhop: error: " that names
#     the problem (substrings below), and leaves no --out directory (nor a hidden staging one).
#
# Usage: export.sh IONHOP SOURCE_DIR
set -u

if [[ $# -ne 2 ]]; then
  echo "usage: $0 IONHOP SOURCE_DIR" >&2
  exit 2
fi
IONHOP=$1
SRC=$2
cd "$SRC" || exit 2

WORK=$(mktemp -d "${TMPDIR:-/tmp}/ionhop_cli_export.XXXXXX") || exit 2
trap 'rm -rf "$WORK"' EXIT
RUN="$WORK/run"   # parent of every bad --out target: must stay empty
OUT="$RUN/out"
mkdir -p "$RUN"

TIMEOUT=()
command -v timeout >/dev/null 2>&1 && TIMEOUT=(timeout 60)

passed=0
failed=0
D=tests/data/export
SMALL=$D/results_small.json

ok() { passed=$((passed + 1)); echo "ok   - $1"; }
fail() {
  failed=$((failed + 1))
  echo "FAIL - $1"
  shift
  printf '       %s\n' "$@"
}

# expect_error DESCRIPTION SUBSTRING... -- ARGS... (ARGS go to `ionhop export`, --out $OUT added)
expect_error() {
  local desc=$1
  shift
  local -a subs=()
  while [[ $# -gt 0 && $1 != "--" ]]; do
    subs+=("$1")
    shift
  done
  shift  # the "--"
  local err="$WORK/stderr"
  "${TIMEOUT[@]}" "$IONHOP" export "$@" --out "$OUT" >"$WORK/stdout" 2>"$err"
  local rc=$?
  local -a why=()
  [[ $rc -eq 2 ]] || why+=("exit code $rc, expected 2")
  local lines
  lines=$(wc -l <"$err")
  if [[ $lines -ne 1 || -n $(tail -c 1 "$err") ]]; then
    why+=("stderr has $lines newline(s), expected exactly one line")
  fi
  [[ $(head -c 15 "$err") == "ionhop: error: " ]] || why+=("stderr does not start with 'ionhop: error: '")
  local s
  for s in "${subs[@]}"; do
    grep -qF -- "$s" "$err" || why+=("stderr lacks '$s'")
  done
  local left
  left=$(ls -A "$RUN")
  if [[ -n $left ]]; then
    why+=("left behind in the --out parent: $(echo "$left" | tr '\n' ' ')")
    rm -rf "${RUN:?}"/* "${RUN:?}"/.[!.]* 2>/dev/null
  fi
  if [[ ${#why[@]} -eq 0 ]]; then
    ok "$desc"
  else
    fail "$desc" "${why[@]}" "command: ionhop export $*" "stderr: $(cat "$err")"
  fi
}

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
  -- "$SMALL"
expect_error "missing --density for the anion" "--density" "missing for the anion I_i^-" \
  -- "$SMALL" --density 'V_I^+=1e25' --anion 'I_i^-'
expect_error "unknown species in --density" "--density" "unknown species 'V_Br^+'" \
  -- "$SMALL" --density 'V_Br^+=1e25'
expect_error "unknown --cation" "--cation" "V_Br^+" \
  -- "$SMALL" --density 'V_I^+=1e25' --cation 'V_Br^+'
expect_error "neutral cation" "--cation" "V_I^0 has charge 0" \
  -- "$SMALL" --density 'V_I^0=1e25' --cation 'V_I^0'
expect_error "immobile cation" "--cation" "V_I^- is immobile" \
  -- "$SMALL" --density 'V_I^-=1e25' --cation 'V_I^-'
expect_error "cation with charge -1" "--cation" "I_i^- has charge -1" \
  -- "$SMALL" --density 'I_i^-=1e25' --cation 'I_i^-'
expect_error "neutral anion" "--anion" "V_I^0 has charge 0" \
  -- "$SMALL" --density 'V_I^+=1e25' --density 'V_I^0=1e25' --anion 'V_I^0'
expect_error "negative density" "--density" "V_I^+: density must be a finite number > 0" "-1e25" \
  -- "$SMALL" --density 'V_I^+=-1e25'
expect_error "density not a number" "--density" "1e25x" \
  -- "$SMALL" --density 'V_I^+=1e25x'
expect_error "density without '='" "--density" "expected SPECIES=N0_M3" \
  -- "$SMALL" --density 'V_I^+'
expect_error "negative --temperature" "--temperature" \
  -- "$SMALL" --density 'V_I^+=1e25' --temperature -300
expect_error "unknown --format" "--format" \
  -- "$SMALL" --density 'V_I^+=1e25' --format comsol
expect_error "results.json missing arrhenius" "$D/results_no_arrhenius.json" "/arrhenius" "missing required key" \
  -- $D/results_no_arrhenius.json --density 'V_I^+=1e25'
expect_error "results.json that does not exist" "$D/nonexistent.json" "cannot read" \
  -- $D/nonexistent.json --density 'V_I^+=1e25'
expect_error "a sweep config instead of a results.json" "tests/data/good/small_sweep.json" "/schema" \
  -- tests/data/good/small_sweep.json --density 'V_I^+=1e25'

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
