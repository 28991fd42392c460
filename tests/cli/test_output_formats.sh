#!/usr/bin/env bash
# End-to-end checks of --output-format, --scores, --force, --standardize and
# the memory estimate, against NumPy.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
random=$inputs/random-200x12.npy
constant=$cases_dir/constant-columns/data.npy
# python_check runs the script in $checker; a prefix assignment switches it
# to this suite's checks for one call.
format_checker=$script_dir/check_output_formats.py
result_files+=(scale.npy scores.npy eigenvalues.csv components.csv
    explained_variance_ratio.csv mean.csv scale.csv scores.csv)

# --- Scores against NumPy at 1-4 ranks and several block sizes -------------

# n = 200 is not a multiple of the block sizes or grid sizes, so the last
# block of every process row and column is partial.
for ranks in 1 2 3 4; do
    for block in 1 2 3 default; do
        block_arguments=()
        [[ $block != default ]] && block_arguments=(--block-size "$block")
        name="scores np=$ranks block=$block"
        new_output
        run_expecting_success "$name" "$ranks" "$output" \
            --input "$random" --components 4 --scores "${block_arguments[@]}" &&
            checker=$format_checker python_check "$name" scores \
                "$output" "$random"
    done
done
# A 1 x 3 grid spreads the 4 score columns over three process columns.
new_output
run_expecting_success "scores grid 1x3" 3 "$output" \
    --input "$random" --components 4 --scores --block-size 1 --grid 1x3 &&
    checker=$format_checker python_check "scores grid 1x3" scores \
        "$output" "$random"

# --- CSV outputs equal the npy outputs ---------------------------------------

for ranks in 1 2 3 4; do
    name="csv equals npy np=$ranks"
    new_output
    npy_output=$output
    new_output
    csv_output=$output
    run_expecting_success "$name" "$ranks" "$npy_output" \
        --input "$random" --components 3 --scores --standardize \
        --block-size 2 &&
        run_expecting_success "$name" "$ranks" "$csv_output" \
            --input "$random" --components 3 --scores --standardize \
            --block-size 2 --output-format csv &&
        checker=$format_checker python_check "$name" same-as-npy \
            "$csv_output" "$npy_output"
done

# --- Options that need a data matrix -----------------------------------------

expect_error "scores with synthetic" 2 '--scores;data matrix;--synthetic' \
    --synthetic 20 --components 2 --scores
expect_error "scores with covariance input" 1 \
    '--scores;data matrix;--input-kind covariance' \
    --input "$cases_dir/deflation-orthogonality/cov.npy" \
    --input-kind covariance --components 2 --scores
expect_error "standardize with synthetic" 1 '--standardize;data matrix' \
    --synthetic 20 --components 2 --standardize
expect_error "drop without standardize" 1 \
    '--drop-constant-columns;--standardize' \
    --input "$constant" --components 2 --drop-constant-columns
expect_error "unknown output format" 1 "--output-format 'xml';npy, csv or hdf5" \
    --input "$random" --components 2 --output-format xml

# --- Existing results and --force --------------------------------------------

