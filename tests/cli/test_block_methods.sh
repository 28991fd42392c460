#!/usr/bin/env bash
# End-to-end runs of --method block and --method parallel: results against
# PDSYEVR and NumPy, the same results at 1-4 ranks, the report's blocks.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
random=$inputs/random-200x12.npy

# Checks the block fields of report.json in OUTPUT: the method, the
# expected block widths (comma-separated), a valid subspace bound per block
# and no bound defects.
# Usage: check_blocks NAME OUTPUT METHOD WIDTHS
check_blocks() {
    local name=$1 output=$2 method=$3 widths=$4 message
    if message=$("$python" - "$output/report.json" "$method" "$widths" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
method, widths = sys.argv[2], [int(w) for w in sys.argv[3].split(",")]
problems = []
if report["solver"]["method"] != method:
    problems.append(f'solver.method is {report["solver"]["method"]!r}')
blocks = report.get("blocks", [])
found = [b["last_component"] - b["first_component"] + 1 for b in blocks]
if found != widths:
    problems.append(f"block widths {found}, expected {widths}")
for b in blocks:
    bound = b["bounds"]["subspace_direct"]
    if bound["value"] is None:
        problems.append(f'block {b["block"]}: vacuous ({bound["vacuous"]})')
if report["bound_defects"]:
    problems.append(f'bound defects {report["bound_defects"]}')
products = report["solver"]["total_vector_products"]
if not products > 0:
    problems.append(f"total_vector_products is {products}")
print("; ".join(problems))
sys.exit(1 if problems else 0)
PY
    ); then
        pass "$name"
    else
        fail "$name" "$message"
    fi
}

# --- Block method ---------------------------------------------------------

# K = 7 with b = 3: blocks of 3, 3 and 1 component.
declare -A block_output
for ranks in 1 2 3 4; do
    expect_result "block power:1 --check" "$ranks" synthetic OUTPUT 300 1 7 -- \
        --synthetic 300 --spectrum power:1 --components 7 --method block \
        --block-width 3 --block-size 16 --check &&
        python_check "block --check report np=$ranks" self-check "$last_output" &&
        check_blocks "block report blocks np=$ranks" "$last_output" block 3,3,1
    block_output[$ranks]=$last_output
done
for ranks in 2 3 4; do
    compare_outputs "block np=$ranks equals np=1" \
        "${block_output[1]}" "${block_output[$ranks]}"
done

expect_result "block data against NumPy" 2 data OUTPUT "$random" 5 -- \
    --input "$random" --components 5 --block-size 5 --method block \
    --block-width 2

declare -A grid_output
for grid in 1x2 2x1; do
    expect_result "block grid $grid" 2 synthetic OUTPUT 200 1 4 -- \
        --synthetic 200 --spectrum power:1 --components 4 --method block \
        --block-width 4 --block-size 8 --grid "$grid"
    grid_output[$grid]=$last_output
done
compare_outputs "block grid 1x2 equals 2x1" \
    "${grid_output[1x2]}" "${grid_output[2x1]}"

# --- Parallel method ------------------------------------------------------

declare -A parallel_output
for ranks in 1 2 3 4; do
    expect_result "parallel power:1 --check" "$ranks" synthetic OUTPUT 200 1 5 -- \
        --synthetic 200 --spectrum power:1 --components 5 --method parallel \
        --block-size 16 --check &&
        python_check "parallel --check report np=$ranks" self-check \
            "$last_output" &&
        check_blocks "parallel report blocks np=$ranks" "$last_output" \
            parallel 5
    parallel_output[$ranks]=$last_output
done
for ranks in 2 3 4; do
    compare_outputs "parallel np=$ranks equals np=1" \
        "${parallel_output[1]}" "${parallel_output[$ranks]}"
done

# --- Invalid options ------------------------------------------------------

expect_error "unknown method" 1 "--method 'lanczos2';power, block or parallel" \
    --synthetic 20 --components 2 --method lanczos2
expect_error "block width 0" 1 "--block-width 0;at least 1" \
    --synthetic 20 --components 2 --method block --block-width 0
expect_error "target accuracy with block" 1 "--target-accuracy;--method power" \
    --synthetic 20 --components 2 --method block --target-accuracy 1e-6

finish_suite
