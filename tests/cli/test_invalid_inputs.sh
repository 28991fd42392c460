#!/usr/bin/env bash
# End-to-end checks of invalid inputs and options: one error line, exit status 1, no result files.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
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
    expect_error "spectrum without synthetic" "$ranks" \
        '--spectrum list:1,2;--synthetic' \
        --input "$random" --spectrum list:1,2
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

finish_suite
