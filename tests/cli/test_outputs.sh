#!/usr/bin/env bash
# End-to-end checks of output folders, resource limits and special files.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
random=$inputs/random-200x12.npy

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
    --method power --target-accuracy 1e-3

# An input error leaves no empty --output folder behind when the run
# created it, and an existing folder stays.
new_output
run_covdefl 2 "$output" --input "$random" --components 13
if [[ $run_status -ne 1 ]]; then
    fail "failed run removes its new folder" "exit status $run_status, expected 1"
elif [[ -e $output ]]; then
    fail "failed run removes its new folder" "$output is still there"
else
    pass "failed run removes its new folder"
fi
new_output
mkdir -p "$output"
run_covdefl 2 "$output" --input "$random" --components 13
if [[ -d $output ]]; then
    pass "failed run keeps an existing folder"
else
    fail "failed run keeps an existing folder" "$output was removed"
fi

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

# A covariance run with --force into a folder that contains a data run's
# results removes the data run's mean.npy, which no longer belongs to the
# results.
new_output
shared_output=$output
run_expecting_success "stale mean first run" 2 "$shared_output" \
    --input "$random" --components 2 &&
    run_expecting_success "stale mean second run" 2 "$shared_output" \
        --input "$cases_dir/deflation-orthogonality/cov.npy" \
        --input-kind covariance --components 2 --force &&
    if [[ -e $shared_output/mean.npy ]]; then
        fail "stale mean.npy removed" "mean.npy is still in $shared_output"
    elif ls -A "$shared_output" | grep -q staging; then
        fail "stale mean.npy removed" "a staging folder was left behind"
    else
        pass "stale mean.npy removed"
    fi

finish_suite
