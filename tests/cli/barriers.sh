#!/usr/bin/env bash
# CLI tests of the offline barrier stage: `ionhop neb`, `ionhop sample-barriers` and
# `ionhop fit-barriers`.
#   - every bad input (tests/data/bad/barriers/) exits 2 with exactly one stderr line starting
#     "ionhop: error: " that names the file and the problem, and writes no output;
#   - --plan lists each occupation with its non-default site occupants (none in a pure host, one
#     Br per b of the key in a mixed one);
#   - end to end: a small pure-iodide campaign on 2x2x2 CsPbI3 with the illustrative potential
#     (tests/data/good/barriers/campaign_cspbi3_iodide.json) is sampled with --limit 1, resumed
#     (finished samples untouched), fitted into a rate table, and the table runs in a sweep;
#   - the same campaign with "vineyard" enabled: every converged sample carries a Vineyard
#     prefactor, fit-barriers with "attempt_frequency_hz": "vineyard" writes their geometric
#     mean and its statistics; "vineyard" without any prefactor (the samples above) and
#     resuming the non-vineyard directory with vineyard on exit 2 with one line;
#   - NEB configs: "initial_start" seeds the initial endpoint's free atoms; "fix_elements" fixes
#     every atom of the named elements (an absent, a hopping or a repeated element: one line);
#   - a split-interstitial (I_i^-) campaign on the same cell: sampled, fitted into an
#     interstitial species (element I, direct hops, no environment model) that a sweep runs;
#     interstitial keys on a vacancy, a missing interstitial element, an unknown mechanism and
#     two host species exit 2 with one line.
#
# Usage: barriers.sh IONHOP SOURCE_DIR
set -u
source "$(dirname "$0")/common.sh"

setup barriers 120 "$@"   # IONHOP, SRC, WORK, RUN (parent of every bad --out: must stay empty), OUT, TIMEOUT
B=tests/data/bad/barriers
G=tests/data/good/barriers
CAMPAIGN=$G/campaign_cspbi3_iodide.json

# The bad-input invocations, each writing under $RUN (which must stay empty).
neb() { "${TIMEOUT[@]}" "$IONHOP" neb "$@" --out "$OUT" --threads 1 --quiet; }
sample() { "${TIMEOUT[@]}" "$IONHOP" sample-barriers "$@" --out "$OUT" --threads 1; }
fit_barriers() { "${TIMEOUT[@]}" "$IONHOP" fit-barriers "$@" --out "$RUN/rates.json"; }

# ---- sanity: the template of the bad NEB configs is good --------------------------------------
if run_ok "baseline $G/neb_vacancy.json converges" "$IONHOP" neb $G/neb_vacancy.json --out "$WORK/neb" \
  --threads 1 --quiet; then
  if [[ -s $WORK/neb/neb.json && $(grep -c '^Lattice=' "$WORK/neb/path.extxyz") -eq 5 ]]; then
    ok "neb writes neb.json and a 5-frame path.extxyz (3 images + 2 endpoints)"
  else
    fail "neb writes neb.json and a 5-frame path.extxyz (3 images + 2 endpoints)" "$(ls -A "$WORK/neb")"
  fi
fi

# ---- 1. NEB config -----------------------------------------------------------------------------
expect_error "neb: unknown schema" "$B/neb_unknown_schema.json" "/schema" "ionhop.neb/1" \
  -- neb $B/neb_unknown_schema.json
expect_error "neb: unknown top-level key" "$B/neb_unknown_key.json" "/images" "unknown key" \
  -- neb $B/neb_unknown_key.json
expect_error "neb: both endpoints and lattice" "$B/neb_endpoints_and_lattice.json" "give either" \
  -- neb $B/neb_endpoints_and_lattice.json
expect_error "neb: neither endpoints nor lattice" "$B/neb_neither.json" "give either" \
  -- neb $B/neb_neither.json
expect_error "neb: unknown interpolation" "$B/neb_unknown_interpolation.json" "/neb/interpolation" "'spline'" \
  -- neb $B/neb_unknown_interpolation.json
expect_error "neb: images 0" "$B/neb_images_zero.json" "/neb/images" ">= 1" \
  -- neb $B/neb_images_zero.json
expect_error "neb: hop index out of range" "$B/neb_hop_out_of_range.json" "/hop/hop" "has 8 hops" \
  -- neb $B/neb_hop_out_of_range.json
# Site 0 is the first cell's Pb (sublattice B). The CLI does not check from_site against
# /hop/sublattice: the error comes from site 0 having no hops ("/hop/hop: site 0 has 0 hops").
expect_error "neb: from_site not on the X sublattice" "$B/neb_from_site_not_on_sublattice.json" "/hop/" "site 0" \
  -- neb $B/neb_from_site_not_on_sublattice.json
expect_error "neb: unknown mechanism" "$B/neb_unknown_mechanism.json" "/hop/mechanism" "'exchange'" \
  -- neb $B/neb_unknown_mechanism.json
expect_error "neb: potential file with an unknown schema" "$B/potential_unknown_schema.json" "/schema" \
  "ionhop.something/1" -- neb $B/neb_potential_unknown_schema.json

