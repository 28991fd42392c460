#!/usr/bin/env bash
# End-to-end runs of the binary inputs that covdefl reads with MPI-IO: every
# .npy layout, raw binary files, --transpose, and files whose size does not
# match their header or --shape.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
layouts=$cases_dir/npy-layouts
short=$cases_dir/truncated-files
six_layouts=(c-order-f8 fortran-order-f8 big-endian-f8 c-order-f4
    big-endian-fortran-f4 version2-header)

# Block sizes 2 and 1 spread the 5 x 3 matrix over every rank.
block_size_for() {
    case $1 in
    1) echo 64 ;;
    2 | 4) echo 2 ;;
    *) echo 1 ;;
    esac
}

# --- Every .npy layout gives the same result ------------------------------

for ranks in 1 2 3 4; do
    block=$(block_size_for "$ranks")
    layouts_here=("${six_layouts[@]}")
    # At 1 and 4 ranks, the C-order file and the two Fortran-order ones.
    if (( ranks == 1 || ranks == 4 )); then
        layouts_here=(c-order-f8 fortran-order-f8 big-endian-fortran-f4)
    fi
    reference=""
    for layout in "${layouts_here[@]}"; do
        expect_result "npy $layout" "$ranks" \
            case npy-layouts OUTPUT "$cases_dir" 3 -- \
            --input "$layouts/$layout.npy" --components 3 --block-size "$block"
        if [[ -z $reference ]]; then
            reference=$last_output
        else
            compare_outputs "npy $layout same as c-order-f8 np=$ranks" \
                "$reference" "$last_output"
        fi
    done
done

# float32 values near 16384 must be widened before the column sums.
for ranks in 1 2 3; do
    expect_result "npy float32 large magnitude" "$ranks" \
        case npy-large-magnitude OUTPUT "$cases_dir" 2 -- \
        --input "$layouts/f4-large-magnitude-4000x2.npy" --components 2 \
        --block-size 64
done

expect_error "npy int64" 2 "int64\.npy;unsupported dtype '<i8'" \
    --input "$layouts/int64.npy" --components 2

# --- Files whose size does not match their header ------------------------

for ranks in 1 2; do
    expect_error "npy truncated" "$ranks" 'truncated-6x3\.npy;144;80' \
        --input "$short/truncated-6x3.npy" --components 2
    # 65536 x 65536 is 0 in 32-bit arithmetic.
    expect_error "npy huge shape" "$ranks" 'huge-shape\.npy;34359738368;16' \
        --input "$short/huge-shape.npy" --components 2
done
expect_error "npy 3-D" 2 'three-d\.npy;shape \(2, 3, 4\);2-D array' \
    --input "$short/three-d.npy" --components 2
expect_error "npy 1-D" 2 'one-d\.npy;shape \(5,\);2-D array' \
    --input "$short/one-d.npy" --components 2

# --- Raw binary ----------------------------------------------------------

for ranks in 1 2 3 4; do
    block=$(block_size_for "$ranks")
    expect_result "raw little-endian" "$ranks" \
        case raw-good OUTPUT "$cases_dir" 3 -- \
        --input "$short/good-5x3-f8le.bin" --shape 5,3 --components 3 \
        --block-size "$block"
    expect_result "raw big-endian" "$ranks" \
        case raw-good OUTPUT "$cases_dir" 3 -- \
        --input "$short/good-5x3-f8be.bin" --shape 5,3 --byte-order big \
        --components 3 --block-size "$block"
done

for ranks in 1 2; do
    expect_error "raw 7 of 8 doubles" "$ranks" \
        'seven-doubles\.bin;has 56 bytes;needs exactly 64' \
        --input "$short/seven-doubles.bin" --shape 2,4 --components 2
    expect_error "raw 16 bytes for 2^32 doubles" "$ranks" \
        'tiny-16-bytes\.bin;has 16 bytes;needs exactly 34359738368' \
        --input "$short/tiny-16-bytes.bin" --shape 65536,65536 --components 2
done
expect_error "raw without --shape" 2 'good-5x3-f8le\.bin;--shape n,d' \
    --input "$short/good-5x3-f8le.bin" --components 2
expect_error "raw --shape 5x3" 2 "invalid --shape '5x3'" \
    --input "$short/good-5x3-f8le.bin" --shape 5x3 --components 2
expect_error "raw --shape 0,3" 2 "invalid --shape '0,3';at least 1" \
    --input "$short/good-5x3-f8le.bin" --shape 0,3 --components 2
expect_error "raw --shape -5,3" 2 "invalid --shape '-5,3';at least 1" \
    --input "$short/good-5x3-f8le.bin" --shape=-5,3 --components 2
expect_error "raw --dtype int8" 2 "invalid --dtype 'int8'" \
    --input "$short/good-5x3-f8le.bin" --shape 5,3 --dtype int8 --components 2
expect_error "--shape with npy" 2 'raw binary input only' \
    --input "$layouts/c-order-f8.npy" --shape 5,3 --components 2

# --- Generated layouts: raw float32 column-major, --transpose, NaN --------

generated=$work/generated
mkdir -p "$generated"
if ! "$python" - "$layouts/c-order-f8.npy" "$generated" <<'EOF'
import sys
import numpy as np

matrix = np.load(sys.argv[1])
folder = sys.argv[2]
matrix.astype(">f4").T.tofile(f"{folder}/column-major-be-f4.raw")
np.save(f"{folder}/transposed-c.npy", np.ascontiguousarray(matrix.T))
np.save(f"{folder}/transposed-fortran.npy", np.asfortranarray(matrix.T))
matrix.T.tofile(f"{folder}/transposed-row-major.bin")
np.savetxt(f"{folder}/transposed.csv", matrix.T, delimiter=",")
with_nan = np.asfortranarray(matrix.copy())
with_nan[3, 0] = np.inf
with_nan[1, 2] = np.nan
with_nan[1, 1] = -np.inf
np.save(f"{folder}/nonfinite-fortran.npy", with_nan)
EOF
then
    fail "generate binary inputs" "the NumPy script failed"
fi

for ranks in 2 3; do
    block=$(block_size_for "$ranks")
    expect_result "raw column-major big-endian float32" "$ranks" \
        case npy-layouts OUTPUT "$cases_dir" 3 -- \
        --input "$generated/column-major-be-f4.raw" --shape 5,3 \
        --dtype float32 --byte-order big --layout column --components 3 \
        --block-size "$block"
    for input in transposed-c.npy transposed-fortran.npy transposed.csv; do
        expect_result "--transpose $input" "$ranks" \
            case npy-layouts OUTPUT "$cases_dir" 3 -- \
            --input "$generated/$input" --transpose --components 3 \
            --block-size "$block"
    done
    expect_result "--transpose raw" "$ranks" \
        case npy-layouts OUTPUT "$cases_dir" 3 -- \
        --input "$generated/transposed-row-major.bin" --shape 3,5 \
        --transpose --components 3 --block-size "$block"
done

# The first non-finite value in (row, column) order is -infinity at row 2,
# column 2 (1-based). The file's own column-major order would put +infinity
# at row 4, column 1 first, and block size 1 puts the three on different
# ranks.
for ranks in 1 3 4; do
    expect_error "npy first non-finite" "$ranks" \
        'nonfinite-fortran\.npy;\(-infinity\) at row 2, column 2' \
        --input "$generated/nonfinite-fortran.npy" --components 2 \
        --block-size 1
done

finish_suite
