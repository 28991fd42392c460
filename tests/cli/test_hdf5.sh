#!/usr/bin/env bash
# End-to-end checks of HDF5 input (--format hdf5, --dataset) and output
# (--output-format hdf5). In a build without HDF5 support the suite checks
# that both are rejected, then reports itself as skipped (exit status 77).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
result_files+=(results.h5)
helper=$script_dir/hdf5_files.py

if ! "$covdefl" --version | grep -q '^HDF5 support: on'; then
    expect_error "hdf5 input without HDF5 support" 2 \
        'random\.h5;no HDF5 support' \
        --input "$inputs/random.h5" --components 2
    expect_error "hdf5 output without HDF5 support" 2 \
        '--output-format hdf5;no HDF5 support' \
        --input "$inputs/random-200x12.npy" --output-format hdf5
    echo "SKIPPED: this covdefl build has no HDF5 support (configure found" \
        "no parallel HDF5 or COVDEFL_WITH_HDF5=OFF)"
    echo "$passed passed, $failed failed"
    (( failed == 0 )) && exit 77
    exit 1
fi

if ! "$python" -c 'import h5py' 2>/dev/null; then
    echo "FAIL - setup: $python cannot import h5py (scripts/setup.sh installs python3-h5py)"
    echo "0 passed, 1 failed"
    exit 1
fi
if ! "$python" "$helper" make "$inputs"; then
    echo "FAIL - setup: hdf5_files.py make failed"
    echo "0 passed, 1 failed"
    exit 1
fi

# Runs covdefl at RANKS ranks on dataset DATASET of HDF5_FILE and on its
# twin NPY_FILE, with the same remaining arguments, and checks that both
# give the same results.
# Usage: expect_same_as_npy NAME RANKS HDF5_FILE DATASET NPY_FILE ARGUMENTS...
expect_same_as_npy() {
    local name="$1 np=$2" ranks=$2 hdf5_file=$3 dataset=$4 npy_file=$5
    shift 5
    local hdf5_output npy_output
    new_output
    hdf5_output=$output
    new_output
    npy_output=$output
    run_expecting_success "$name" "$ranks" "$hdf5_output" \
        --input "$hdf5_file" --dataset "$dataset" "$@" &&
        run_expecting_success "$name (.npy run)" "$ranks" "$npy_output" \
            --input "$npy_file" "$@" &&
        compare_outputs "$name" "$hdf5_output" "$npy_output"
}

# --- Input -----------------------------------------------------------------

# The same matrix from .h5 and from .npy, at every rank count, with the
# .npy run at 1 rank as the common reference.
new_output
reference=$output
run_expecting_success "npy reference np=1" 1 "$reference" \
    --input "$inputs/random-200x12.npy" --components 5 --block-size 3
for ranks in 1 2 3 4; do
    expect_result "hdf5 input matches numpy" "$ranks" \
        data OUTPUT "$inputs/random-200x12.npy" 5 -- \
        --input "$inputs/random.h5" --components 5 --block-size 3 &&
        compare_outputs "hdf5 input same as npy np=$ranks" \
            "$last_output" "$reference"
done

expect_same_as_npy "float32 big-endian, named dataset" 3 \
    "$inputs/random-f32be.hdf5" samples/x "$inputs/random-f32.npy" \
    --components 4 --block-size 2
expect_same_as_npy "int32 chunked gzip dataset" 2 \
    "$inputs/integers.h5" counts "$inputs/integers.npy" --components 4
expect_same_as_npy "covariance input" 4 \
    "$inputs/covariance.h5" /stats/covariance "$inputs/covariance.npy" \
    --input-kind covariance --components 3 --block-size 5

# --- Output ----------------------------------------------------------------

for ranks in 2 3; do
    new_output
    npy_output=$output
    new_output
    hdf5_output=$output
    run_expecting_success "results.h5 npy run np=$ranks" "$ranks" \
        "$npy_output" --input "$inputs/random.h5" --components 5 &&
        run_expecting_success "results.h5 np=$ranks" "$ranks" \
            "$hdf5_output" --input "$inputs/random.h5" --components 5 \
            --output-format hdf5 &&
        if reason=$("$python" "$helper" compare-results \
            "$hdf5_output/results.h5" "$npy_output" 2>&1); then
            pass "results.h5 matches the .npy files np=$ranks"
        else
            fail "results.h5 matches the .npy files np=$ranks" "$reason"
        fi