# ---- 1b. "initial_start": the initial endpoint's free atoms from a file --------------------------
# Run A: the frozen-host hop. Run B: the same with "initial_start" = A's image 2 (not a minimum)
# and relax_endpoints false, so B's first frame must be that image exactly (free atoms from
# the start, the frozen host as built) with the same energy.
frozen_neb_config() {  # frozen_neb_config OUT_JSON [EXTRA_TOP_LEVEL_JSON]
  sed -e "s#\"\.\./\.\./\.\./\.\./#\"$SRC/#" -e 's#"charge_e": 1,#"charge_e": 1, "fix_beyond_angstrom": 4.5,'"${2:-}"'#' \
    $G/neb_vacancy.json >"$1"
}
frame_of() {  # frame_of FILE K: frame K (0-based) of an extxyz
  awk -v want="$2" 'BEGIN { f = -1 } /^[0-9]+$/ && left == 0 { f++; left = $1 + 2 }
    left > 0 { if (f == want) print; left-- }' "$1"
}
frozen_neb_config "$WORK/frozen.json"
if run_ok "neb in a frozen host (4.5 A)" "$IONHOP" neb "$WORK/frozen.json" --out "$WORK/frozen" --threads 1 --quiet; then
  frame_of "$WORK/frozen/path.extxyz" 2 >"$WORK/start.extxyz"
  frozen_neb_config "$WORK/started.json" ' "initial_start": "'"$WORK"'/start.extxyz",'
  # One band step: exit 3 (not converged), the endpoints written as given.
  sed -i 's#"max_steps": 200,#"max_steps": 1, "relax_endpoints": false,#' "$WORK/started.json"
  if run_rc "neb with initial_start (image 2 of that band), endpoints not relaxed, 1 step" 3 "$IONHOP" \
    neb "$WORK/started.json" --out "$WORK/started" --threads 1 --quiet; then
    frame_of "$WORK/started/path.extxyz" 0 >"$WORK/started0.extxyz"
    python3 - "$WORK/start.extxyz" "$WORK/started0.extxyz" "$WORK/started/neb.json" <<'PY' &&
import json, re, sys
def frame(path):
    lines = open(path).read().split("\n")
    energy = float(re.search(r"energy=(\S+)", lines[1]).group(1))
    return energy, [l.split()[:4] + [l.split()[-1]] for l in lines[2:] if l.strip()]
(e_start, start), (e_first, first) = frame(sys.argv[1]), frame(sys.argv[2])
same = all(abs(float(a[c]) - float(b[c])) < 1e-6 for a, b in zip(start, first) for c in (1, 2, 3))
fixed = sum(1 for a in first if a[-1] == "T")
neb = json.load(open(sys.argv[3]))
sys.exit(0 if same and fixed > 0 and abs(e_start - e_first) < 1e-6
         and neb["settings"]["initial_start"].endswith("start.extxyz") else 1)
PY
      ok "the first frame is the start (positions and energy to 1e-6), frozen host kept, start recorded in neb.json" ||
      fail "the first frame is the start" "$(head -3 "$WORK/start.extxyz" "$WORK/started0.extxyz")"
  fi
  # Bad starts: another atom count; a frozen-host atom moved; with endpoint files.
  printf '1\nLattice="6 0 0 0 6 0 0 0 6" Properties=species:S:1:pos:R:3 pbc="T T T"\nI 0 0 0\n' >"$WORK/one_atom.extxyz"
  frozen_neb_config "$WORK/bad_count.json" ' "initial_start": "'"$WORK"'/one_atom.extxyz",'
  expect_error "neb: initial_start with another atom count" "one_atom.extxyz" "has 1 atoms, the hop 39" \
    -- neb "$WORK/bad_count.json"
  awk 'NR > 2 && $NF == "T" && !done { $2 = $2 + 0.3; done = 1 } { print }' "$WORK/start.extxyz" \
    >"$WORK/moved_host.extxyz"
  frozen_neb_config "$WORK/bad_host.json" ' "initial_start": "'"$WORK"'/moved_host.extxyz",'
  expect_error "neb: initial_start that moved the frozen host" "moved_host.extxyz" "is in the frozen host" \
    -- neb "$WORK/bad_host.json"
fi
cat >"$WORK/files_start.json" <<EOF
{"schema": "ionhop.neb/1", "potential": "$SRC/examples/potentials/cspbi3_buckingham_coulomb.json",
 "endpoints": {"initial": "$SRC/$B/two_atoms.extxyz", "final": "$SRC/$B/three_atoms.extxyz"},
 "initial_start": "$SRC/$B/two_atoms.extxyz", "neb": {"images": 3}}
EOF
expect_error "neb: initial_start with endpoint files" "files_start.json" "/initial_start" "only for a hop built" \
  -- neb "$WORK/files_start.json"

# ---- 1c. "fix_elements": every atom of these elements fixed --------------------------------------
# The frozen-host hop with the cations fixed too: every Pb and Cs must sit at the same place in
# every frame of the band (the built positions: the unrelaxed, unrattled first frame of the
# plain frozen run is not at hand, so equal across frames and flagged fixed), the iodides move.
frozen_neb_config "$WORK/cations.json" ' "fix_elements": ["Pb", "Cs"],'
if run_ok "neb in a frozen host with fix_elements [Pb, Cs]" "$IONHOP" neb "$WORK/cations.json" \
  --out "$WORK/cations" --threads 1 --quiet; then
  python3 - "$WORK/cations/path.extxyz" "$WORK/cations/neb.json" <<'PY' &&
import json, sys
lines = open(sys.argv[1]).read().split("\n")
frames, i = [], 0
while i < len(lines) and lines[i].strip():
    n = int(lines[i]); frames.append([l.split() for l in lines[i + 2:i + 2 + n]]); i += n + 2
cations_still = all(a[1:4] == f[k][1:4] and f[k][-1] == "T"
                    for f in frames for k, a in enumerate(frames[0]) if a[0] in ("Pb", "Cs"))
