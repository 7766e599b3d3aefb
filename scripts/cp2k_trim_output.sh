#!/usr/bin/env bash
# Trims a CP2K output to the lines ionhop's parser reads (reference::parse_cp2k_output), to
# commit small real-text fixtures (tests/data/cp2k/): version, electron count, the SCF
# iteration table and its verdict, the UKS spin density, energy/forces/stress blocks,
# warning boxes, the CP2K timing row and the PROGRAM ENDED banner. Dropped runs of lines
# become one marker line " [... N lines trimmed ...]".
# Usage: scripts/cp2k_trim_output.sh out.log > fixture.out
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 CP2K_OUTPUT" >&2; exit 2; }
awk '
function flush() { if (dropped > 0) print " [... " dropped " lines trimmed ...]"; dropped = 0 }
function keep() { flush(); print; }
/CP2K\| version string/                      { keep(); next }
/Number of electrons:/ || /Number of occupied orbitals:/ { keep(); next }
/SCF WAVEFUNCTION OPTIMIZATION/              { in_scf = 1 }
in_scf                                       { keep(); if ($0 ~ /SCF run (NOT )?converged/) in_scf = 0; next }
/\*\*\* WARNING/                             { in_warn = 1; keep(); next }
in_warn && /^ \*\*\*/                        { keep(); next }
                                             { in_warn = 0 }
/Integrated absolute spin density/           { keep(); next }
/ENERGY\| Total FORCE_EVAL/                  { in_res = 1 }
in_res && /^ ------------------------/                        { in_res = 0 }
in_res                                       { keep(); next }
/SUBROUTINE +CALLS +ASD/                     { keep(); getline; keep(); getline; keep(); next }
/The number of warnings for this run/        { keep(); next }
/PROGRAM ENDED AT/                           { in_end = 1 }
in_end                                       { keep(); next }
                                             { dropped++ }
END { flush() }
' "$1"
