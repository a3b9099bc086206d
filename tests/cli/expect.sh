#!/usr/bin/env bash
# expect.sh: runs one CLI command and checks its exit status and its output (CTest driver for
# tests/cli). Usage:
#
#   expect.sh [OPTIONS] EXPECTED_EXIT REGEX -- COMMAND ARGS...
#
# EXPECTED_EXIT is a number, or `nonzero` for any failure status below 128.
# Passes when COMMAND exits with EXPECTED_EXIT, its stdout+stderr (together) has a line matching
# the extended regex REGEX, and its stderr has the expected number of lines: exactly one (the
# error message) when EXPECTED_EXIT is non-zero, none when it is zero. Lines of the build
# progress bar ("[####....]  35%  optimize ...") are not counted. A command killed by a signal
# (exit status >= 128) always fails, whatever EXPECTED_EXIT says.
#
# In every argument and option value, @TMP@ stands for a fresh temporary directory, removed at
# the end. Options:
#   -m, --match REGEX       another regex that some output line must match (repeatable)
#   -x, --no-match REGEX    a regex that no output line may match (repeatable)
#   --stderr-lines N|any    expect N non-progress stderr lines instead of the default
#   --exists PATH           PATH must exist after the command (repeatable)
#   --setup SHELL           run before COMMAND with bash; must succeed (repeatable)
#   --after SHELL           run after COMMAND with bash; must succeed (repeatable)
#   --no-gpu                skip (exit 77; set SKIP_RETURN_CODE 77) when `COMMAND info` sees a GPU
# SHELL snippets see $RILL (COMMAND's program) and $TMP (the @TMP@ directory).
set -uo pipefail

fail() {
  echo "expect.sh: FAIL: $*" >&2
  exit 1
}

matches=()
no_matches=()
exists=()
setups=()
afters=()
stderr_lines=default
no_gpu=0
while [ $# -gt 0 ]; do
  case $1 in
    -m | --match) matches+=("$2"); shift 2 ;;
    -x | --no-match) no_matches+=("$2"); shift 2 ;;
    --stderr-lines) stderr_lines=$2; shift 2 ;;
    --exists) exists+=("$2"); shift 2 ;;
    --setup) setups+=("$2"); shift 2 ;;
    --after) afters+=("$2"); shift 2 ;;
    --no-gpu) no_gpu=1; shift ;;
    -*) fail "unknown option $1" ;;
    *) break ;;
  esac
done
[ $# -ge 4 ] && [ "$3" = "--" ] || fail "usage: expect.sh [OPTIONS] EXPECTED_EXIT REGEX -- COMMAND ARGS..."
expected_exit=$1
matches=("$2" ${matches[@]+"${matches[@]}"})
shift 3
[[ $expected_exit =~ ^([0-9]+|nonzero)$ ]] ||
  fail "EXPECTED_EXIT must be a number or nonzero, not '$expected_exit'"
if [ "$stderr_lines" = default ]; then
  if [ "$expected_exit" = 0 ]; then stderr_lines=0; else stderr_lines=1; fi
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/rill-cli-test.XXXXXX") || fail "mktemp failed"
trap 'rm -rf "$TMP"' EXIT
RILL=$1
export TMP RILL

sub() { printf '%s' "${1//@TMP@/$TMP}"; }
command=()
for arg in "$@"; do command+=("$(sub "$arg")"); done

if [ "$no_gpu" -eq 1 ]; then
  devices=$("$RILL" info 2>/dev/null | sed -n 's/^CUDA devices: \([0-9]*\).*/\1/p')
  if [ "${devices:-0}" != 0 ]; then
    echo "expect.sh: SKIP: this test needs a machine without a GPU ($devices here)"
    exit 77
  fi
fi

for snippet in ${setups[@]+"${setups[@]}"}; do
  bash -c "$(sub "$snippet")" || fail "setup failed: $snippet"
done

echo "\$ ${command[*]}"
"${command[@]}" >"$TMP/.stdout" 2>"$TMP/.stderr"
status=$?
cat "$TMP/.stdout" "$TMP/.stderr" >"$TMP/.all"
echo "--- stdout"
cat "$TMP/.stdout"
echo "--- stderr"
cat "$TMP/.stderr"
echo "--- exit status $status"

[ "$status" -lt 128 ] || fail "the command died with status $status (signal $((status - 128)))"
if [ "$expected_exit" = nonzero ]; then
  [ "$status" -ne 0 ] || fail "exit status 0, expected a failure"
else
  [ "$status" -eq "$expected_exit" ] || fail "exit status $status, expected $expected_exit"
fi
for re in "${matches[@]}"; do
  re=$(sub "$re")
  grep -Eq -- "$re" "$TMP/.all" || fail "no output line matches: $re"
done
for re in ${no_matches[@]+"${no_matches[@]}"}; do
  re=$(sub "$re")
  ! grep -Eq -- "$re" "$TMP/.all" || fail "an output line matches what it must not: $re"
done
if [ "$stderr_lines" != any ]; then
  lines=$(grep -Evc '^\[[#.]+\] +[0-9]+%' "$TMP/.stderr")
  [ "$lines" -eq "$stderr_lines" ] ||
    fail "stderr has $lines line(s) besides the progress bar, expected $stderr_lines"
fi
for path in ${exists[@]+"${exists[@]}"}; do
  path=$(sub "$path")
  [ -e "$path" ] || fail "missing after the command: $path"
done
for snippet in ${afters[@]+"${afters[@]}"}; do
  bash -c "$(sub "$snippet")" || fail "after-step failed: $snippet"
done
echo "expect.sh: PASS"