iodides_move = any(a[1:4] != f[k][1:4] for f in frames for k, a in enumerate(frames[0]) if a[0] == "I")
neb = json.load(open(sys.argv[2]))
sys.exit(0 if len(frames) == 5 and cations_still and iodides_move
         and neb["settings"]["fix_elements"] == ["Pb", "Cs"] else 1)
PY
    ok "Pb and Cs fixed and identical in every frame, iodides move, fix_elements in neb.json" ||
    fail "Pb and Cs fixed in every frame" "$(head -5 "$WORK/cations/path.extxyz")"
fi
frozen_neb_config "$WORK/fix_br.json" ' "fix_elements": ["Br"],'
expect_error "neb: fix_elements names an element the hop lacks" "fix_br.json" "/fix_elements" \
  "no atom of element 'Br'" -- neb "$WORK/fix_br.json"
frozen_neb_config "$WORK/fix_i.json" ' "fix_elements": ["Cs", "I"],'
expect_error "neb: fix_elements names the hopping element" "fix_i.json" "/fix_elements" \
  "'I' takes part in the hop" -- neb "$WORK/fix_i.json"
frozen_neb_config "$WORK/fix_dup.json" ' "fix_elements": ["Pb", "Pb"],'
expect_error "neb: fix_elements with a duplicate" "fix_dup.json" "/fix_elements" "duplicate 'Pb'" \
  -- neb "$WORK/fix_dup.json"

# ---- 2. NEB endpoints from extxyz files ---------------------------------------------------------
# Endpoint problems found by the NEB itself are reported against the NEB config.
expect_error "neb: endpoints with different atom counts" "$B/neb_files_atom_count.json" "different atom counts" \
  "initial 2, final 3" -- neb $B/neb_files_atom_count.json
expect_error "neb: endpoints with the same atoms in another order" "$B/neb_files_element_order.json" \
  "differ at atom 0" -- neb $B/neb_files_element_order.json
expect_error "neb: element Xx not in the potential" "$B/unknown_element_initial.extxyz" "element Xx" \
  -- neb $B/neb_files_unknown_element.json
expect_error "neb: overlapping atoms (0.3 A)" "$B/overlap_initial.extxyz" "overlap" \
  -- neb $B/neb_files_overlap.json
expect_error "neb: cell narrower than twice the cutoff" "$B/small_cell_initial.extxyz" "cutoff 6" \
  "half the smallest cell width" -- neb $B/neb_files_small_cell.json
expect_error "neb: endpoint relaxation not converged (endpoint_max_steps 1)" "$B/neb_files_not_converged.json" \
  "endpoint initial did not converge" -- neb $B/neb_files_not_converged.json

# ---- 3. campaign config -------------------------------------------------------------------------
expect_error "campaign: unknown environment shell" "$B/campaign_unknown_shell.json" "/environment/shell" "'X-Y'" \
  -- sample $B/campaign_unknown_shell.json
expect_error "campaign: moving species not in species" "$B/campaign_moving_not_in_species.json" \
  "/environment/moving_species" "'Br'" -- sample $B/campaign_moving_not_in_species.json
expect_error "campaign: unknown sampling mode" "$B/campaign_unknown_mode.json" "/sampling/mode" "'random'" \
  -- sample $B/campaign_unknown_mode.json
expect_error "campaign: unknown endpoint mode" "$B/campaign_unknown_endpoints.json" "/sampling/endpoints" \
  "unknown endpoint mode" -- sample $B/campaign_unknown_endpoints.json
expect_error "campaign: negative frozen-host radius" "$B/campaign_negative_fix_radius.json" \
  "/sampling/fix_beyond_angstrom" "" -- sample $B/campaign_negative_fix_radius.json
expect_error "neb: negative band rattle" "$B/neb_negative_band_rattle.json" "/neb/band_rattle_angstrom" "" \
  -- neb $B/neb_negative_band_rattle.json
expect_error "campaign: reference_species not in species" "$B/campaign_reference_not_in_species.json" \
  "/rate_table/reference_species" "'Br'" -- sample $B/campaign_reference_not_in_species.json
expect_error "campaign: no rate_table" "$B/campaign_missing_rate_table.json" "/rate_table" "missing" \
  -- sample $B/campaign_missing_rate_table.json
expect_error "campaign: no attempt_frequency_hz" "$B/campaign_missing_attempt_frequency.json" \
  "/rate_table/attempt_frequency_hz" "missing" -- sample $B/campaign_missing_attempt_frequency.json
expect_error "campaign: exhaustive occupations > max_exhaustive" "$B/campaign_exhaustive_too_many.json" \
  "4096" "limit 100" "stratified" -- sample $B/campaign_exhaustive_too_many.json
expect_error "fit-barriers: campaign without rate_table" "$B/campaign_missing_rate_table.json" "/rate_table" \
  -- fit_barriers $B/campaign_missing_rate_table.json --samples $B/samples_not_converged.json
expect_error "fit-barriers: no converged sample" "$B/samples_not_converged.json" "no converged samples" \
  "2 not converged" -- fit_barriers $CAMPAIGN --samples $B/samples_not_converged.json

# ---- 4. end to end: sample (limited), resume, fit, sweep ----------------------------------------
C="$WORK/c"
S="$C/samples.json"
if run_ok "sample-barriers --plan: one occupation, two starts" "$IONHOP" sample-barriers $CAMPAIGN --out "$C" --plan; then
  if grep -q '^Campaign V_I^+: 2 occupations of 12 varied sites' "$WORK/stdout" && [[ ! -e $C ]]; then
    ok "--plan prints the plan and writes nothing"
  else
    fail "--plan prints the plan and writes nothing" "$(cat "$WORK/stdout")"
  fi
  if [[ $(grep -c '^  V_I^+/a|a\{12\}\(#1\)\? *occupants {}$' "$WORK/stdout") -eq 2 ]]; then
    ok "--plan: a pure host changes no occupant"
  else
    fail "--plan: a pure host changes no occupant" "$(cat "$WORK/stdout")"
  fi
