#!/usr/bin/env bash
# End-to-end results compared with NumPy and across rank counts, grids and synthetic spectra.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
random=$inputs/random-200x12.npy

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

finish_suite
