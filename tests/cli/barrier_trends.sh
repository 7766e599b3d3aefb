#!/usr/bin/env bash
# CLI test of `ionhop barrier-trends`: the charge-state orderings of Fig. 1 on rate tables.
#   - the illustrative charge-state table (MD activation energies as barriers): the interstitial
#     ordering holds, the vacancy one is missing V_I^- (immobile, listed as such);
#   - a copy with I_i^- raised above I_i^+ is reported reversed (text and --json), and the
#     standard error of a fitted table (fit-barriers provenance) is read;
#   - a species in two tables, a missing table and --z 0 exit 2 with one line.
#
# Usage: barrier_trends.sh IONHOP SOURCE_DIR
set -u
source "$(dirname "$0")/common.sh"

setup barrier_trends 60 "$@"
ILL=rates/cspbi3_charge_states_illustrative.json
MLFF=rates/cspbi3_vi_plus_mlff.json

if "$IONHOP" barrier-trends $ILL >"$WORK/out" 2>"$WORK/err" && [[ ! -s $WORK/err ]]; then
  if grep -q '^I_i^+ > I_i^- > I_i^0 (z = 2): holds' "$WORK/out" &&
     grep -q '^V_I^- > V_I^0 > V_I^+ (z = 2): missing' "$WORK/out" &&
     grep -q '^V_I^-.*immobile' "$WORK/out"; then
    ok "illustrative table: interstitial ordering holds, V_I^- immobile, vacancy ordering missing"
  else
    fail "illustrative table: verdicts" "$(cat "$WORK/out")"
  fi
else
  fail "barrier-trends on the illustrative table exits 0 quietly" "$(cat "$WORK/err")"
fi

# I_i^- moved above I_i^+; V_I^+ taken from the MLFF table (with a standard error).
python3 - "$ILL" "$WORK/swapped.json" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
t["species"] = [s for s in t["species"] if s["name"] != "V_I^+"]
t.pop("charge_model", None)  # it names V_I^+
for s in t["species"]:
    if s["name"] == "I_i^-":
        for h in s["hops"]:
            h["barrier_ev"] = 0.5
json.dump(t, open(sys.argv[2], "w"), indent=1)
PY
if "$IONHOP" barrier-trends "$WORK/swapped.json" $MLFF --json >"$WORK/out.json" 2>"$WORK/err"; then
  if python3 - "$WORK/out.json" "$MLFF" <<'PY'; then
import json, sys
out = json.load(open(sys.argv[1]))
table = json.load(open(sys.argv[2]))
inter, vac = out["orderings"]
assert inter["expected_order"] == ["I_i^+", "I_i^-", "I_i^0"], inter
assert inter["overall"] == "reversed", inter
assert inter["pairs"][0]["verdict"] == "reversed" and inter["pairs"][1]["verdict"] == "holds"
assert abs(inter["pairs"][0]["difference_ev"] - (0.30 - 0.5)) < 1e-12
se = table["species"][0]["provenance"]["environment_fit"]["kra_fit"]["coefficients"]["E_KRA(I)"]["standard_error_ev"]
b = out["barriers"]["V_I^+"]
assert b["standard_error_ev"] == se and b["source"] == sys.argv[2], b
assert vac["pairs"][1]["verdict"] == "holds", vac   # V_I^0 (0.26) > V_I^+ (0.162)
assert abs(vac["pairs"][1]["standard_error_ev"] - se) < 1e-15
assert "V_I^-" in out["immobile"]
PY
    ok "--json: a swapped pair is reversed; the fitted table's standard error is used"
  else
    fail "--json verdicts" "$(head -c 3000 "$WORK/out.json")"
  fi
else
  fail "barrier-trends --json exits 0" "$(cat "$WORK/err")"
fi

expect_error "a species in two tables" "$MLFF" "/species/" "'V_I^+' is also in $ILL" \
  -- "$IONHOP" barrier-trends $ILL $MLFF
expect_error "a missing table" "$WORK/none.json" -- "$IONHOP" barrier-trends "$WORK/none.json"
expect_error "--z 0" "--z" -- "$IONHOP" barrier-trends $ILL --z 0

finish
