#!/usr/bin/env bash
# End-to-end tests of the covdefl executable under mpiexec. They cover invalid
# inputs, results compared with NumPy, agreement across rank counts and grids,
# and inputs from bug reports against PCA tools (tests/data/cases).
#
# Usage: run_cli_tests.sh COVDEFL MPIEXEC TEST_DATA_DIR
# COVDEFL_MPIEXEC_FLAGS contains extra mpiexec flags separated by ';', as
# CMake joins a list. The script prints "ok - NAME" or "FAIL - NAME: REASON"
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
random=$inputs/random-200x12.npy

# --- Invalid inputs and options -------------------------------------------

for ranks in 1 2; do
    expect_error "missing file" "$ranks" 'missing\.npy' \
        --input "$inputs/missing.npy"
    expect_error "wrong magic number" "$ranks" 'wrong-magic\.npy' \
        --input "$inputs/wrong-magic.npy"
    expect_error "int64 npy" "$ranks" 'integer-matrix\.npy;int64|i8' \
        --input "$inputs/integer-matrix.npy"
    expect_error "truncated npy" "$ranks" 'truncated\.npy' \
        --input "$inputs/truncated.npy"
    expect_error "components 0" "$ranks" '--components 0' \
        --input "$random" --components 0
    expect_error "components above d" "$ranks" '--components 13' \
        --input "$random" --components 13
    expect_error "NaN in data" "$ranks" 'nan\.npy;row 158;column 7' \
        --input "$inputs/nan.npy" --components 2
    expect_error "infinity in data" "$ranks" 'inf\.npy;row 4;column 11' \
        --input "$inputs/inf.npy" --components 2
    expect_error "non-square covariance" "$ranks" 'not-square\.npy' \
        --input "$inputs/not-square.npy" --input-kind covariance --components 2
    expect_error "non-symmetric covariance" "$ranks" 'not-symmetric\.npy' \
        --input "$inputs/not-symmetric.npy" --input-kind covariance --components 2
    expect_error "one sample" "$ranks" 'one-sample\.npy;at least 2' \
        --input "$inputs/one-sample.npy" --components 1
    expect_error "tol 0" "$ranks" '--tol 0' \
        --input "$random" --tol 0
    expect_error "unknown option" "$ranks" '--no-such-option' \
        --input "$random" --no-such-option
    expect_error "unknown spectrum" "$ranks" 'bogus:1' \
        --spectrum bogus:1 --synthetic 10
    expect_error "grid 3x1" "$ranks" '3x1' \
        --input "$random" --grid 3x1
done

# Repeat some of the errors on 3 and 4 ranks. The small block sizes spread
# the matrices over every rank.
for ranks in 3 4; do
    expect_error "missing file" "$ranks" 'missing\.npy' \
        --input "$inputs/missing.npy"
    expect_error "NaN in data" "$ranks" 'nan\.npy;row 158;column 7' \
        --input "$inputs/nan.npy" --components 2 --block-size 5
    expect_error "infinity in data" "$ranks" 'inf\.npy;row 4;column 11' \
        --input "$inputs/inf.npy" --components 2 --block-size 5
    expect_error "non-symmetric covariance" "$ranks" 'not-symmetric\.npy' \
        --input "$inputs/not-symmetric.npy" --input-kind covariance \
        --components 2 --block-size 1
    expect_error "one sample" "$ranks" 'one-sample\.npy;at least 2' \
        --input "$inputs/one-sample.npy" --components 1
done

# --- Random data compared with NumPy --------------------------------------

# Block size 5 spreads the 12 x 12 covariance over every rank of the grid.
declare -A random_output
for ranks in 1 2 3 4; do
    expect_result "random data k=5 block 5" "$ranks" data OUTPUT "$random" 5 -- \
        --input "$random" --components 5 --block-size 5
    random_output[$ranks]=$last_output
done
for ranks in 2 3 4; do
    compare_outputs "random data np=$ranks equals np=1" \
        "${random_output[1]}" "${random_output[$ranks]}"