fi
# A mixed-halide variant: every planned line lists as many Br sites (ionhop.neb
# /hop/occupants) as its key has b's (the moving ion's included), none of them the vacancy's.
python3 - "$SRC" "$CAMPAIGN" "$WORK" <<'PY'
import json, sys
src, campaign, work = sys.argv[1:]
c = json.load(open(campaign))
c["lattice"] = src + "/lattices/cspb_i0.5br0.5_cubic.json"
c["potential"] = src + "/examples/potentials/cspbx3_buckingham_coulomb.json"
c["environment"] = {"shell": "X-X", "species": ["I", "Br"], "background": "I",
                    "moving_species": ["I", "Br"]}
c["sampling"] = {"mode": "stratified", "budget_per_moving_species": 4, "seed": 7}
c["defect"]["name"] = "V_X^+"
json.dump(c, open(work + "/campaign_mixed.json", "w"), indent=2)
PY
if run_ok "sample-barriers --plan: mixed host" "$IONHOP" sample-barriers "$WORK/campaign_mixed.json" \
  --out "$WORK/mixed_plan" --plan; then
  if python3 - "$WORK/stdout" <<'PY'
import json, re, sys
lines = [l for l in open(sys.argv[1]) if l.startswith("  V_X^+/")]
assert len(lines) == 8, lines
for l in lines:
    m = re.match(r"  V_X\^\+/([ab])\|([ab]{12}) +occupants (\{.*\})$", l)
    assert m, l
    changed = json.loads(m.group(3))
    assert set(changed.values()) <= {"Br"}, l
    assert len(changed) == (m.group(1) + m.group(2)).count("b"), l
    assert "2" not in changed, l  # the vacancy's site (the hop's origin)
PY
  then
    ok "--plan: mixed host lists one Br site per b of the key"
  else
    fail "--plan: mixed host lists one Br site per b of the key" "$(cat "$WORK/stdout")"
  fi
fi
start=$SECONDS
if run_ok "sample-barriers --limit 1" "$IONHOP" sample-barriers $CAMPAIGN --out "$C" --limit 1 --threads 2; then
  echo "       ($((SECONDS - start)) s) $(grep '^\[1/2\]' "$WORK/stdout")"
  if [[ -s $S && -s $C/paths/0000.extxyz ]] && grep -q '^1 new samples (0 not converged); 1 of 2' "$WORK/stdout"; then
    ok "first run: samples.json and paths/0000.extxyz, 1 converged sample"
  else
    fail "first run: samples.json and paths/0000.extxyz, 1 converged sample" "$(cat "$WORK/stdout")" "$(ls -AR "$C")"
  fi
fi
cp "$S" "$WORK/samples_first.json" 2>/dev/null

# One sample for one coefficient (E_KRA(I)): fit-barriers refuses it (no residual left).
expect_error "fit-barriers on a single sample" "$S" \
  "need more converged samples than fitted coefficients" "1 samples, 1 coefficients" \
  -- fit_barriers $CAMPAIGN --samples "$S"

# Resuming with another config (another hash) is refused, naming samples.json; nothing changes.
expect_error "resuming with a different campaign config" "$S" "samples.json" "/provenance" "different campaign" \
  -- "$IONHOP" sample-barriers $B/campaign_different_config.json --out "$C" --threads 1
check "samples.json untouched by the refused resume" cmp -s "$S" "$WORK/samples_first.json"
check "no new path written by the refused resume" test "$(ls -A "$C/paths")" == "0000.extxyz"

if run_ok "sample-barriers resumes" "$IONHOP" sample-barriers $CAMPAIGN --out "$C" --threads 2; then
  if grep -q "^Resuming: 1 samples" "$WORK/stdout" && grep -q '^1 new samples (0 not converged); 2 of 2' "$WORK/stdout" &&
     ! grep -q '^\[1/2\]' "$WORK/stdout"; then
    ok "second run reports 'Resuming: 1 samples' and computes only the second"
  else
    fail "second run reports 'Resuming: 1 samples' and computes only the second" "$(cat "$WORK/stdout")"
  fi
fi
# The finished sample is not recomputed: its id and energies are unchanged.
first_sample() { grep -m1 -E '"(barrier_ev|id)"' "$1"; grep -m1 '"reaction_energy_ev"' "$1"; }
if [[ -n $(first_sample "$S") && $(first_sample "$S") == $(first_sample "$WORK/samples_first.json") ]]; then
  ok "first sample unchanged after resuming"
else
  fail "first sample unchanged after resuming" "$(first_sample "$S")" "$(first_sample "$WORK/samples_first.json")"
fi
check "two samples on file" test "$(grep -c '"barrier_ev"' "$S")" -eq 2

