#!/usr/bin/env bash
# End-to-end runs of the parallel text readers: Matrix Market storage
# variants, and delimited text files long enough that every rank's byte
# range contains many lines.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
mm=$cases_dir/matrix-market

# --- Matrix Market -----------------------------------------------------------

for ranks in 1 2 3 4; do
    # Block size 1 spreads the 4 x 4 matrix over every rank of the grid.
    block=$(( ranks > 2 ? 1 : 64 ))
    # Mirroring the lower triangle must not double the diagonal.
    expect_result "mm ones lower block $block" "$ranks" \
        case mm-ones-lower OUTPUT "$cases_dir" 4 -- \
        --input "$mm/ones-lower.mtx" --input-kind covariance --components 4 \
        --block-size "$block"
    # Lower, upper (mirrored too), array and general storage of one matrix.
    for storage in spd-lower spd-upper spd-array-symmetric spd-general; do
        expect_result "mm $storage block $block" "$ranks" \
            case mm-spd OUTPUT "$cases_dir" 4 -- \
            --input "$mm/$storage.mtx" --input-kind covariance \
            --components 4 --block-size "$block"
    done
done

for ranks in 2 3; do
    expect_error "mm skew-symmetric" "$ranks" \
        "skew\.mtx;skew-symmetric;not symmetric" \
        --input "$mm/skew.mtx" --input-kind covariance --components 2
    expect_error "mm nonsymmetric general" "$ranks" \
        "nonsymmetric-general\.mtx;not symmetric;(row 1, column 2|row 2, column 1)" \
        --input "$mm/nonsymmetric-general.mtx" --input-kind covariance \
        --components 2
done

# A Matrix Market file as an n x d data matrix, against NumPy on the dense
# matrix.
"$python" - "$mm/spd-general.mtx" "$inputs/spd-general.npy" <<'PYTHON'
import sys
import numpy as np
lines = [l for l in open(sys.argv[1]) if not l.startswith("%")]
rows, cols, _ = map(int, lines[0].split())
dense = np.zeros((rows, cols))
for line in lines[1:]:
    i, j, value = line.split()
    dense[int(i) - 1, int(j) - 1] = float(value)
np.save(sys.argv[2], dense)
PYTHON
for ranks in 1 3; do
    expect_result "mm data matrix" "$ranks" \
        data OUTPUT "$inputs/spd-general.npy" 3 -- \
        --input "$mm/spd-general.mtx" --components 3 --block-size 1
done

# --- Delimited text ----------------------------------------------------------

# 3000 rows of 6 columns with a byte-order mark, a comment, a quoted header,
# CRLF line ends, quoted numbers and a blank line plus a comment before
# rows 123, 523, ... (0-based). The data start on line 3, so row r (0-based)
# is on line 3 + r + 2 * (number of gaps at rows <= r).
"$python" - "$inputs" <<'PYTHON'
import os
import sys
import numpy as np
folder = sys.argv[1]
rng = np.random.default_rng(7)
data = rng.standard_normal((3000, 6)) * np.array([6, 4, 3, 2, 1, 0.5]) + 20
np.save(os.path.join(folder, "long.npy"), data)
lines = ["\ufeff# generated table", '"x 1","x 2","x 3","x 4","x 5","x 6"']
for r, row in enumerate(data):
    if r % 400 == 123:
        lines += ["", "# gap"]
    fields = [repr(float(v)) for v in row]
    fields[r % 6] = '"' + fields[r % 6] + '"'
    lines.append(",".join(fields))

def write(name, edited):
    with open(os.path.join(folder, name), "w", encoding="utf-8", newline="") as f:
        f.write("\r\n".join(edited) + "\r\n")

write("long.csv", lines)
# Line numbers are 1-based; lines[k] is line k + 1.
ragged = list(lines); ragged[2799] = "1,2,3"
write("ragged-late.csv", ragged)
text = list(lines); text[2499] = "1,2abc,3,4,5,6"
write("text-late.csv", text)
nan = list(lines); nan[2899] = "nan," + nan[2899].split(",", 1)[1]
write("nan-late.csv", nan)
# A field that is not a number on line 2200 comes before a ragged row on
# line 2900, which a later rank reads.
both = list(lines); both[2199] = "1,2,3,4,5,six"; both[2899] = "1,2"
write("two-errors.csv", both)
PYTHON

long_outputs=()
for ranks in 1 2 3 4; do
    expect_result "csv long" "$ranks" data OUTPUT "$inputs/long.npy" 4 -- \
        --input "$inputs/long.csv" --components 4 --block-size 7
    long_outputs+=("$last_output")
done
for index in 1 2 3; do
    compare_outputs "csv long np=1 and np=$((index + 1))" \
        "${long_outputs[0]}" "${long_outputs[$index]}"
done

# Line 2900 follows 2 lines before the data and 7 gaps of 2 lines, so it
# contains row 2900 - 2 - 14 = 2884 (1-based).
for ranks in 3 4; do
    expect_error "csv ragged late line" "$ranks" \
        "ragged-late\.csv;line 2800 has 3 fields, but the first data line has 6" \
        --input "$inputs/ragged-late.csv" --components 2
    expect_error "csv text late line" "$ranks" \
        "text-late\.csv;line 2500, column 2: '2abc' is not a number" \
        --input "$inputs/text-late.csv" --components 2
    expect_error "csv NaN late line" "$ranks" \
        "nan-late\.csv;NaN;row 2884, column 1;line 2900" \
        --input "$inputs/nan-late.csv" --components 2
    expect_error "csv first of two errors" "$ranks" \
        "two-errors\.csv;line 2200, column 6: 'six' is not a number" \
        --input "$inputs/two-errors.csv" --components 2
done

# Every dialect file contains the 4 x 3 matrix of the IDX matrix case.
# Block size 1 gives each of 4 ranks a share of it.
for dialect in "$data_dir"/csv/matrix-4x3-*.csv "$data_dir"/csv/matrix-4x3.tsv; do
    expect_result "csv $(basename "$dialect") block 1" 4 \
        case idx-matrix OUTPUT "$cases_dir" 3 -- \
        --input "$dialect" --components 3 --block-size 1
done

finish_suite