# A second run into a folder with results stops before computing and leaves
# the earlier files as they were.
new_output
reused=$output
if run_expecting_success "force first run" 2 "$reused" \
    --input "$random" --components 3 --scores; then
    before=$(cd "$reused" && sha256sum ./*)
    run_covdefl 2 "$reused" --input "$random" --components 2
    message=$(grep -m 1 'covdefl: error:' "$reused.stderr")
    after=$(cd "$reused" && sha256sum ./*)
    if [[ $run_status -ne 1 ]]; then
        fail "existing results rejected" "exit status $run_status, expected 1"
    elif ! grep -qF -- "$reused" <<< "$message" ||
        ! grep -q -- '--force' <<< "$message"; then
        fail "existing results rejected" \
            "the error does not name the folder and --force [$message]"
    elif [[ $before != "$after" ]]; then
        fail "existing results rejected" "the result files changed"
    else
        pass "existing results rejected"
    fi

    # With --force, a covariance run in CSV replaces everything: mean.npy,
    # scores.npy and the other .npy files of the data run go.
    if run_expecting_success "force replaces results" 2 "$reused" \
        --input "$cases_dir/deflation-orthogonality/cov.npy" \
        --input-kind covariance --components 2 --output-format csv --force; then
        left=$(cd "$reused" && ls -A | grep -v -e '\.csv$' -e '^report\.json$')
        if [[ -n $left ]]; then
            fail "force replaces results" "files of the first run remain:" $left
        elif [[ ! -f $reused/components.csv ]]; then
            fail "force replaces results" "components.csv is missing"
        else
            pass "force replaces results"
        fi
    fi
fi

# --- Standardisation against numpy.corrcoef ----------------------------------

for ranks in 1 3; do
    name="standardize np=$ranks"
    new_output
    run_expecting_success "$name" "$ranks" "$output" \
        --input "$random" --components 4 --standardize --scores \
        --block-size 3 &&
        checker=$format_checker python_check "$name" correlation \
            "$output" "$random" 4 &&
        checker=$format_checker python_check "$name scores" scores \
            "$output" "$random"
done

# Columns 2 and 4 of the constant-columns case are constant.
expect_error "standardize constant columns" 2 \
    'constant-columns/data\.npy;constant columns;2, 4 \(2 of 5 columns\);--drop-constant-columns' \
    --input "$constant" --components 2 --standardize

for ranks in 2 4; do
    name="drop constant columns np=$ranks"
    new_output
    if run_expecting_success "$name" "$ranks" "$output" \
        --input "$constant" --components 3 --standardize \
        --drop-constant-columns --scores --block-size 1; then
        warning=$(grep -c 'warning: --drop-constant-columns.*2, 4' \
            "$output.stderr")
        if [[ $warning -eq 1 ]]; then
            pass "$name warning"
        else
            fail "$name warning" "$warning warning lines name columns 2, 4," \
                "expected 1 [stderr: $(head -n 1 "$output.stderr")]"
        fi
        checker=$format_checker python_check "$name" correlation \
            "$output" "$constant" 3 2,4
        checker=$format_checker python_check "$name scores" scores \
            "$output" "$constant"
    fi
done
expect_error "components above kept columns" 2 \
    '--components 4;only 3 columns' \
    --input "$constant" --components 4 --standardize --drop-constant-columns

# --- Memory estimate ----------------------------------------------------------

# A sparse .npy file of 2e8 x 100 float64 (160 GB that use no disk space):
# its header is all that the estimate reads.
"$python" -c 'import numpy, sys
header = numpy.lib.format.header_data_from_array_1_0(numpy.zeros((1, 100)))
header["shape"] = (200_000_000, 100)
with open(sys.argv[1], "wb") as stream:
    numpy.lib.format.write_array_header_1_0(stream, header)
    stream.truncate(stream.tell() + 200_000_000 * 100 * 8)' \
    "$work/huge.npy"
expect_error "memory estimate data" 2 \
    'huge\.npy;GiB per rank \(estimate\) on 2 ranks;GiB available per rank;about [0-9]+ ranks \(a [0-9]+x[0-9]+ grid\)' \
    --input "$work/huge.npy" --components 10
# expect_error keeps its folder name local; it is the latest run's.
plain_output=$work/run-$run_count
expect_error "memory estimate scores" 2 \
    'huge\.npy, kept for --scores,;GiB per rank \(estimate\);[0-9]+x[0-9]+ grid' \
    --input "$work/huge.npy" --components 10 --scores
estimate() {
    sed -nE 's/.*needs about ([0-9.e+]+) GiB.*/\1/p' "$1.stderr" | head -n 1
}
plain=$(estimate "$plain_output")
with_scores=$(estimate "$work/run-$run_count")
# The scores add an n x K share (200e6 x 10 doubles over 2 ranks, 7.45 GiB).
if [[ -n $plain && -n $with_scores ]] &&
    "$python" -c "import sys; sys.exit(not float('$with_scores') - float('$plain') > 7.0)"; then
    pass "memory estimate includes scores"
else
    fail "memory estimate includes scores" \
        "estimates ${plain:-none} GiB without --scores and ${with_scores:-none} GiB with it"
fi

finish_suite
