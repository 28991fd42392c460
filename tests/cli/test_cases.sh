#!/usr/bin/env bash
# End-to-end runs of the inputs from bug reports against PCA tools (tests/data/cases) and of delimited text.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
random=$inputs/random-200x12.npy

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

finish_suite
