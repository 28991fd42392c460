#!/usr/bin/env bash
# Times covdefl's stages for several ScaLAPACK block sizes on 2 ranks:
# the Fashion-MNIST training set (covariance formation, K = 10) and a
# synthetic d = 4096 covariance with eigenvalues 0.9^(i-1) (solve, K = 5).
# Prints one line per run; repeats each run REPEATS times (default 3).
#
# usage: bench/block_size.sh [path/to/covdefl]
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
covdefl=${1:-$repo/build/covdefl}
repeats=${REPEATS:-3}
if [[ $(id -u) -eq 0 ]]; then
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

stage_times() {
    /usr/bin/python3 "$repo/bench/stage_times.py" "$out/report.json"
}

echo "input block_size repeat stage-seconds"
for nb in 16 32 64 128 256; do
    for ((r = 1; r <= repeats; ++r)); do
        mpirun -np 2 "$covdefl" -q -k 10 --block-size "$nb" -o "$out" \
            >/dev/null
        echo "fashion-mnist $nb $r $(stage_times)"
        mpirun -np 2 "$covdefl" -q --synthetic 4096 \
            --spectrum geometric:0.9 -k 5 --block-size "$nb" -o "$out" \
            >/dev/null
        echo "synthetic-4096 $nb $r $(stage_times)"
    done
done