done

for ranks in 1 2; do
    expect_result "random data k=5 default block" "$ranks" data OUTPUT "$random" 5 -- \
        --input "$random" --components 5
done

declare -A grid_output
for grid in 1x2 2x1; do
    expect_result "random data grid $grid" 2 data OUTPUT "$random" 5 -- \
        --input "$random" --components 5 --block-size 5 --grid "$grid"
    grid_output[$grid]=$last_output
done
compare_outputs "random data grid 1x2 equals 2x1" \
    "${grid_output[1x2]}" "${grid_output[2x1]}"

for ranks in 1 2; do
    expect_result "random data --check" "$ranks" data OUTPUT "$random" 5 -- \
        --input "$random" --components 5 --block-size 5 --check &&
        python_check "random data --check report np=$ranks" self-check "$last_output"
done

# --- Synthetic covariance -------------------------------------------------

declare -A synthetic_output
for ranks in 1 2 3 4; do
    expect_result "synthetic power:1 --check" "$ranks" synthetic OUTPUT 300 1 5 -- \
        --synthetic 300 --spectrum power:1 --components 5 --check &&
        python_check "synthetic --check report np=$ranks" self-check "$last_output"
    synthetic_output[$ranks]=$last_output
done
for ranks in 2 3 4; do
    compare_outputs "synthetic np=$ranks equals np=1" \
        "${synthetic_output[1]}" "${synthetic_output[$ranks]}"
done

# Two iterations cannot reach --tol on eigenvalue ratios of 0.999, so the
# run must end with status 3 and report the components as not converged.
for ranks in 1 2; do
    name="max-iterations 2 np=$ranks"
    new_output
    run_covdefl "$ranks" "$output" --synthetic 100 --spectrum geometric:0.999 \
        --components 2 --max-iterations 2
    if is_timeout "$run_status"; then
        fail "$name" "hung (no exit within ${run_timeout} s)"
    elif [[ $run_status -ne 3 ]]; then
        fail "$name" "exit status $run_status, expected 3" \
            "[stderr: $(first_error_line "$output")]"
    elif grep -q 'covdefl: error:' "$output.stderr"; then
        fail "$name" "exit status 3 with an error line: $(first_error_line "$output")"
    else
        python_check "$name" not-converged "$output"
    fi
done

# --- Cases from bug reports -----------------------------------------------

