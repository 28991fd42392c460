#!/usr/bin/env bash
# Times covdefl for several layouts of 2 cores. The layouts are 2 ranks x 1
# BLAS thread on a 2x1 and a 1x2 grid, 1 rank x 2 BLAS threads, and the
# ScaLAPACK block sizes 32, 64, 128 and 256 on the default grid of 2 ranks.
# Each layout runs
#   - the solve of MATRIX (--input-kind covariance, K = 10, --tol 1e-8)
#     with --method block and with --method lanczos ("solve" seconds),
#   - the default Fashion-MNIST input with K = 1 ("covariance" seconds:
#     centring and PDSYRK).
# The layouts of one repetition follow each other, so a change in the
# machine's load affects every layout alike. Prints one line per run, then
# a markdown table of the medians of REPEATS runs (default 3), with the
# range and the ratio to the default layout (2 ranks, 2x1, block size 64).
# With TABLE=FILE the table also goes to FILE.
#
# MATRIX is a d x d covariance in .npy format, for example from
#   bench/make_covariance 4096 inverse inverse-4096.npy 42
# (built with -DCOVDEFL_BENCH=ON; bench/run_all.sh caches its matrices in
# bench/work/matrices).
#
# usage: [REPEATS=N] [TABLE=FILE] bench/layout.sh path/to/covdefl MATRIX
set -euo pipefail

if (($# != 2)); then
    sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2
    exit 1
fi
repo=$(cd "$(dirname "$0")/.." && pwd)
covdefl=$(realpath "$1")
matrix=$(realpath "$2")
repeats=${REPEATS:-3}
python=/usr/bin/python3
if [[ $(id -u) -eq 0 ]]; then
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
export OMP_NUM_THREADS=1
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# Layouts as NAME:RANKS:BLAS_THREADS:GRID:BLOCK_SIZE. The first is the
# default and the reference of the ratios.
layouts=(
    "2x1-nb64:2:1:2x1:64"
    "1x2-nb64:2:1:1x2:64"
    "1rank-2threads:1:2:1x1:64"
    "2x1-nb32:2:1:2x1:32"
    "2x1-nb128:2:1:2x1:128"
    "2x1-nb256:2:1:2x1:256"
)
workloads=(block lanczos covariance)

echo "bench/layout.sh $covdefl $matrix (REPEATS=$repeats)"
echo "commit $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)," \
    "$(nproc --all) CPUs, $(mpirun --version | head -n 1)," \
    "OpenBLAS $(dpkg-query -W -f='${Version}' libopenblas0-pthread 2>/dev/null || echo unknown)"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

# Prints the seconds of STAGE, the BLAS threads per rank and the product
# kernel ("-" when the report has none) that OUT/report.json records.
read_report() {
    "$python" - "$out/report.json" "$1" <<'PY'
import json
import sys

path, stage = sys.argv[1:]
with open(path) as f:
    report = json.load(f)
layout = report.get("layout", {})
print(report["seconds"][stage], layout.get("blas_threads_per_rank"),
      report["solver"].get("product_kernel", "-"))
PY
}

raw=$out/raw.txt
echo "layout workload repeat seconds blas_threads product_kernel"
for ((r = 1; r <= repeats; ++r)); do
    for entry in "${layouts[@]}"; do
        IFS=: read -r name ranks threads grid block_size <<<"$entry"
        # mpirun binds a single rank to one core, and OpenBLAS (0.3.21
        # here) caps its threads at the cores that the rank may run on.
        bind=()
        ((ranks == 1)) && bind=(--bind-to none)
        for workload in "${workloads[@]}"; do
            case $workload in
            covariance)
                arguments=(-k 1)
                stage=covariance
                ;;
            *)
                arguments=(--input "$matrix" --input-kind covariance -k 10
                    --tol 1e-8 --method "$workload")
                stage=solve
                ;;
            esac
            OPENBLAS_NUM_THREADS=$threads mpirun -np "$ranks" "${bind[@]}" \
                "$covdefl" -q --force -o "$out" --grid "$grid" \
                --block-size "$block_size" "${arguments[@]}" >/dev/null
            line="$name $workload $r $(read_report "$stage")"
            echo "$line"
            echo "$line" >>"$raw"
        done
    done
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo

"$python" - "$raw" "${layouts[0]%%:*}" "${workloads[@]}" <<'PY' |
import statistics
import sys
from collections import defaultdict

path, reference, *workloads = sys.argv[1:]
times = defaultdict(list)
threads = {}
kernels = set()
order = []
with open(path) as f:
    for line in f:
        name, workload, _, seconds, blas_threads, kernel = line.split()
        times[name, workload].append(float(seconds))
        if workload != "covariance":
            kernels.add(kernel)
        threads[name] = blas_threads
        if name not in order:
            order.append(name)
median = {key: statistics.median(values) for key, values in times.items()}
titles = {"block": "block solve s", "lanczos": "lanczos solve s",
          "covariance": "Fashion-MNIST covariance s"}
header = ["layout", "BLAS threads/rank"]
for workload in workloads:
    header += [titles[workload], "ratio"]
print("| " + " | ".join(header) + " |")
print("|" + "---|" * len(header))
for name in order:
    cells = [name, threads[name]]
    for workload in workloads:
        values = times[name, workload]
        cells.append(f"{median[name, workload]:.3f} "
                     f"({min(values):.3f}–{max(values):.3f})")
        cells.append(f"{median[name, workload] / median[reference, workload]:.2f}")
    print("| " + " | ".join(cells) + " |")
print()
print("Cells: median (min–max) of the runs in seconds; ratio: median over "
      f"the median of {reference}. Product kernel of the solves "
      f"(--product-kernel): {', '.join(sorted(kernels))}.")
PY
    tee "${TABLE:-/dev/null}"