# Two samples determine E_KRA(I): fit → rate table → sweep.
R="$WORK/rates.json"
if run_ok "fit-barriers writes a rate table" "$IONHOP" fit-barriers $CAMPAIGN --samples "$S" --out "$R"; then
  if grep -q '"name": "V_I^+"' "$R" && grep -q '"moving_species": "I"' "$R" && grep -q '"mechanism": "vacancy"' "$R"; then
    ok "rate table: V_I^+ vacancy hop with moving species I"
  else
    fail "rate table: V_I^+ vacancy hop with moving species I" "$(head -c 2000 "$R")"
  fi
  cat >"$WORK/sweep.json" <<EOF
{
  "schema": "ionhop.sweep/1",
  "description": "tests/cli/barriers.sh: the fitted rate table in a tiny sweep",
  "lattice": "$SRC/lattices/cspbi3_cubic.json",
  "rates": "$R",
  "species": ["V_I^+"],
  "temperatures_k": [300],
  "supercells": [[4, 4, 4]],
  "defects_per_supercell": [1],
  "replicas": 2,
  "stop": {"hops": 2000},
  "blocks": 10,
  "seed": 7
}
EOF
  if run_ok "sweep with the fitted rate table" "$IONHOP" sweep "$WORK/sweep.json" --out "$WORK/sweep" \
    --threads 2 --quiet; then
    check "sweep writes results.json" test -s "$WORK/sweep/results.json"
  fi
fi

# ---- 5. Vineyard prefactors: the same campaign with "vineyard", fitted with "vineyard" ν -----
# The campaign config with /vineyard enabled and "attempt_frequency_hz": "vineyard" (absolute
# lattice and potential paths, since it lives in $WORK).
V="$WORK/campaign_vineyard.json"
python3 - "$SRC" "$CAMPAIGN" "$V" <<'PY'
import json, sys
src, campaign, out = sys.argv[1:]
c = json.load(open(campaign))
c["lattice"] = src + "/lattices/cspbi3_cubic.json"
c["potential"] = src + "/examples/potentials/cspbi3_buckingham_coulomb.json"
c["vineyard"] = {"enabled": True, "hessian_step_angstrom": 0.005}
# Rattle streams 3 and 4 both relax into a minimum and a first-order saddle (7, the template's
# seed, does not: "saddle has 3 imaginary modes"), so the mean is over two prefactors.
c["sampling"]["seed"] = 3
c["rate_table"]["attempt_frequency_hz"] = "vineyard"
json.dump(c, open(out, "w"), indent=2)
PY
# The samples of section 4 have no prefactor: one line naming the config and the pointer.
expect_error "fit-barriers: \"vineyard\" attempt frequency without any prefactor" "$V" \
  "/rate_table/attempt_frequency_hz" "no converged sample of moving species 'I'" "has a Vineyard prefactor" \
  -- fit_barriers "$V" --samples "$S"
# Enabling vineyard is a different campaign: resuming the directory of section 4 is refused.
expect_error "resuming without-vineyard samples with vineyard on" "$S" "/provenance" "different campaign" \
  -- "$IONHOP" sample-barriers "$V" --out "$C" --threads 1
CV="$WORK/cv"
start=$SECONDS
if run_ok "sample-barriers with vineyard" "$IONHOP" sample-barriers "$V" --out "$CV" --threads 2; then
  echo "       ($((SECONDS - start)) s) $(grep -c 'Vineyard prefactor' "$WORK/stdout") prefactor line(s)"
  RV="$WORK/rates_vineyard.json"
  if run_ok "fit-barriers with \"attempt_frequency_hz\": \"vineyard\"" "$IONHOP" fit-barriers "$V" \
    --samples "$CV/samples.json" --out "$RV"; then
    # ν of the hop = geometric mean of the samples' prefactors; provenance has the statistics;
    # the campaign provenance records the Hessian step.
    if python3 - "$CV/samples.json" "$RV" <<'PY'; then
import json, math, sys
samples = json.load(open(sys.argv[1]))
table = json.load(open(sys.argv[2]))
nus = [s["attempt_frequency_hz"] for s in samples["samples"] if "attempt_frequency_hz" in s]
assert len(nus) == 2, "expected a prefactor on both samples: %r" % samples["samples"]
assert all(s["converged"] for s in samples["samples"])
assert samples["provenance"]["vineyard"] == {"enabled": True, "hessian_step_angstrom": 0.005,
                                             "imaginary_tolerance_thz": 0.05}
mean = math.exp(sum(math.log(x) for x in nus) / len(nus))
sp = table["species"][0]
hop = sp["hops"][0]
assert abs(hop["attempt_frequency_hz"] / mean - 1) < 1e-12, (hop, mean)
st = table["provenance"]["vineyard_prefactors"]["I"]
assert st["samples"] == len(nus) and st["used_in_rate_table"], st
assert abs(st["geometric_mean_hz"] / mean - 1) < 1e-12
assert st["min_hz"] == min(nus) and st["max_hz"] == max(nus)
se = abs(math.log(nus[0]) - math.log(nus[1])) / 2  # s/sqrt(n) for n = 2
assert abs(st["log_standard_error"] / se - 1) < 1e-9, (st, se)
assert "Vineyard" in table["provenance"]["attempt_frequency"]
print("       nu* = %.4g THz, geometric mean of %.4g and %.4g THz" % (mean / 1e12, nus[0] / 1e12, nus[1] / 1e12))
PY
      ok "rate table: nu(I) = geometric mean of the samples' Vineyard prefactors, statistics in the provenance"
    else
      fail "rate table: nu(I) = geometric mean of the samples' Vineyard prefactors" "$(head -c 3000 "$RV")"
    fi
  fi
fi

# ---- 5a. metastable starts: /rate_table/ground_state_tolerance_ev ----------------------------
# The two rattles of section 5 converge; each records its relaxed initial energy. A tolerance
# above their spread fits both and lists no exclusion; tolerance 0 drops the higher start (and
# one sample is then too few to fit: a one-line error); a negative tolerance is bad input.
python3 - "$V" "$WORK" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
for name, tol in (("wide", 1.0), ("zero", 0.0), ("negative", -0.1)):
    c["rate_table"]["ground_state_tolerance_ev"] = tol
    json.dump(c, open(sys.argv[2] + "/campaign_ground_state_%s.json" % name, "w"), indent=2)
