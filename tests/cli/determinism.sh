#!/usr/bin/env bash
# CLI determinism test: `ionhop sweep` with the same seed gives byte-identical points.csv,
# arrhenius.csv and comparison.csv with --threads 1 and --threads 2; another seed changes
# points.csv.
#
# Usage: determinism.sh IONHOP SOURCE_DIR
set -u
source "$(dirname "$0")/common.sh"

setup det 120 "$@"   # IONHOP, SRC, WORK, TIMEOUT (and check, ok, fail, finish)
CONFIG=tests/data/good/determinism_sweep.json

run_sweep() {  # run_sweep NAME ARGS...
  local name=$1
  shift
  "${TIMEOUT[@]}" "$IONHOP" sweep "$CONFIG" --out "$WORK/$name" --quiet "$@" \
    >"$WORK/$name.stdout" 2>"$WORK/$name.stderr"
  local rc=$?
  if [[ $rc -ne 0 ]]; then
    echo "       ionhop sweep $CONFIG $* exited with $rc:"
    sed 's/^/         | /' "$WORK/$name.stderr"
  fi
  return $rc
}

check "sweep --threads 1 --seed 42" run_sweep t1 --threads 1 --seed 42
check "sweep --threads 2 --seed 42" run_sweep t2 --threads 2 --seed 42
check "sweep --threads 2 --seed 43" run_sweep s43 --threads 2 --seed 43

for f in points.csv arrhenius.csv comparison.csv; do
  check "$f identical for --threads 1 and 2" cmp "$WORK/t1/$f" "$WORK/t2/$f"
done
# The CSVs must hold data, or identical files prove nothing.
check "points.csv has 4 data rows" test "$(($(wc -l <"$WORK/t1/points.csv") - 1))" -eq 4
check "comparison.csv has data rows" test "$(wc -l <"$WORK/t1/comparison.csv")" -gt 1
check "arrhenius.csv has data rows" test "$(wc -l <"$WORK/t1/arrhenius.csv")" -gt 1
different_seed_changes_points() {
  [[ -s $WORK/t2/points.csv && -s $WORK/s43/points.csv ]] && ! cmp -s "$WORK/t2/points.csv" "$WORK/s43/points.csv"
}
check "--seed 43 changes points.csv" different_seed_changes_points

finish
