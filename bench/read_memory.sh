#!/usr/bin/env bash
# Measures the peak resident memory of each rank of a 2-rank covdefl run on
# a 200000 x 512 float64 .npy file and compares it with the rank's share of
# the data matrix and of the covariance. Writes the file with
# scripts/make_large_npy.py when it does not exist (819 MB, not committed).
#
# usage: bench/read_memory.sh [path/to/covdefl] [path/to/data.npy]
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
covdefl=$(realpath "${1:-$repo/build/covdefl}")
data=${2:-/tmp/covdefl-large-200000x512.npy}
rows=200000
cols=512
ranks=2
if [[ $(id -u) -eq 0 ]]; then
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

if [[ ! -f $data ]]; then
    echo "writing $data"
    /usr/bin/python3 "$repo/scripts/make_large_npy.py" "$data" "$rows" "$cols" 7
fi

# Runs covdefl on INPUT with each rank under GNU time, which writes its
# report to OUT_PREFIX.RANK (Open MPI sets OMPI_COMM_WORLD_RANK, MPICH sets
# PMI_RANK).
# Usage: run_measured OUT_PREFIX INPUT
run_measured() {
    local command=(mpirun -np "$ranks" sh -c \
        'exec /usr/bin/time -v -o "$0.${OMPI_COMM_WORLD_RANK:-${PMI_RANK:-0}}" "$@"' \
        "$1" "$covdefl" --input "$2" --components 2 --quiet \
        --output "$out/results")
    echo "command: ${command[*]}"
    "${command[@]}" >/dev/null
}

# Maximum resident set size in bytes from a GNU time report.
max_rss_bytes() {
    local kib
    kib=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$1")
    echo $((kib * 1024))
}

# The 5 x 3 test matrix gives the memory of a run without data: MPI,
# ScaLAPACK and the other libraries.
run_measured "$out/baseline" "$repo/tests/data/npy/matrix-5x3-c-f8.npy"
run_measured "$out/time" "$data"

# Shares on a 2 x 1 grid: half of the rows of X, half of the rows of C.
data_share=$((rows * cols * 8 / ranks))
covariance_share=$((cols * cols * 8 / ranks))
echo "rank max_rss_bytes baseline_rss_bytes data_share_bytes" \
    "covariance_share_bytes rss/(data+covariance)"
for ((rank = 0; rank < ranks; ++rank)); do
    rss=$(max_rss_bytes "$out/time.$rank")
    baseline=$(max_rss_bytes "$out/baseline.$rank")
    ratio=$(awk -v r="$rss" -v s="$((data_share + covariance_share))" \
        'BEGIN {printf "%.3f", r / s}')
    echo "$rank $rss $baseline $data_share $covariance_share $ratio"
done