PY
expect_error "campaign: negative ground_state_tolerance_ev" "$WORK/campaign_ground_state_negative.json" \
  "/rate_table/ground_state_tolerance_ev" -- sample "$WORK/campaign_ground_state_negative.json"
if [[ -f $CV/samples.json ]]; then
  check "both converged samples record initial_energy_ev" python3 -c "
import json, sys
s = json.load(open(sys.argv[1]))['samples']
assert all(x['converged'] and isinstance(x['initial_energy_ev'], float) for x in s), s" "$CV/samples.json"
  if run_ok "fit-barriers with a ground-state tolerance above the spread" "$IONHOP" fit-barriers \
    "$WORK/campaign_ground_state_wide.json" --samples "$CV/samples.json" --out "$WORK/rates_gs.json"; then
    check "no metastable start at 1 eV; the tolerance in the provenance" python3 -c "
import json, sys
p = json.load(open(sys.argv[1]))['provenance']['metastable_starts_excluded']
assert p == {'ground_state_tolerance_ev': 1.0, 'samples': []}, p" "$WORK/rates_gs.json"
  fi
  expect_error "fit-barriers: tolerance 0 leaves one sample, too few to fit" "$CV/samples.json" \
    "need more converged samples" -- fit_barriers "$WORK/campaign_ground_state_zero.json" --samples "$CV/samples.json"
  check "tolerance 0: the higher start was named" grep -q "initial state .* eV above the lowest" "$WORK/stdout"
  # Merged endpoints: both samples record a hop-length separation; one edited to 0.01 A (as
  # a split vacancy gives) is still fitted, and fit-barriers names it, on stdout and in the
  # table's provenance.
  check "both converged samples record an endpoint separation between half a hop and a hop (4.45 A)" python3 -c "
import json, sys
s = json.load(open(sys.argv[1]))['samples']
assert all(2.2 < x['endpoint_separation_angstrom'] < 4.55 for x in s), s" "$CV/samples.json"
  python3 - "$CV/samples.json" "$WORK/samples_merged.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["samples"][1]["endpoint_separation_angstrom"] = 0.01
json.dump(d, open(sys.argv[2], "w"), indent=2)
PY
  if run_ok "fit-barriers with one merged-endpoint sample" "$IONHOP" fit-barriers \
    "$WORK/campaign_ground_state_wide.json" --samples "$WORK/samples_merged.json" --out "$WORK/rates_merged.json"; then
    check "merged sample named on stdout, as fitted" grep -q "1 fitted sample(s) with endpoints relaxed into one state" "$WORK/stdout"
    check "merged sample listed in the provenance; both samples fitted" python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
p = d['provenance']['merged_endpoints']
sid = json.load(open(sys.argv[2]))['samples'][1]['id']
assert p['samples'] == [sid] and p['separation_below_angstrom'] == 0.1, p
assert d['provenance']['environment_fit']['kra_fit']['samples'] == 2, d['provenance']['environment_fit']['kra_fit']" \
      "$WORK/rates_merged.json" "$WORK/samples_merged.json"
  fi
fi

# ---- 5b. saddle refinement: a band on a higher-order saddle pushed off it --------------------
# Rattle stream 8 at 0.02 eV/A converges on a saddle with 2 unstable modes (-0.40, -0.06 THz):
# no prefactor. With /vineyard/saddle_refinements the band is pushed off along the extra mode,
# converges again, and its saddle is first order: a prefactor, and the refinement in the
# provenance. Two bad values of the new keys exit 2 naming them.
python3 - "$SRC" "$CAMPAIGN" "$WORK" <<'PY'
import copy, json, sys
src, campaign, work = sys.argv[1:]
c = json.load(open(campaign))
c["lattice"] = src + "/lattices/cspbi3_cubic.json"
c["potential"] = src + "/examples/potentials/cspbi3_buckingham_coulomb.json"
c["sampling"].update(seed=8, repeats=1)
c["neb"].update(force_tolerance_ev_per_angstrom=0.02, max_steps=3000)
c["vineyard"] = {"enabled": True, "hessian_step_angstrom": 0.005}
json.dump(c, open(work + "/campaign_ridge.json", "w"), indent=2)
r = copy.deepcopy(c)
r["vineyard"].update(saddle_refinements=3, saddle_refinement_angstrom=0.1)
json.dump(r, open(work + "/campaign_ridge_refined.json", "w"), indent=2)
b = copy.deepcopy(r)
b["vineyard"]["saddle_refinements"] = -1
json.dump(b, open(work + "/bad_refinements_negative.json", "w"), indent=2)
b = copy.deepcopy(r)
b["vineyard"]["enabled"] = False
json.dump(b, open(work + "/bad_refinements_no_vineyard.json", "w"), indent=2)
PY
expect_error "campaign: negative saddle_refinements" "$WORK/bad_refinements_negative.json" \
  "/vineyard/saddle_refinements" -- sample "$WORK/bad_refinements_negative.json"
expect_error "campaign: saddle_refinements without vineyard" "$WORK/bad_refinements_no_vineyard.json" \
  "/vineyard/saddle_refinements" "enabled" -- sample "$WORK/bad_refinements_no_vineyard.json"
if run_ok "sample-barriers on a ridge band, no refinement" "$IONHOP" sample-barriers \
  "$WORK/campaign_ridge.json" --out "$WORK/ridge" --threads 2; then
  check "without refinement: a higher-order saddle, no prefactor" \
    grep -q "no prefactor: saddle has [2-9] imaginary modes" "$WORK/stdout"