for ranks in 1 2; do
    # A large common offset must not cancel the covariance, and the mean
    # must be exact.
    expect_result "large offset" "$ranks" case large-offset OUTPUT "$cases_dir" 3 -- \
        --input "$cases_dir/large-offset/data.npy" --components 3

    # Constant columns give zero eigenvalues and must not produce NaN.
    expect_result "constant columns" "$ranks" \
        case constant-columns OUTPUT "$cases_dir" 5 -- \
        --input "$cases_dir/constant-columns/data.npy" --components 5

    # One sample leaves the divisor n - 1 at zero, two give rank one.
    expect_error "one-sample case" "$ranks" 'one-sample\.npy' \
        --input "$cases_dir/too-few-samples/one-sample.npy" --components 1
    expect_result "two samples" "$ranks" case two-samples OUTPUT "$cases_dir" 2 -- \
        --input "$cases_dir/too-few-samples/two-samples.npy" --components 2

    # In C = 5I - J the all-ones vector is the eigenvector of the smallest
    # eigenvalue 1, and the largest eigenvalue 5 is triple.
    expect_result "triple eigenvalue" "$ranks" \
        case triple-eigenvalue OUTPUT "$cases_dir" 4 -- \
        --input "$cases_dir/triple-eigenvalue/cov.npy" --input-kind covariance \
        --components 4

    # Power iteration oscillates on symmetric matrices with eigenvalues +a
    # and -a, so covdefl must reject them quickly as indefinite.
    for matrix in plusminus3 path3; do
        expect_error "indefinite $matrix" "$ranks" 'positive semidefinite' \
            --input "$cases_dir/indefinite-covariance/$matrix.npy" \
            --input-kind covariance --components 2
        if (( run_seconds > fast_error_seconds )); then
            fail "indefinite $matrix np=$ranks speed" \
                "took $run_seconds s, expected at most $fast_error_seconds s"
        else
            pass "indefinite $matrix np=$ranks speed"
        fi
    done

    # Deflation must keep the eigenvectors orthogonal.
    expect_result "deflation orthogonality" "$ranks" \
        case deflation-orthogonality OUTPUT "$cases_dir" 3 -- \
        --input "$cases_dir/deflation-orthogonality/cov.npy" --input-kind covariance \
        --components 3

    # NaN at row 3, column 2 (1-based).
    expect_error "NaN case" "$ranks" 'nan\.npy;row 3;column 2' \
        --input "$cases_dir/nonfinite-input/nan.npy" --components 2

    # Good MNIST IDX files, and broken ones that covdefl must reject by
    # computing the sizes in 64 bits with overflow checks.
    idx=$cases_dir/idx-files
    expect_result "idx images" "$ranks" case idx-images OUTPUT "$cases_dir" 4 -- \
        --input "$idx/images-5x2x3.idx3-ubyte" --components 4
    expect_result "idx float64 matrix" "$ranks" case idx-matrix OUTPUT "$cases_dir" 3 -- \
        --input "$idx/matrix-4x3.idx2-double" --components 3
    expect_result "idx float32 matrix" "$ranks" case idx-matrix OUTPUT "$cases_dir" 3 -- \
        --input "$idx/matrix-4x3.idx2-float" --format idx --components 3

    # covdefl may decompress a gzip stream under an uncompressed name (then
    # the results equal the plain file's) or reject it.
    name="idx gzipped images np=$ranks"
    new_output
    run_covdefl "$ranks" "$output" --input "$idx/gzipped-images.idx3-ubyte" --components 4
    if is_timeout "$run_status"; then
        fail "$name" "hung (no exit within ${run_timeout} s)"
    elif [[ $run_status -eq 0 ]]; then
        python_check "$name" case idx-images "$output" "$cases_dir" 4
    else
        check_error_run "$name" "$output" 'gzipped-images'
    fi

    expect_error "idx truncated" "$ranks" 'truncated-images;30;21' \
        --input "$idx/truncated-images.idx3-ubyte" --components 2
    expect_error "idx huge dims" "$ranks" 'huge-dims;4294967296' \
        --input "$idx/huge-dims.idx3-ubyte" --components 2
    expect_error "idx little-endian header" "$ranks" 'little-endian-header' \
        --input "$idx/little-endian-header.idx3-ubyte" --components 2
    expect_error "idx header only" "$ranks" 'header-only' \
        --input "$idx/header-only.idx3-ubyte" --format idx --components 2

    # The explained ratio divides by the trace of C for every k.
    for k in 1 2 3; do
        expect_result "explained ratio k=$k" "$ranks" \
            case explained-ratio OUTPUT "$cases_dir" "$k" -- \
            --input "$cases_dir/explained-ratio/data.npy" --components "$k"
    done
done

# Block size 1 on 3 and 4 ranks spreads even a 3 x 3 or 4 x 4 matrix over
# the whole grid.
for ranks in 3 4; do
    expect_result "large offset block 1" "$ranks" \
        case large-offset OUTPUT "$cases_dir" 3 -- \
        --input "$cases_dir/large-offset/data.npy" --components 3 --block-size 1
    expect_result "triple eigenvalue block 1" "$ranks" \
        case triple-eigenvalue OUTPUT "$cases_dir" 4 -- \
        --input "$cases_dir/triple-eigenvalue/cov.npy" --input-kind covariance \
        --components 4 --block-size 1
    expect_result "constant columns block 1" "$ranks" \
        case constant-columns OUTPUT "$cases_dir" 5 -- \
        --input "$cases_dir/constant-columns/data.npy" --components 5 --block-size 1
    expect_error "indefinite plusminus3 block 1" "$ranks" 'positive semidefinite' \
        --input "$cases_dir/indefinite-covariance/plusminus3.npy" \
        --input-kind covariance --components 2 --block-size 1
