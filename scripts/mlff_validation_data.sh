#!/usr/bin/env bash
# Held-out DFT data for one MLFF model (the validation report of docs/mlff.md):
#   1. CI-NEB with the model (NEB_CONFIG names it) → OUT_neb/path.extxyz (+ Vineyard ν*);
#   2. CP2K single points of the path images → OUT_path_pbe_d3.extxyz (barrier test);
#   3. Langevin MD with the model at T_K from START (another seed than active-learn), one
#      frame every EVERY steps after the first → CP2K → OUT_md_pbe_d3.extxyz (force test).
# Resumable: dft-label skips frames already labelled; the NEB and MD are deterministic.
# Usage: scripts/mlff_validation_data.sh MODEL NEB_CONFIG START.extxyz OUT_PREFIX [T_K] [FRAMES]
# then:  ionhop validate MODEL OUT_path_pbe_d3.extxyz --path
#        ionhop validate MODEL OUT_md_pbe_d3.extxyz
set -euo pipefail
cd "$(dirname "$0")/.."
model=$1 neb_config=$2 start=$3 out=$4 temperature=${5:-650} frames=${6:-4}
ionhop=${IONHOP:-build/ionhop}
every=500
if [[ ! -f ${out}_neb/path.extxyz ]]; then
  "$ionhop" neb "$neb_config" --out "${out}_neb" --vineyard --quiet || echo "neb exit $? (see ${out}_neb/neb.json)"
fi
"$ionhop" dft-label "${out}_neb/path.extxyz" --out "${out}_path_pbe_d3.extxyz" --ranks 2 \
  --timeout-s 1800 --work "${out}_work/path"
if [[ ! -f ${out}_md.extxyz ]]; then
  "$ionhop" md --potential "$model" --structure "$start" --temperature-k "$temperature" \
    --steps $((every * frames)) --every $every --seed 77 --out "${out}_md_all.extxyz"
  # Drop frame 0 (the unrelaxed start structure): keep the MD frames only.
  atoms=$(head -1 "${out}_md_all.extxyz")
  tail -n +$((atoms + 3)) "${out}_md_all.extxyz" >"${out}_md.extxyz"
  rm -f "${out}_md_all.extxyz"
fi
"$ionhop" dft-label "${out}_md.extxyz" --out "${out}_md_pbe_d3.extxyz" --ranks 2 \
  --timeout-s 1800 --work "${out}_work/md"
