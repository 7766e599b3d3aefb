#!/usr/bin/env bash
# The main job on the shipped defaults: installs what is missing, builds, and runs the
# charged-iodide sweep of cubic CsPbI3 (six defects, 250-600 K), printing D +- sigma,
# the Arrhenius fits and the comparison with the MD of Tyagi et al. (Table 1).
# Results: results/cspbi3/{results.json,points.csv,arrhenius.csv,comparison.csv}.
# Then the independent prediction: V_I^+, V_I^-, V_I^0 and I_i^- with the rate tables ionhop
# computed from CI-NEB barriers of its DFT-trained MLFFs (rates/cspbi3_vi_{plus,minus,zero}_mlff.json,
# rates/cspbi3_ii_minus_mlff.json), against the same MD, which is not an input there:
# results/cspbi3_mlff/; the Fig. 1 charge-state ordering of those barriers. Then V_Br^+ in
# CsPbBr3 from its own MLFF-NEB rate table (no MD reference): results/cspbbr3_vbr_plus_mlff/.
# Last, V_X^+ in CsPb(I_x Br_1-x)3 random alloys and in a (001) CsPbI3/CsPbBr3 heterojunction
# from the mixed-halide MLFF-NEB table (rates/cspbx3_vx_plus_mlff.json; no MD reference):
# results/cspbx3_vx_plus_mlff_{alloy,junction}/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh
scripts/build.sh
./build/ionhop sweep examples/cspbi3_charged_iodide_sweep.json --out results/cspbi3 "$@"
# The Arrhenius plot of the sweep (PNG + SVG, with its data and gnuplot script beside it).
./build/ionhop plot arrhenius results/cspbi3/results.json --out results/cspbi3/plots
echo "Arrhenius plot: results/cspbi3/plots/arrhenius.png (and .svg, .gp, _data.dat)"
echo
echo "== KMC from MLFF-NEB barriers (computed by ionhop) vs the MD extrapolation (Table 1) =="
./build/ionhop sweep examples/cspbi3_mlff_sweep.json --out results/cspbi3_mlff "$@"
./build/ionhop plot arrhenius results/cspbi3_mlff/results.json --out results/cspbi3_mlff/plots
echo "Arrhenius plot: results/cspbi3_mlff/plots/arrhenius.png"
echo
echo "== Charge-state ordering of the MLFF-NEB barriers (Fig. 1 of Tyagi et al.) =="
./build/ionhop barrier-trends rates/cspbi3_vi_plus_mlff.json rates/cspbi3_vi_minus_mlff.json \
  rates/cspbi3_vi_zero_mlff.json rates/cspbi3_ii_minus_mlff.json
echo
echo "== V_Br^+ in CsPbBr3 from MLFF-NEB barriers (computed by ionhop; no MD reference) =="
./build/ionhop sweep examples/cspbbr3_vbr_plus_mlff_sweep.json --out results/cspbbr3_vbr_plus_mlff "$@"
echo
echo "== V_X^+ in CsPb(I_x Br_1-x)3 alloys and in a CsPbI3/CsPbBr3 heterojunction, from the mixed-halide MLFF-NEB table (computed by ionhop; no MD reference) =="
./build/ionhop sweep examples/cspbx3_vx_plus_mlff_alloy_sweep.json --out results/cspbx3_vx_plus_mlff_alloy "$@"
./build/ionhop sweep examples/cspbx3_vx_plus_mlff_heterojunction_sweep.json \
  --out results/cspbx3_vx_plus_mlff_junction "$@"
