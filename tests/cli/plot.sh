#!/usr/bin/env bash
# CLI tests of `ionhop plot KIND RESULTS.json --out DIR`.
#   Good inputs: each kind writes DIR/{KIND.png, KIND.svg, KIND.gp, KIND_data.dat}: a real PNG
#   (magic bytes), an SVG, a script that reads the data by relative name and redraws the
#   figure with `cd DIR && gnuplot KIND.gp`.
#   Bad inputs: exit code 2, exactly one stderr line starting "ionhop: error: " (with the
#   substrings given), no --out directory and no ".NAME.partial-*" staging directory; an
#   existing --out directory untouched.
# Without gnuplot on PATH the good-input checks are skipped (exit 77 = skipped, if all else passes).
#
# Usage: plot.sh IONHOP SOURCE_DIR
set -u
source "$(dirname "$0")/common.sh"

setup plot 120 "$@"   # IONHOP, SRC, WORK, RUN (parent of every failing --out: must stay empty), OUT, TIMEOUT
D=tests/data/plot

# expect_plot DESCRIPTION KIND RESULTS [EXTRA ARGS...]: a good plot into $WORK/good_KIND.
expect_plot() {
  local desc=$1 kind=$2 results=$3
  shift 3
  local dir="$WORK/good_$kind"
  rm -rf "$dir"
  "${TIMEOUT[@]}" "$IONHOP" plot "$kind" "$results" --out "$dir" "$@" >"$WORK/stdout" 2>"$WORK/stderr"
  local rc=$?
  local -a why=()
  [[ $rc -eq 0 ]] || why+=("exit code $rc, expected 0")
  [[ -s $WORK/stderr ]] && why+=("stderr not empty: $(head -c 300 "$WORK/stderr")")
  local f
  for f in "$kind.png" "$kind.svg" "$kind.gp" "${kind}_data.dat"; do
    [[ -s $dir/$f ]] || why+=("$f missing or empty")
  done
  if [[ -s $dir/$kind.png ]]; then
    [[ $(head -c 8 "$dir/$kind.png" | od -An -tx1 | tr -d ' \n') == 89504e470d0a1a0a ]] ||
      why+=("$kind.png does not start with the PNG signature")
  fi
  if [[ -s $dir/$kind.svg ]]; then
    grep -q "<svg" "$dir/$kind.svg" || why+=("$kind.svg has no <svg")
  fi
  if [[ -s $dir/$kind.gp ]]; then
    grep -qF "data = '${kind}_data.dat'" "$dir/$kind.gp" || why+=("$kind.gp does not read ${kind}_data.dat by relative name")
  fi
  if [[ -s ${dir}/${kind}_data.dat ]]; then
    grep -q "^# Columns" "$dir/${kind}_data.dat" || why+=("${kind}_data.dat has no column header")
  fi
  local staged
  staged=$(ls -A "$WORK" | grep -F ".good_$kind.partial-")
  [[ -z $staged ]] || why+=("staging directory left behind: $staged")
  # The script redraws the figure from inside the output directory.
  if [[ ${#why[@]} -eq 0 ]]; then
    rm -f "$dir/$kind.png" "$dir/$kind.svg"
    (cd "$dir" && "${TIMEOUT[@]}" gnuplot "$kind.gp") >"$WORK/gp.log" 2>&1 ||
      why+=("cd DIR && gnuplot $kind.gp failed: $(head -c 300 "$WORK/gp.log")")
    [[ -s $dir/$kind.png && -s $dir/$kind.svg ]] || why+=("cd DIR && gnuplot $kind.gp did not redraw the images")
  fi
  if [[ ${#why[@]} -eq 0 ]]; then
    ok "$desc"
  else
    fail "$desc" "${why[@]}"
  fi
}

# ---- good inputs -----------------------------------------------------------------------------
if command -v gnuplot >/dev/null 2>&1; then
  expect_plot "arrhenius on the shipped CsPbI3 results" arrhenius $D/cspbi3_results.json
  expect_plot "arrhenius of two selected species" arrhenius $D/cspbi3_results.json --species I_i^- V_I^+
  # A one-species sweep: the MD reference lists every species, the plot only the simulated one.
  python3 - "$SRC/$D/cspbi3_results.json" "$WORK/one_species.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
for key in ("points", "arrhenius"):
    r[key] = [x for x in r[key] if x["species"] == "V_I^+"]
json.dump(r, open(sys.argv[2], "w"))
PY
  expect_plot "arrhenius of a one-species sweep" arrhenius "$WORK/one_species.json"
  others=$(grep "MD reference" "$WORK/good_arrhenius/arrhenius_data.dat" | grep -vc "V_I^+")
  check "the MD reference is plotted only for the simulated species" test "$others" -eq 0
  expect_plot "fermi on hand-made D(E_F) data" fermi $D/fermi_results.json
  expect_plot "field on hand-made drift data" field $D/field_results.json
  # An existing output directory: files replaced, other files kept.
  mkdir -p "$WORK/existing" && echo keep >"$WORK/existing/other.txt"
  if "$IONHOP" plot arrhenius $D/cspbi3_results.json --out "$WORK/existing" >/dev/null 2>&1 &&
    [[ -s $WORK/existing/arrhenius.png && $(cat "$WORK/existing/other.txt") == keep ]]; then
    ok "plot into an existing directory"
  else
    fail "plot into an existing directory"
  fi
else
  skip "good-input plots: gnuplot is not on PATH (install gnuplot-nox)"
fi

# ---- bad inputs ------------------------------------------------------------------------------
expect_error "missing results file" "$D/no_such_results.json" "cannot read file" \
  -- "$IONHOP" plot arrhenius $D/no_such_results.json --out "$OUT"
expect_error "malformed results JSON" "$D/malformed_results.json" "malformed JSON" "line 4" \
  -- "$IONHOP" plot arrhenius $D/malformed_results.json --out "$OUT"
expect_error "wrong type in results.json" "$D/wrong_type_results.json" "/points/0/temperature_k" \
  -- "$IONHOP" plot arrhenius $D/wrong_type_results.json --out "$OUT"
expect_error "unknown plot kind" "unknown plot kind 'histogram'" "arrhenius, fermi, field" \
  -- "$IONHOP" plot histogram $D/cspbi3_results.json --out "$OUT"
expect_error "fermi on results without fermi_level_ev" "$D/cspbi3_results.json" "/points" \
  "no plottable points for the fermi plot" -- "$IONHOP" plot fermi $D/cspbi3_results.json --out "$OUT"
expect_error "field on results without drift" "$D/cspbi3_results.json" "no plottable points for the field plot" \
  -- "$IONHOP" plot field $D/cspbi3_results.json --out "$OUT"
expect_error "arrhenius of an immobile species only" "no plottable points for the arrhenius plot" "V_I^-" \
  -- "$IONHOP" plot arrhenius $D/cspbi3_results.json --out "$OUT" --species V_I^-
expect_error "unknown --species" "--species" "V_Pb^2-" \
  -- "$IONHOP" plot arrhenius $D/cspbi3_results.json --out "$OUT" --species V_Pb^2-
expect_error "missing --out" "--out" \
  -- "$IONHOP" plot arrhenius $D/cspbi3_results.json
expect_error "gnuplot not on PATH" "gnuplot not found on PATH" "gnuplot-nox" \
  -- env PATH="$WORK/empty_path" "$IONHOP" plot arrhenius $D/cspbi3_results.json --out "$OUT"

# A failing plot leaves an existing output directory as it was.
mkdir -p "$OUT" && echo old >"$OUT/arrhenius.gp"
"$IONHOP" plot fermi $D/cspbi3_results.json --out "$OUT" >/dev/null 2>&1
if [[ $? -eq 2 && $(ls -A "$OUT") == arrhenius.gp && $(cat "$OUT/arrhenius.gp") == old &&
      $(ls -A "$RUN") == out ]]; then
  ok "failing plot leaves an existing --out directory untouched"
else
  fail "failing plot leaves an existing --out directory untouched" "$(ls -A "$RUN" "$OUT" | tr '\n' ' ')"
fi
rm -rf "$OUT"

finish   # 1 on a failure, else 77 (skipped) if gnuplot is missing
