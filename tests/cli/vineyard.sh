#!/usr/bin/env bash
# CLI tests of `ionhop neb --vineyard` (harmonic-TST attempt frequency after a CI-NEB):
#   - the small 2x2x2 CsPbI3 vacancy NEB (tests/data/good/barriers/neb_vacancy.json, 39 atoms,
#     illustrative potential) prints "Vineyard prefactor: X THz (imaginary mode Y THz)" and
#     writes a "vineyard" object to neb.json: 3 translations removed, 3*39-3 modes at each
#     end, one imaginary mode at the saddle, 12*39 force calls, the printed value;
#   - the same with --threads 1 and 2 gives the identical vineyard object (deterministic);
#   - a band that does not converge (max_steps 1): exit 3, "prefactor not computed";
#   - --hessian-step-angstrom without --vineyard, or not positive: exit 2, one line, no output.
#
# Usage: vineyard.sh IONHOP SOURCE_DIR
set -u
source "$(dirname "$0")/common.sh"

setup vineyard 120 "$@"   # IONHOP, SRC, WORK, RUN, OUT, TIMEOUT
CONFIG=tests/data/good/barriers/neb_vacancy.json

# ---- converged NEB with --vineyard --------------------------------------------------------------
for threads in 1 2; do
  if run_rc "neb --vineyard converges (--threads $threads)" 0 "$IONHOP" neb $CONFIG --out "$WORK/t$threads" \
    --vineyard --threads $threads --quiet; then
    line=$(grep '^Vineyard prefactor: ' "$WORK/stdout")
    if [[ $line =~ ^Vineyard\ prefactor:\ [0-9.e+-]+\ THz\ \(imaginary\ mode\ [0-9.e+-]+\ THz\) ]]; then
      ok "prints the prefactor line: $line"
    else
      fail "prints the prefactor line" "$(cat "$WORK/stdout")"
    fi
  fi
done
if python3 - "$WORK/t1/neb.json" "$WORK/stdout" <<'PY'; then
import json, re, sys
v = json.load(open(sys.argv[1]))["vineyard"]
printed = float(re.search(r"Vineyard prefactor: (\S+) THz", open(sys.argv[2]).read()).group(1))
modes = 3 * 39 - 3
ok = (v["computed"] and v["removed_zero_modes"] == 3 and v["force_calls"] == 12 * 39
      and len(v["minimum_frequencies_thz"]) == modes and len(v["saddle_frequencies_thz"]) == modes
      and min(v["minimum_frequencies_thz"]) > 0
      and v["saddle_frequencies_thz"][0] == -v["imaginary_frequency_thz"]
      and v["saddle_frequencies_thz"][1] > 0
      and 0 < v["prefactor_thz"] < 100 and abs(v["prefactor_hz"] / 1e12 - v["prefactor_thz"]) < 1e-9
      and abs(printed / v["prefactor_thz"] - 1) < 1e-3
      and all(abs(x) < 1e-3 for x in v["removed_mode_frequencies_thz"]["minimum"]))
sys.exit(0 if ok else 1)
PY
  ok "neb.json vineyard: 3 translations removed, 114 modes each, 1 imaginary at the saddle, 468 force calls"
else
  fail "neb.json vineyard object" "$(head -c 1500 "$WORK/t1/neb.json")"
fi
if python3 - "$WORK/t1/neb.json" "$WORK/t2/neb.json" <<'PY'; then
import json, sys
a, b = (json.load(open(p))["vineyard"] for p in sys.argv[1:3])
for v in (a, b):
    v.pop("wall_time_s")
sys.exit(0 if a == b else 1)
PY
  ok "identical vineyard object with --threads 1 and 2"
else
  fail "identical vineyard object with --threads 1 and 2"
fi

# ---- unconverged band: the prefactor is not computed ---------------------------------------------
sed -e "s#\.\./\.\./\.\./\.\./#$PWD/#" -e 's/"max_steps": 200/"max_steps": 1/' $CONFIG >"$WORK/short.json"
if run_rc "unconverged band with --vineyard exits 3" 3 "$IONHOP" neb "$WORK/short.json" --out "$WORK/short" \
  --vineyard --threads 1 --quiet; then
  if grep -q '^Vineyard prefactor not computed: the NEB did not converge' "$WORK/stdout" &&
     grep -q '"computed": false' "$WORK/short/neb.json"; then
    ok "says the prefactor was not computed (stdout and neb.json)"
  else
    fail "says the prefactor was not computed (stdout and neb.json)" "$(cat "$WORK/stdout")"
  fi
fi

# ---- bad options ----------------------------------------------------------------------------------
expect_error "--hessian-step-angstrom without --vineyard" "requires --vineyard" \
  -- "$IONHOP" neb $CONFIG --out "$OUT" --hessian-step-angstrom 0.01 --quiet
expect_error "--hessian-step-angstrom 0" "--hessian-step-angstrom" \
  -- "$IONHOP" neb $CONFIG --out "$OUT" --vineyard --hessian-step-angstrom 0 --quiet

finish
