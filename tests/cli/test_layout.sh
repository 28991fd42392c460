#!/usr/bin/env bash
# End-to-end checks of the layout report: the "layout" object of
# report.json and rank 0's "layout:" line against the run's ranks, --grid
# and --block-size, and the warning on more BLAS threads than CPUs.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Checks OUTPUT/report.json's layout object and OUTPUT.stdout's layout
# line. GRID is PxQ or "default", BLOCK_SIZE a number or "default" (the
# value that --help shows).
# WARNING is "warn", "quiet" or "any": whether stderr must contain the
# oversubscription warning, must not, or must agree with the report.
# Usage: check_layout NAME OUTPUT RANKS GRID BLOCK_SIZE WARNING
check_layout() {
    local name=$1 output=$2 reason
    if reason=$("$python" - "$output" "$default_block_size" "${@:3}" <<'PY'
import json
import math
import os
import sys

output, default_block_size, ranks, grid, block_size, warning = sys.argv[1:]
ranks = int(ranks)
with open(os.path.join(output, "report.json")) as f:
    layout = json.load(f)["layout"]
with open(output + ".stdout") as f:
    stdout = f.read()
with open(output + ".stderr") as f:
    warnings = [line for line in f if line.startswith("covdefl: warning:")
                and "compete for cores" in line]
problems = []


def expect(field, value):
    if layout[field] != value:
        problems.append(f"layout.{field} is {layout[field]!r}, expected {value!r}")


expect("ranks", ranks)
if grid == "default":
    # choose_grid_shape: as square as possible, rows >= cols.
    cols = math.isqrt(ranks)
    while ranks % cols != 0:
        cols -= 1
    rows, source = ranks // cols, "default"
else:
    rows, cols = map(int, grid.split("x"))
    source = "--grid"
expect("grid_rows", rows)
expect("grid_cols", cols)
expect("grid_source", source)
if block_size == "default":
    expect("block_size", int(default_block_size))
    expect("block_size_source", "default")
else:
    expect("block_size", int(block_size))
    expect("block_size_source", "--block-size")
# The test runs every rank on this machine.
expect("ranks_on_node", ranks)
expect("node_cpus", os.cpu_count())
if not 1 <= layout["rank_cpus"] <= layout["node_cpus"]:
    problems.append(f"layout.rank_cpus is {layout['rank_cpus']}, expected "
                    f"1 to {layout['node_cpus']}")
threads = layout["blas_threads_per_rank"]
if threads is None:
    if not layout.get("blas_threads_note"):
        problems.append("blas_threads_per_rank is null without a note")
    expect("oversubscribed", False)
else:
    if not (isinstance(threads, int) and threads >= 1):
        problems.append(f"blas_threads_per_rank is {threads!r}, expected >= 1")
    else:
        expect("oversubscribed", ranks * threads > layout["node_cpus"])
if "docs/benchmarks.md" not in layout["reason"]:
    problems.append("layout.reason does not name docs/benchmarks.md")
expected_warnings = {"warn": 1, "quiet": 0,
                     "any": 1 if layout["oversubscribed"] else 0}[warning]
if len(warnings) != expected_warnings:
    problems.append(f"{len(warnings)} oversubscription warnings, expected "
                    f"{expected_warnings}")
lines = [line for line in stdout.splitlines() if line.startswith("layout: ")]
if len(lines) != 1:
    problems.append(f"{len(lines)} 'layout:' lines on stdout, expected 1")
else:
    expected_prefix = (f"layout: {ranks} ranks, {rows}x{cols} grid ({source}), block "
             f"size {layout['block_size']} ({layout['block_size_source']})")
    if not lines[0].startswith(expected_prefix):
        problems.append(f"the layout line does not start with '{expected_prefix}': "
                        f"{lines[0]}")
if problems:
    print("; ".join(problems))
    sys.exit(1)
PY
    ); then
        pass "$name"
    else
        fail "$name" "$reason"
    fi
}

