#!/usr/bin/env bash
# CLI tests of `ionhop md` (pair potential, 40-atom CsPbI3 cell, a few steps):
#   - a Langevin run writes the trajectory (frames at steps 0, M, 2M, ..., with energy,
#     forces, velo and md_step/time_fs/temperature_k) and the CSV log;
#   - same seed, byte-identical trajectory; the trajectory reads back as an MD start;
#   - bad inputs (missing structure or potential, frame out of range, negative timestep,
#     --every 0) and a blow-up (200 fs timestep) exit 2 with one line and write nothing.
#
# Usage: md.sh IONHOP SOURCE_DIR
set -u
source "$(dirname "$0")/common.sh"

setup md 240 "$@"   # IONHOP, SRC, WORK, RUN (must stay empty on errors), OUT, TIMEOUT
POT=examples/potentials/cspbi3_buckingham_coulomb.json
LAT=lattices/cspbi3_cubic.json

md() {  # md OUT LOG: 20 Langevin steps at 650 K from frame 1, a frame every 5 steps
  "${TIMEOUT[@]}" "$IONHOP" md --potential $POT --structure "$WORK/start.extxyz" --frame 1 \
    --temperature-k 650 --steps 20 --timestep-fs 2 --friction-per-fs 0.02 --every 5 --seed 3 \
    --out "$1" --log "$2"
}

run_ok "make-training-structures: 2 start frames" "$IONHOP" make-training-structures --lattice $LAT \
  --count 2 --rattle-angstrom 0.02 --seed 1 --out "$WORK/start.extxyz"

# ---- a short run -------------------------------------------------------------------------
if run_ok "md: 20 steps, --every 5" md "$WORK/traj.extxyz" "$WORK/log.csv"; then
  sed 's/^/       | /' "$WORK/stdout"
  frames=$(grep -c '^Lattice=' "$WORK/traj.extxyz")
  if [[ $frames -eq 5 && $(head -1 "$WORK/traj.extxyz") -eq 40 &&
    $(wc -l <"$WORK/traj.extxyz") -eq $((5 * 42)) ]]; then
    ok "trajectory: 5 frames (steps 0, 5, ..., 20) of 40 atoms"
  else
    fail "trajectory: 5 frames (steps 0, 5, ..., 20) of 40 atoms" "frames: $frames"
  fi
  if grep -q 'Properties=species:S:1:pos:R:3:forces:R:3:velo:R:3 energy=' "$WORK/traj.extxyz" &&
    grep -q 'md_step=20 ' "$WORK/traj.extxyz" && grep -q 'time_fs=40 ' "$WORK/traj.extxyz" &&
    grep -q 'temperature_k=' "$WORK/traj.extxyz" && ! grep -q 'training_frame=0' "$WORK/traj.extxyz"; then
    ok "frames carry energy, forces, velo, md_step, time_fs, temperature_k (of frame 1)"
  else
    fail "frames carry energy, forces, velo, md_step, time_fs, temperature_k" "$(sed -n 2p "$WORK/traj.extxyz")"
  fi
  # 10 columns per atom line: species, pos (3), forces (3), velo (3).
  if awk 'NR > 2 && NR <= 42 && NF != 10 { bad = 1 } END { exit bad }' "$WORK/traj.extxyz"; then
    ok "atom lines have species + 9 numbers"
  else
    fail "atom lines have species + 9 numbers" "$(sed -n 3p "$WORK/traj.extxyz")"
  fi
  if [[ $(head -1 "$WORK/log.csv") == "step,time_fs,potential_ev,kinetic_ev,total_ev,temperature_k" &&
    $(wc -l <"$WORK/log.csv") -eq 6 ]] && grep -q '^20,40,' "$WORK/log.csv" &&
    awk -F, 'NR == 2 { exit !($6 > 649.999 && $6 < 650.001) }' "$WORK/log.csv"; then
    ok "log: header + 5 rows; step 0 exactly at 650 K"
  else
    fail "log: header + 5 rows; step 0 exactly at 650 K" "$(cat "$WORK/log.csv")"
  fi
  md "$WORK/again.extxyz" "$WORK/again.csv" >/dev/null 2>&1
  check "same seed, byte-identical trajectory" \
    cmp -s "$WORK/traj.extxyz" "$WORK/again.extxyz"
  check "same seed, byte-identical log" cmp -s "$WORK/log.csv" "$WORK/again.csv"
  run_ok "the trajectory reads back as a start (last frame, 0 steps, NVE)" "$IONHOP" md \
    --potential $POT --structure "$WORK/traj.extxyz" --temperature-k 300 --steps 0 \
    --friction-per-fs 0 --out "$WORK/restart.extxyz"
  [[ $(grep -c '^Lattice=' "$WORK/restart.extxyz") -eq 1 ]] && ok "0 steps: 1 frame" ||
    fail "0 steps: 1 frame"
fi

# ---- bad inputs ----------------------------------------------------------------------------
expect_error "md: missing structure file" "$RUN/none.extxyz" "no such file" \
  -- "$IONHOP" md --potential $POT --structure "$RUN/none.extxyz" --temperature-k 600 --steps 5 \
  --out "$OUT.extxyz" --log "$RUN/log.csv"
expect_error "md: frame out of range" "$WORK/start.extxyz" "--frame 7" "2 frame(s)" \
  -- "$IONHOP" md --potential $POT --structure "$WORK/start.extxyz" --frame 7 --temperature-k 600 \
  --steps 5 --out "$OUT.extxyz" --log "$RUN/log.csv"
expect_error "md: negative timestep" "--timestep-fs must be > 0" \
  -- "$IONHOP" md --potential $POT --structure "$WORK/start.extxyz" --temperature-k 600 \
  --steps 5 --timestep-fs=-1 --out "$OUT.extxyz" --log "$RUN/log.csv"
expect_error "md: blow-up (timestep 200 fs) stops the run" "MD step" "smaller --timestep-fs" \
  -- "$IONHOP" md --potential $POT --structure "$WORK/start.extxyz" --temperature-k 600 \
  --steps 100 --timestep-fs 200 --every 50 --out "$OUT.extxyz" --log "$RUN/log.csv"
expect_error "md: --every 0" "--every" \
  -- "$IONHOP" md --potential $POT --structure "$WORK/start.extxyz" --temperature-k 600 \
  --steps 5 --every 0 --out "$OUT.extxyz"
expect_error "md: missing potential" "$RUN/none.json" \
  -- "$IONHOP" md --potential "$RUN/none.json" --structure "$WORK/start.extxyz" --temperature-k 600 \
  --steps 5 --out "$OUT.extxyz"

finish
