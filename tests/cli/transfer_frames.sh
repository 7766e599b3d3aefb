#!/usr/bin/env bash
# CLI test of scripts/transfer_frames.py (carries extxyz frames to another perovskite for
# DFT labels, e.g. CsPbI3 I_i^- states -> CsPbBr3 Br_i^-):
#   - the ideal (unrattled) CsPbI3 split-interstitial cell scaled by 5.92/6.29 with I -> Br
#     is, atom by atom, the CsPbBr3 cell make-training-structures builds with the split
#     scaled alike (to 1e-6 A): cell, positions and species carried exactly;
#   - the charge is kept, or replaced with --charge; forces/energies are dropped, the
#     frozen-host mask (fixed) is carried;
#   - bad input (missing file, frame out of range, bad --replace, absurd --scale) exits 2
#     with one line naming the file or option, and writes nothing.
#
# Usage: transfer_frames.sh IONHOP SOURCE_DIR
set -u
source "$(dirname "$0")/common.sh"

setup transfer_frames 60 "$@"
T=scripts/transfer_frames.py
S=$(python3 -c 'print(5.92 / 6.29)')
DELTA_BR=$(python3 -c 'print(1.4 * 5.92 / 6.29)')

"$IONHOP" make-training-structures --lattice lattices/cspbi3_cubic.json --defect interstitial \
  --element I --split-delta-angstrom 1.4 --charge -1 --rattle-angstrom 0 --out "$WORK/i.extxyz" \
  >/dev/null && "$IONHOP" make-training-structures --lattice lattices/cspbbr3_cubic.json \
  --defect interstitial --element Br --split-delta-angstrom "$DELTA_BR" --charge -1 \
  --rattle-angstrom 0 --out "$WORK/br.extxyz" >/dev/null || fail "make-training-structures"

run_ok "transfer CsPbI3 -> CsPbBr3" python3 $T "$WORK/i.extxyz" --scale "$S" --replace I=Br \
  --out "$WORK/t.extxyz"
python3 - "$WORK/t.extxyz" "$WORK/br.extxyz" <<'PY' && ok "scaled cell equals the CsPbBr3 cell (1e-6 A)" || fail "scaled cell equals the CsPbBr3 cell (1e-6 A)"
import re, sys
def read(p):
    lines = open(p).read().splitlines()
    n = int(lines[0])
    cell = [float(x) for x in re.search(r'Lattice="([^"]+)"', lines[1]).group(1).split()]
    charge = re.search(r'(?:^|\s)charge=(-?\+?\d+)', lines[1]).group(1)
    atoms = [(l.split()[0], [float(x) for x in l.split()[1:4]]) for l in lines[2:2 + n]]
    return cell, int(charge), atoms
c1, q1, a1 = read(sys.argv[1])
c2, q2, a2 = read(sys.argv[2])
assert q1 == q2 == -1, (q1, q2)
assert all(abs(x - y) < 1e-6 for x, y in zip(c1, c2)), (c1, c2)
assert len(a1) == len(a2) == 41
for (s1, p1), (s2, p2) in zip(a1, a2):
    assert s1 == s2, (s1, s2)
    assert all(abs(x - y) < 1e-6 for x, y in zip(p1, p2)), (p1, p2)
PY

run_ok "--charge 0" python3 $T "$WORK/br.extxyz" --scale 1 --charge 0 --frames 0 --out "$WORK/q.extxyz"
if sed -n 2p "$WORK/q.extxyz" | grep -q ' charge=0 ' && ! grep -q forces "$WORK/q.extxyz"; then
  ok "--charge replaces the cell charge; no forces carried"
else
  fail "--charge replaces the cell charge; no forces carried" "$(sed -n 2p "$WORK/q.extxyz")"
fi

# The frozen-host mask (fixed:L:1) is carried; forces between pos and fixed are skipped.
python3 - "$WORK/i.extxyz" "$WORK/masked.extxyz" <<'PY'
import sys
lines = open(sys.argv[1]).read().splitlines()
n = int(lines[0])
out = [lines[0], lines[1].replace("Properties=species:S:1:pos:R:3", "Properties=species:S:1:pos:R:3:forces:R:3:fixed:L:1")]
for i, l in enumerate(lines[2:2 + n]):
    out.append(l + " 0.1 0.2 0.3 " + ("T" if i % 3 else "F"))
open(sys.argv[2], "w").write("\n".join(out) + "\n")
PY
run_ok "transfer a masked frame" python3 $T "$WORK/masked.extxyz" --scale 1 --out "$WORK/m.extxyz"
if sed -n 2p "$WORK/m.extxyz" | grep -q 'Properties=species:S:1:pos:R:3:fixed:L:1 ' &&
   [[ $(awk 'NR > 2 {print $5}' "$WORK/m.extxyz" | tr -d '\n') == $(awk 'NR > 2 {print $8}' "$WORK/masked.extxyz" | tr -d '\n') ]]; then
  ok "the fixed mask is carried atom by atom"
else
  fail "the fixed mask is carried atom by atom" "$(head -4 "$WORK/m.extxyz")"
fi

# bad_input DESC SUBSTRING ARGS...: exit 2, one stderr line containing SUBSTRING, no output.
bad_input() {
  local desc=$1 sub=$2
  shift 2
  python3 $T "$@" --out "$RUN/out.extxyz" >"$WORK/stdout" 2>"$WORK/stderr"
  local rc=$?
  if [[ $rc -eq 2 && $(wc -l <"$WORK/stderr") -eq 1 ]] && grep -qF -- "$sub" "$WORK/stderr" &&
     [[ -z $(ls -A "$RUN") ]]; then
    ok "$desc"
  else
    fail "$desc" "exit $rc" "$(cat "$WORK/stderr")"
    rm -f "$RUN"/*
  fi
}
bad_input "missing input file" "$WORK/none.extxyz: cannot read" "$WORK/none.extxyz" --scale 1
bad_input "frame out of range" "no frame 3" "$WORK/i.extxyz" --scale 1 --frames 3
bad_input "--replace without =" "--replace: 'IBr' is not OLD=NEW" "$WORK/i.extxyz" --scale 1 --replace IBr
bad_input "absurd --scale" "--scale: 5.0 is not a ratio" "$WORK/i.extxyz" --scale 5
printf '41\nno lattice here\n' >"$WORK/trunc.extxyz"
bad_input "truncated frame" "file ends inside the frame" "$WORK/trunc.extxyz" --scale 1

finish
