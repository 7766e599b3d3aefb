# Shared helpers of the CLI test scripts (tests/cli/*.sh). Source it, don't run it:
#   source "$(dirname "$0")/common.sh"
#   setup TAG TIMEOUT_S "$@"
#   ... ok / fail / skip / check / expect_error ...
#   finish
# The scripts use `set -u`; so does everything here.

passed=0
failed=0
skipped=0

# setup TAG TIMEOUT_S IONHOP SOURCE_DIR
# Checks the script's two arguments, sets IONHOP and SRC and cd's into SRC; makes the
# scratch directory WORK (removed on exit), RUN="$WORK/run" (the parent of every --out
# target that must not be created; expect_error requires it to stay empty) and
# OUT="$RUN/out"; TIMEOUT=(timeout TIMEOUT_S) when `timeout` exists, else empty.
setup() {
  local tag=$1 timeout_s=$2
  shift 2
  if [[ $# -ne 2 ]]; then
    echo "usage: $0 IONHOP SOURCE_DIR" >&2
    exit 2
  fi
  IONHOP=$1
  SRC=$2
  cd "$SRC" || exit 2
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/ionhop_cli_$tag.XXXXXX") || exit 2
  trap 'rm -rf "$WORK"' EXIT
  RUN="$WORK/run"
  OUT="$RUN/out"
  mkdir -p "$RUN" || exit 2
  TIMEOUT=()
  if command -v timeout >/dev/null 2>&1; then TIMEOUT=(timeout "$timeout_s"); fi
}

# ok NAME: one passed check.
ok() {
  passed=$((passed + 1))
  echo "ok   - $1"
}

# fail NAME [DETAIL...]: one failed check, each DETAIL on its own indented line.
fail() {
  failed=$((failed + 1))
  echo "FAIL - $1"
  shift
  [[ $# -eq 0 ]] || printf '       %s\n' "$@"
}

# skip NAME: a check that could not run (finish then returns 77 unless something failed).
skip() {
  skipped=$((skipped + 1))
  echo "skip - $1"
}

# check NAME COMMAND...: passes when COMMAND succeeds.
check() {
  local desc=$1
  shift
  if "$@"; then ok "$desc"; else fail "$desc"; fi
}

# expect_error DESCRIPTION SUBSTRING... -- COMMAND...
# COMMAND must
#   - exit with code 2,
#   - print exactly one line on stderr (one newline, nothing after it), starting with
#     "ionhop: error: " and containing every SUBSTRING,
#   - leave $RUN empty: no --out directory, no hidden ".NAME.partial-*" staging directory
#     (whatever is left there is reported and removed).
# COMMAND runs under ${TIMEOUT[@]}, unless it is a shell function (which applies the timeout
# itself). Its stdout goes to $WORK/stdout, its stderr to $WORK/stderr.
expect_error() {
  local desc=$1
  shift
  local -a subs=()
  while [[ $# -gt 0 && $1 != "--" ]]; do
    subs+=("$1")
    shift
  done
  shift  # the "--"
  local err="$WORK/stderr" outlog="$WORK/stdout"
  if declare -F "$1" >/dev/null; then
    "$@" >"$outlog" 2>"$err"
  else
    "${TIMEOUT[@]}" "$@" >"$outlog" 2>"$err"
  fi
  local rc=$?
  local -a why=()
  [[ $rc -eq 2 ]] || why+=("exit code $rc, expected 2")
  local lines
  lines=$(wc -l <"$err")
  # Exactly one line: one newline, and nothing after it.
  if [[ $lines -ne 1 || -n $(tail -c 1 "$err") ]]; then
    why+=("stderr has $lines newline(s), expected exactly one line")
  fi
  [[ $(head -c 15 "$err") == "ionhop: error: " ]] || why+=("stderr does not start with 'ionhop: error: '")
  local s
  for s in "${subs[@]}"; do
    grep -qF -- "$s" "$err" || why+=("stderr lacks '$s'")
  done
  local left
  left=$(ls -A "$RUN")
  if [[ -n $left ]]; then
    why+=("left behind in the --out parent: $(echo "$left" | tr '\n' ' ')")
    rm -rf "${RUN:?}"/* "${RUN:?}"/.[!.]* 2>/dev/null
  fi
  if [[ ${#why[@]} -eq 0 ]]; then
    ok "$desc"
  else
    fail "$desc" "${why[@]}" "command: $*" "stderr:"
    sed 's/^/         | /' "$err"
  fi
}

# run_ok DESCRIPTION COMMAND...: exits 0 with nothing on stderr (stdout in $WORK/stdout);
# COMMAND may be a shell function (run without the timeout).
run_ok() {
  local desc=$1
  shift
  run_rc "$desc" 0 "$@"
}

# run_rc DESC WANT CMD...: like run_ok, for a command that must exit with status WANT.
run_rc() {
  local desc=$1 want=$2
  shift 2
  if declare -F "$1" >/dev/null; then
    "$@" >"$WORK/stdout" 2>"$WORK/stderr"
  else
    "${TIMEOUT[@]}" "$@" >"$WORK/stdout" 2>"$WORK/stderr"
  fi
  local rc=$?
  if [[ $rc -eq $want && ! -s $WORK/stderr ]]; then
    ok "$desc"
    return 0
  fi
  fail "$desc" "exit $rc, expected $want" "command: $*" "stderr:" "$(cat "$WORK/stderr")" "stdout:" \
    "$(tail -5 "$WORK/stdout")"
  return 1
}

# make_set SEED COUNT FILE: COUNT rattled (0.08 A) and strained (1 %) 2x2x2 CsPbI3 cells with
# an iodide vacancy, cell charge +1 (make-training-structures), for the MLFF and relax tests.
make_set() {
  "${TIMEOUT[@]}" "$IONHOP" make-training-structures --lattice lattices/cspbi3_cubic.json \
    --supercell 2 2 2 --defect vacancy --element I --charge 1 --count "$2" --rattle-angstrom 0.08 \
    --strain 0.01 --seed "$1" --out "$3"
}

# finish: prints "N passed, M failed" (", S skipped" when something was skipped); returns
# 1 if a check failed, else 77 if one was skipped, else 0. Make it the script's last command.
finish() {
  if [[ $skipped -eq 0 ]]; then
    echo "$passed passed, $failed failed"
  else
    echo "$passed passed, $failed failed, $skipped skipped"
  fi
  [[ $failed -eq 0 ]] || return 1
  [[ $skipped -eq 0 ]] || return 77
  return 0
}
