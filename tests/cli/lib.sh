# Shared set-up and check functions of the end-to-end tests. A suite file
# (tests/cli/test_*.sh) sources this file, runs its checks and ends with
# finish_suite.
#
# Usage of a suite: test_NAME.sh COVDEFL MPIEXEC TEST_DATA_DIR
# COVDEFL_MPIEXEC_FLAGS contains extra mpiexec flags separated by ';', as
# CMake joins a list. A suite prints "ok - NAME" or "FAIL - NAME: REASON"
# per check, then "N passed, M failed", and exits with 1 if any check failed.
set -uo pipefail

if (( $# != 3 )); then
    echo "usage: $0 COVDEFL MPIEXEC TEST_DATA_DIR" >&2
    exit 2
fi

covdefl=$(realpath "$1")
mpiexec=$(command -v "$2") || { echo "mpiexec not found: $2" >&2; exit 2; }
data_dir=$(realpath "$3")
cases_dir=$data_dir/cases
script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
checker=$script_dir/check_outputs.py
# Debian's interpreter, because the python3 first on PATH may lack NumPy.
python=/usr/bin/python3

# Every covdefl run gets this many seconds, so a hang fails its check and
# does not stall the suite.
run_timeout=120
# Maximum seconds for a run on an indefinite matrix. Power iteration never
# settles on eigenvalues +a and -a, so a slower exit suggests that covdefl
# iterated to --max-iterations instead of detecting the negative eigenvalue.
fast_error_seconds=20

mpiexec_flags=()
IFS=';' read -r -a listed_flags <<< "${COVDEFL_MPIEXEC_FLAGS:-}"
for flag in "${listed_flags[@]}"; do
    [[ -n $flag ]] && mpiexec_flags+=("$flag")
done
# Open MPI (4.1) rejects more ranks than cores without --oversubscribe, and
# the checks at 3 and 4 ranks must also run on 2-core machines.
if [[ " ${mpiexec_flags[*]} " != *" --oversubscribe "* ]] &&
    "$mpiexec" --version 2>&1 | grep -qE 'Open MPI|OpenRTE'; then
    mpiexec_flags+=(--oversubscribe)
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

passed=0
failed=0
run_count=0
# Files that covdefl writes to --output, none of which an error may leave.
result_files=(report.json components.npy eigenvalues.npy
    explained_variance_ratio.npy mean.npy)

pass() {
    echo "ok - $1"
    passed=$((passed + 1))
}

# Usage: fail NAME REASON [MORE_REASON...], joined with spaces.
fail() {
    local name=$1
    shift
    echo "FAIL - $name: $*"
    failed=$((failed + 1))
}

# Runs covdefl on RANKS ranks with --output OUTPUT and the remaining
# arguments. Sets run_status (124 or 137 after a timeout) and run_seconds
# (whole seconds), and leaves stdout and stderr in OUTPUT.stdout and
# OUTPUT.stderr.
run_covdefl() {
    local ranks=$1 output=$2
    shift 2
    local start=$SECONDS
    timeout -k 10 "$run_timeout" \
        "$mpiexec" -n "$ranks" "${mpiexec_flags[@]}" \
        "$covdefl" --output "$output" "$@" \
        >"$output.stdout" 2>"$output.stderr" </dev/null
    run_status=$?
    run_seconds=$((SECONDS - start))
}

# Sets output to a result folder path that no earlier run used. It sets a
# variable, not stdout, because a $(...) subshell would lose the count.
new_output() {
    run_count=$((run_count + 1))
    output=$work/run-$run_count
}

first_error_line() {
    grep -m 1 'covdefl: error:' "$1.stderr" || head -n 1 "$1.stderr"
}

is_timeout() {
    [[ $1 -eq 124 || $1 -eq 137 ]]
}

# Checks that a finished run of an invalid invocation exited with 1, printed
# exactly one "covdefl: error:" line that matches every ';'-separated
# extended regular expression in PATTERNS, and wrote no result file.
# Usage: check_error_run NAME OUTPUT PATTERNS
check_error_run() {
    local name=$1 output=$2 patterns=$3
    if is_timeout "$run_status"; then
        fail "$name" "hung (no exit within ${run_timeout} s)"
        return
    fi

    local reasons=() error_lines
    [[ $run_status -eq 1 ]] || reasons+=("exit status $run_status, expected 1")
    error_lines=$(grep -c 'covdefl: error:' "$output.stderr")
    if [[ $error_lines -ne 1 ]]; then
        reasons+=("$error_lines stderr lines contain 'covdefl: error:', expected 1")
    elif ! grep -q '^covdefl: error:' "$output.stderr"; then
        reasons+=("the error line does not start with 'covdefl: error:'")
    fi

    local message pattern pattern_list
    message=$(grep -m 1 'covdefl: error:' "$output.stderr")
    IFS=';' read -r -a pattern_list <<< "$patterns"
    for pattern in "${pattern_list[@]}"; do
        grep -qE -- "$pattern" <<< "$message" ||
            reasons+=("the error does not match /$pattern/")
    done

    local file
    for file in "${result_files[@]}"; do
        [[ -e $output/$file ]] && reasons+=("$file was written")
    done

    if (( ${#reasons[@]} == 0 )); then
        pass "$name"
    else
        local joined
        joined=$(printf '%s; ' "${reasons[@]}")
        fail "$name" "${joined%; }" "[stderr: $(first_error_line "$output")]"
    fi
}

# Runs an invalid invocation on RANKS ranks with a fresh --output folder
# and checks it with check_error_run.
# Usage: expect_error NAME RANKS PATTERNS COVDEFL_ARGUMENTS...
expect_error() {
    local name="$1 np=$2" ranks=$2 patterns=$3
    shift 3
    local output
    new_output
    run_covdefl "$ranks" "$output" "$@"
    check_error_run "$name" "$output" "$patterns"
}

# Runs covdefl and checks exit status 0. Prints a FAIL line and returns 1
# otherwise, so the caller skips its numeric check.
# Usage: run_expecting_success NAME RANKS OUTPUT COVDEFL_ARGUMENTS...
run_expecting_success() {
    local name=$1 ranks=$2 output=$3
    shift 3
    run_covdefl "$ranks" "$output" "$@"
    if is_timeout "$run_status"; then
        fail "$name" "hung (no exit within ${run_timeout} s)"
        return 1
    fi
    if [[ $run_status -ne 0 ]]; then
        fail "$name" "exit status $run_status, expected 0" \
            "[stderr: $(first_error_line "$output")]"
        return 1
    fi
    return 0
}

# Runs check_outputs.py with the given arguments and reports the result
# as check NAME.
python_check() {
    local name=$1
    shift
    local reason
    if reason=$("$python" "$checker" "$@" 2>&1); then
        pass "$name"
    else
        fail "$name" "${reason:-check_outputs.py failed without a message}"
    fi
}

# Usage: expect_result NAME RANKS CHECK_ARGUMENTS -- COVDEFL_ARGUMENTS...
# CHECK_ARGUMENTS go to check_outputs.py with the output folder spliced in
# for the word OUTPUT. Sets last_output to the result folder.
expect_result() {
    local name="$1 np=$2" ranks=$2
    shift 2
    local check_arguments=()
    while [[ $1 != -- ]]; do
        check_arguments+=("$1")
        shift
    done
    shift
    new_output
    last_output=$output
    local i
    for i in "${!check_arguments[@]}"; do
        [[ ${check_arguments[$i]} == OUTPUT ]] && check_arguments[i]=$last_output
    done
    run_expecting_success "$name" "$ranks" "$last_output" "$@" || return 1
    python_check "$name" "${check_arguments[@]}"
}

compare_outputs() {
    local name=$1 first=$2 second=$3
    if [[ -f $first/report.json && -f $second/report.json ]]; then
        python_check "$name" same "$first" "$second"
    else
        fail "$name" "a run it compares did not write results"
    fi
}

if ! "$python" -c 'import numpy' 2>/dev/null; then
    echo "FAIL - setup: $python cannot import numpy"
    echo "0 passed, 1 failed"
    exit 1
fi
inputs=$work/inputs
mkdir -p "$inputs"
if ! "$python" "$checker" make-inputs "$inputs"; then
    echo "FAIL - setup: check_outputs.py make-inputs failed"
    echo "0 passed, 1 failed"
    exit 1
fi

# Prints the totals and exits with 1 when a check failed.
finish_suite() {
    echo "$passed passed, $failed failed"
    (( failed == 0 ))
    exit
}