default_block_size=$("$covdefl" --help |
    sed -nE 's/.*--block-size arg \(=([0-9]+)\).*/\1/p')
if [[ ! $default_block_size =~ ^[0-9]+$ ]]; then
    echo "FAIL - setup: no default of --block-size in covdefl --help"
    echo "0 passed, 1 failed"
    exit 1
fi
small_run=(--synthetic 100 --spectrum geometric:0.5 --components 2)

# --- Defaults and explicit values at 1 to 4 ranks -----------------------------

declare -A column_grid=([1]=1x1 [2]=1x2 [3]=1x3 [4]=1x4)
declare -A block_sizes=([1]=8 [2]=16 [3]=32 [4]=128)
for ranks in 1 2 3 4; do
    new_output
    run_expecting_success "defaults np=$ranks" "$ranks" "$output" \
        "${small_run[@]}" &&
        check_layout "defaults np=$ranks" "$output" "$ranks" default default any
    new_output
    run_expecting_success "--grid ${column_grid[$ranks]} np=$ranks" "$ranks" \
        "$output" "${small_run[@]}" --grid "${column_grid[$ranks]}" \
        --block-size "${block_sizes[$ranks]}" &&
        check_layout "--grid ${column_grid[$ranks]} np=$ranks" "$output" \
            "$ranks" "${column_grid[$ranks]}" "${block_sizes[$ranks]}" any
done
# Options equal to the defaults still count as given.
name="--grid 2x1 --block-size $default_block_size np=2"
new_output
run_expecting_success "$name" 2 "$output" "${small_run[@]}" --grid 2x1 \
    --block-size "$default_block_size" &&
    check_layout "$name" "$output" 2 2x1 "$default_block_size" any

# --- More BLAS threads than CPUs ------------------------------------------------

# OpenBLAS (0.3.21 here) caps its threads at the CPUs that the rank may
# run on, and mpirun binds each rank to one core when the ranks fit the
# cores, so binding is switched off here. Asking for at least as many threads as
# the node has CPUs makes 2 ranks exceed them on any node.
if "$mpiexec" --version 2>&1 | grep -qE 'Open MPI|OpenRTE'; then
    mpiexec_flags+=(--bind-to none)
fi
cpus=$(getconf _NPROCESSORS_ONLN)
threads=$((cpus > 4 ? cpus : 4))
new_output
OPENBLAS_NUM_THREADS=$threads run_expecting_success \
    "OPENBLAS_NUM_THREADS=$threads np=2" 2 "$output" "${small_run[@]}" &&
    check_layout "OPENBLAS_NUM_THREADS=$threads np=2 warns" "$output" 2 \
        default default warn
new_output
OPENBLAS_NUM_THREADS=$threads run_expecting_success \
    "OPENBLAS_NUM_THREADS=$threads np=1" 1 "$output" "${small_run[@]}" &&
    check_layout "OPENBLAS_NUM_THREADS=$threads np=1 no warning" "$output" 1 \
        default default quiet
new_output
OPENBLAS_NUM_THREADS=1 run_expecting_success "OPENBLAS_NUM_THREADS=1 np=2" 2 \
    "$output" "${small_run[@]}" &&
    check_layout "OPENBLAS_NUM_THREADS=1 np=2 no warning" "$output" 2 \
        default default quiet

# --quiet drops the layout line but keeps the warning.
new_output
if OPENBLAS_NUM_THREADS=$threads run_expecting_success \
    "--quiet with $threads threads np=2" 2 "$output" "${small_run[@]}" \
    --quiet; then
    if grep -q '^layout: ' "$output.stdout"; then
        fail "--quiet drops the layout line" "stdout has a 'layout:' line"
    else
        pass "--quiet drops the layout line"
    fi
    if [[ $(grep -c '^covdefl: warning: .*compete for cores' \
        "$output.stderr") -eq 1 ]]; then
        pass "--quiet keeps the warning"
    else
        fail "--quiet keeps the warning" "no single warning line on stderr"
    fi
fi

finish_suite