done

# --- Delimited text ----------------------------------------------------------

# Every dialect file contains the 4 x 3 matrix of the IDX matrix case.
for dialect in "$data_dir"/csv/matrix-4x3-*.csv "$data_dir"/csv/matrix-4x3.tsv; do
    expect_result "csv $(basename "$dialect")" 2 \
        case idx-matrix OUTPUT "$cases_dir" 3 -- \
        --input "$dialect" --components 3
done
for k in 1 3; do
    expect_result "explained ratio csv k=$k" 3 \
        case explained-ratio OUTPUT "$cases_dir" "$k" -- \
        --input "$cases_dir/explained-ratio/data.csv" --components "$k"
done
expect_error "NaN in csv" 2 'nonfinite-5x3-nan\.csv;row 3;column 2' \
    --input "$data_dir/csv/nonfinite-5x3-nan.csv" --components 2
expect_error "ragged csv" 2 'ragged-line-3\.csv;line 3' \
    --input "$data_dir/csv/ragged-line-3.csv" --components 2

# --- Output folders, resources and special files ---------------------------

"$python" -c 'import numpy, sys
numpy.save(sys.argv[1], numpy.tile(numpy.arange(8.0), (50, 1)))' \
    "$work/constant-rows.npy"
expect_error "all rows equal" 2 'constant-rows\.npy;covariance is zero' \
    --input "$work/constant-rows.npy" --components 3

# A loose --target-accuracy leaves larger overlaps between components; they
# must not be mistaken for components that cannot be separated.
expect_result "loose target accuracy" 2 \
    converged OUTPUT -- \
    --synthetic 300 --spectrum geometric:0.9 --components 8 \
    --target-accuracy 1e-3

mkfifo "$work/fifo.npy"
expect_error "fifo input" 2 'fifo\.npy;not a regular file' \
    --input "$work/fifo.npy"
expect_error "block size above 2048" 2 '--block-size 5000' \
    --synthetic 10 --components 1 --block-size 5000
expect_error "memory estimate" 2 'GiB per rank;ranks' \
    --synthetic 200000 --components 1

# An unwritable --output fails before the computation: a synthetic matrix
# that takes several seconds to build must not delay the error.
# The folder cannot be created because a file is in its path.
touch "$work/not-a-folder"
new_output
start=$SECONDS
timeout -k 10 "$run_timeout" "$mpiexec" -n 2 "${mpiexec_flags[@]}" \
    "$covdefl" --output "$work/not-a-folder/results" --synthetic 3000 \
    --components 5 >"$output.stdout" 2>"$output.stderr" </dev/null
run_status=$?
elapsed=$((SECONDS - start))
if [[ $run_status -eq 1 ]] && grep -q 'output folder' "$output.stderr" &&
    (( elapsed < 10 )); then
    pass "unwritable output fails early"
else
    fail "unwritable output fails early" \
        "exit $run_status after ${elapsed} s [stderr: $(first_error_line "$output")]"
fi

# A covariance run into a folder that contains a data run's results removes
# the data run's mean.npy, which no longer belongs to the results.
new_output
shared_output=$output
run_expecting_success "stale mean first run" 2 "$shared_output" \
    --input "$random" --components 2 &&
    run_expecting_success "stale mean second run" 2 "$shared_output" \
        --input "$cases_dir/deflation-orthogonality/cov.npy" \
        --input-kind covariance --components 2 &&
    if [[ -e $shared_output/mean.npy ]]; then
        fail "stale mean.npy removed" "mean.npy is still in $shared_output"
    elif ls -A "$shared_output" | grep -q staging; then
        fail "stale mean.npy removed" "a staging folder was left behind"
    else
        pass "stale mean.npy removed"
    fi

echo "$passed passed, $failed failed"
(( failed == 0 ))