fi
if run_ok "sample-barriers with saddle_refinements" "$IONHOP" sample-barriers \
  "$WORK/campaign_ridge_refined.json" --out "$WORK/ridge_refined" --threads 2; then
  check "the band was pushed off the higher-order saddle" grep -q "pushed off a higher-order saddle" "$WORK/stdout"
  if python3 - "$WORK/ridge_refined/samples.json" <<'PY'; then
import json, sys
d = json.load(open(sys.argv[1]))
s = d["samples"][0]
assert s["converged"] and s.get("attempt_frequency_hz", 0) > 0, s
assert "imaginary modes" not in s.get("vineyard_warning", ""), s
v = d["provenance"]["vineyard"]
assert v["saddle_refinements"] == 3 and v["saddle_refinement_angstrom"] == 0.1, v
PY
    ok "refined: first-order saddle with a Vineyard prefactor, refinement in the provenance"
  else
    fail "refined: first-order saddle with a Vineyard prefactor" "$(head -c 2000 "$WORK/ridge_refined/samples.json")"
  fi
fi

# ---- 6. a split-interstitial campaign ----------------------------------------------------------
# The template turned into I_i^- (pair 2.8 A apart, perpendicular to the Pb-I axis, cell charge
# -1) and bad variants of it, all in $WORK with absolute paths.
python3 - "$SRC" "$CAMPAIGN" "$WORK" <<'PY'
import copy, json, sys
src, campaign, work = sys.argv[1:]
c = json.load(open(campaign))
c["lattice"] = src + "/lattices/cspbi3_cubic.json"
c["potential"] = src + "/examples/potentials/cspbi3_buckingham_coulomb.json"
c["defect"] = {"name": "I_i^-", "charge": -1, "sublattice": "X", "hop_shell": "X-X", "hop": 0,
               "mechanism": "interstitial", "interstitial_element": "I",
               "interstitial_delta_angstrom": 1.4, "axis_sublattice": "B"}
c["rate_table"]["name"] = "test: I_i^- from a pure-iodide campaign"
json.dump(c, open(work + "/campaign_interstitial.json", "w"), indent=2)
def bad(name, change):
    b = copy.deepcopy(c)
    change(b)
    json.dump(b, open(work + "/" + name, "w"), indent=2)
bad("bad_no_element.json", lambda b: b["defect"].pop("interstitial_element"))
bad("bad_mechanism.json", lambda b: b["defect"].update(mechanism="kickout"))
bad("bad_vacancy_keys.json", lambda b: b["defect"].update(mechanism="vacancy"))
bad("bad_two_species.json", lambda b: b["environment"].update(species=["I", "Br"]))
bad("bad_fix_iodide.json", lambda b: b["sampling"].update(fix_elements=["Cs", "I"]))
bad("campaign_fixed_cations.json", lambda b: b["sampling"].update(fix_elements=["Pb", "Cs"],
                                                                  fix_beyond_angstrom=4.5))
PY
I="$WORK/campaign_interstitial.json"
expect_error "campaign: interstitial without its element" "$WORK/bad_no_element.json" \
  "/defect/interstitial_element" "missing" -- sample "$WORK/bad_no_element.json"
expect_error "campaign: unknown mechanism" "$WORK/bad_mechanism.json" "/defect/mechanism" "'kickout'" \
  -- sample "$WORK/bad_mechanism.json"
expect_error "campaign: interstitial keys on a vacancy" "$WORK/bad_vacancy_keys.json" \
  "/defect/interstitial_element" "only for" -- sample "$WORK/bad_vacancy_keys.json"
expect_error "campaign: interstitial in a mixed host" "$WORK/bad_two_species.json" "pure host" \
  -- sample "$WORK/bad_two_species.json"
expect_error "campaign: fix_elements names the hop's element" "$WORK/bad_fix_iodide.json" \
  "/sampling/fix_elements" "'I' is not the occupant of a sublattice other" \
  -- sample "$WORK/bad_fix_iodide.json"