done
if ls "$hdf5_output"/*.npy >/dev/null 2>&1; then
    fail "hdf5 output writes no .npy" "$(ls "$hdf5_output")"
elif [[ ! -f $hdf5_output/report.json ]]; then
    fail "hdf5 output writes no .npy" "report.json is missing"
else
    pass "hdf5 output writes no .npy"
fi

# --scores with HDF5 output writes the n x K dataset scores of scores.h5,
# equal to the scores.npy of an npy run.
for ranks in 1 3; do
    new_output
    npy_output=$output
    new_output
    hdf5_output=$output
    run_expecting_success "scores.h5 npy run np=$ranks" "$ranks" \
        "$npy_output" --input "$inputs/random.h5" --components 4 --scores \
        --block-size 3 &&
        run_expecting_success "scores.h5 np=$ranks" "$ranks" \
            "$hdf5_output" --input "$inputs/random.h5" --components 4 \
            --scores --block-size 3 --output-format hdf5 &&
        if reason=$("$python" -c 'import sys, h5py, numpy
with h5py.File(sys.argv[1], "r") as f:
    scores = f["scores"][...]
expected = numpy.load(sys.argv[2])
if scores.shape != expected.shape:
    sys.exit(f"shape {scores.shape}, expected {expected.shape}")
error = numpy.abs(scores - expected).max() / numpy.abs(expected).max()
if error > 1e-12:
    sys.exit(f"largest relative difference {error:.3g}")' \
            "$hdf5_output/scores.h5" "$npy_output/scores.npy" 2>&1); then
            pass "scores.h5 equals scores.npy np=$ranks"
        else
            fail "scores.h5 equals scores.npy np=$ranks" "$reason"
        fi
done

# A covariance input has no mean, and the .npy files of an earlier run in
# the same folder are removed.
new_output
covariance_output=$output
new_output
covariance_npy=$output
run_expecting_success "covariance results.h5 npy run" 2 "$covariance_npy" \
    --input "$inputs/covariance.npy" --input-kind covariance --components 3 &&
    run_expecting_success "covariance results.h5 first run" 2 \
        "$covariance_output" --input "$inputs/random-200x12.npy" \
        --components 3 &&
    run_expecting_success "covariance results.h5" 2 "$covariance_output" \
        --input "$inputs/covariance.npy" --input-kind covariance \
        --components 3 --output-format hdf5 --force &&
    if reason=$("$python" "$helper" compare-results \
        "$covariance_output/results.h5" "$covariance_npy" 2>&1); then
        pass "covariance results.h5 has no mean"
    else
        fail "covariance results.h5 has no mean" "$reason"
    fi
if ls "$covariance_output"/*.npy >/dev/null 2>&1; then
    fail "stale .npy files removed" "$(ls "$covariance_output")"
else
    pass "stale .npy files removed"
fi

# --- Errors ----------------------------------------------------------------

expect_error "two 2-D datasets" 3 \
    'two\.h5 contains 2 2-D datasets;/a \(20 x 12\);/b \(30 x 5\);--dataset' \
    --input "$inputs/two.h5"
expect_error "missing dataset" 2 \
    'dataset /nope not found in .*two\.h5;/a \(20 x 12\), /b \(30 x 5\)' \
    --input "$inputs/two.h5" --dataset nope
expect_error "3-D dataset" 2 'has 3 dimensions;4 x 5 x 6' \
    --input "$inputs/cube.h5" --dataset cube
expect_error "non-finite value" 4 \
    'nan\.h5;NaN;row 42, column 9' --input "$inputs/nan.h5"
expect_error "not an HDF5 file" 2 'not-hdf5\.h5 is not an HDF5 file' \
    --input "$inputs/not-hdf5.h5"
expect_error "--dataset on .npy input" 2 \
    '--dataset data applies to HDF5 input only;random-200x12\.npy' \
    --input "$inputs/random-200x12.npy" --dataset data
expect_error "unknown output format" 1 "invalid --output-format 'h5'" \
    --input "$inputs/random.h5" --output-format h5

finish_suite