# One sample with the cation framework fixed: every Pb and Cs at the same place in every frame.
if run_ok "sample-barriers: interstitial campaign with fix_elements [Pb, Cs], one sample" "$IONHOP" \
  sample-barriers "$WORK/campaign_fixed_cations.json" --out "$WORK/fixed_cations" --limit 1 --threads 1; then
  python3 - "$WORK"/fixed_cations/paths/*.extxyz <<'PY' &&
import sys
lines = open(sys.argv[1]).read().split("\n")
frames, i = [], 0
while i < len(lines) and lines[i].strip():
    n = int(lines[i]); frames.append([l.split() for l in lines[i + 2:i + 2 + n]]); i += n + 2
sys.exit(0 if len(frames) >= 3 and all(a[1:4] == f[k][1:4] for f in frames
         for k, a in enumerate(frames[0]) if a[0] in ("Pb", "Cs")) else 1)
PY
    ok "the sample's band keeps every Pb and Cs where it was built" ||
    fail "the sample's band keeps every Pb and Cs" "$(ls "$WORK/fixed_cations/paths")"
fi
# "initial_start" in a campaign: seeded from that sample's relaxed initial endpoint, without a
# rattle, the endpoint relaxation starts at a minimum and ends at the same energy; the start
# file is recorded in the provenance. Bad starts: another atom count; a mixed campaign.
if [[ -s $WORK/fixed_cations/samples.json ]]; then
  frame_of "$(ls "$WORK"/fixed_cations/paths/*.extxyz | head -1)" 0 >"$WORK/campaign_start.extxyz"
  python3 - "$WORK" "$CAMPAIGN" <<'PY'
import json, sys
work = sys.argv[1]
c = json.load(open(work + "/campaign_fixed_cations.json"))
c["sampling"].update(initial_start=work + "/campaign_start.extxyz", rattle_angstrom=0, repeats=1)
json.dump(c, open(work + "/campaign_started.json", "w"), indent=2)
c["sampling"]["initial_start"] = work + "/one_atom.extxyz"
json.dump(c, open(work + "/campaign_bad_start.json", "w"), indent=2)
m = json.load(open(sys.argv[2]))  # the vacancy template, mixed
m["lattice"], m["potential"] = c["lattice"], c["potential"]
m["environment"]["species"] = ["I", "Br"]
m["sampling"].update(mode="stratified", budget_per_moving_species=2)
m["sampling"]["initial_start"] = work + "/campaign_start.extxyz"
json.dump(m, open(work + "/campaign_mixed_start.json", "w"), indent=2)
# "midpoint_start": another atom count; endpoints that are not mirror images.
c["sampling"].update(initial_start=work + "/campaign_start.extxyz", endpoints="mirror",
                     midpoint_start=work + "/one_atom.extxyz")
json.dump(c, open(work + "/campaign_bad_midpoint.json", "w"), indent=2)
c["sampling"]["endpoints"] = "independent"
json.dump(c, open(work + "/campaign_midpoint_independent.json", "w"), indent=2)
PY
  if run_ok "sample-barriers with initial_start (the relaxed endpoint of the sample above)" "$IONHOP" \
    sample-barriers "$WORK/campaign_started.json" --out "$WORK/started_campaign" --limit 1 --threads 1; then
    python3 - "$WORK/fixed_cations/samples.json" "$WORK/started_campaign/samples.json" <<'PY' &&
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
ea, eb = a["samples"][0]["initial_energy_ev"], b["samples"][0]["initial_energy_ev"]
prov = json.loads(b["provenance"]) if isinstance(b["provenance"], str) else b["provenance"]
sys.exit(0 if abs(ea - eb) < 1e-4 and prov["initial_start"]["file"].endswith("campaign_start.extxyz")
         and len(prov["initial_start"]["file_sha256"]) == 64 else 1)
PY
      ok "the seeded endpoint relaxes to the start's energy (1e-4 eV); the start is in the provenance" ||
      fail "seeded campaign endpoint" "$(head -c 600 "$WORK/started_campaign/samples.json")"
  fi
  expect_error "campaign: initial_start with another atom count" "campaign_bad_start.json" \
    "/sampling/initial_start" "has 1 atoms, the hop 41" -- sample "$WORK/campaign_bad_start.json"
  expect_error "campaign: initial_start in a mixed host" "campaign_mixed_start.json" \
    "/sampling/initial_start" "pure host" -- sample "$WORK/campaign_mixed_start.json"
  expect_error "campaign: midpoint_start with another atom count" \
    "campaign_bad_midpoint.json" "/sampling/midpoint_start" "has 1 atoms, the hop 41" \
    -- sample "$WORK/campaign_bad_midpoint.json"
  expect_error "campaign: midpoint_start without mirror endpoints" \
    "campaign_midpoint_independent.json" "/sampling/midpoint_start" '"endpoints": "mirror"' \
    -- sample "$WORK/campaign_midpoint_independent.json"
fi
CI_DIR="$WORK/ci"
start=$SECONDS
if run_ok "sample-barriers: interstitial campaign" "$IONHOP" sample-barriers "$I" --out "$CI_DIR" --threads 2; then
  echo "       ($((SECONDS - start)) s) $(grep -c '^\[' "$WORK/stdout") sample line(s)"
  RI="$WORK/rates_interstitial.json"
  if run_ok "fit-barriers: interstitial rate table" "$IONHOP" fit-barriers "$I" \
    --samples "$CI_DIR/samples.json" --out "$RI"; then
    if python3 - "$CI_DIR/samples.json" "$RI" <<'PY'; then
import json, sys
samples = json.load(open(sys.argv[1]))["samples"]
table = json.load(open(sys.argv[2]))
assert len(samples) == 2 and all(s["converged"] for s in samples), samples
sp = table["species"][0]
assert sp["name"] == "I_i^-" and sp["mechanism"] == "interstitial" and sp["charge"] == -1, sp
assert sp["element"] == "I" and "environment" not in sp, sp
hop = sp["hops"][0]
assert "moving_species" not in hop and hop["shell"] == "X-X", hop
# E_KRA of a pure host is the mean of the two barriers (one coefficient, equal weights).
mean = sum(s["barrier_ev"] - s["reaction_energy_ev"] / 2 for s in samples) / 2
assert abs(hop["barrier_ev"] - mean) < 1e-9, (hop, mean)
print("       E_KRA = %.4f eV from %.4f and %.4f eV" % (hop["barrier_ev"], samples[0]["barrier_ev"], samples[1]["barrier_ev"]))
PY
      ok "rate table: I_i^- interstitial species, E_KRA the samples' mean"
    else
      fail "rate table: I_i^- interstitial species" "$(head -c 3000 "$RI")"
    fi
    sed -e "s#\"rates\": \"$R\"#\"rates\": \"$RI\"#" -e 's#"V_I^+"#"I_i^-"#' "$WORK/sweep.json" >"$WORK/sweep_interstitial.json"
    if run_ok "sweep with the interstitial rate table" "$IONHOP" sweep "$WORK/sweep_interstitial.json" \
      --out "$WORK/sweep_interstitial" --threads 2 --quiet; then
      check "interstitial sweep writes results.json" test -s "$WORK/sweep_interstitial/results.json"
    fi
  fi
fi

finish
