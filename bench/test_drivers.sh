#!/usr/bin/env bash
# Checks the benchmark drivers on a small matrix with a known spectrum:
# every solver must return λi = 0.9^(i−1), i = 1..5, to 1e-7 relative, with
# a residual below 1e-7 (SLEPc at -tol 1e-9), and the SLEPc counts must be
# positive. Then checks that results.py turns the records into the tables.
#
# usage: bench/test_drivers.sh BUILD_DIR   (configured with COVDEFL_BENCH=ON)
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
drivers=$1/bench
python=/usr/bin/python3
if [[ $(id -u) -eq 0 ]]; then
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mpirun -np 1 "$drivers/make_covariance" 300 geometric "$work/m.npy" 7 \
    >/dev/null

# Checks one driver's JSON record against the known spectrum.
check_record() {
    "$python" - "$1" "$2" <<'PYTHON'
import json
import sys

name, path = sys.argv[1], sys.argv[2]
lines = [line for line in open(path) if line.startswith("{")]
assert lines, f"{name}: no JSON record"
record = json.loads(lines[-1])
expected = [0.9 ** i for i in range(5)]
found = record["eigenvalues"][:5]
assert len(found) == 5, f"{name}: {len(found)} eigenvalues, expected 5"
for i, (value, reference) in enumerate(zip(found, expected)):
    error = abs(value - reference) / reference
    assert error < 1e-7, f"{name}: eigenvalue {i + 1} is {value}, " \
        f"expected {reference} (relative error {error:.2e})"
residual = record["max_relative_residual"]
assert residual is not None and residual < 1e-7, \
    f"{name}: max relative residual {residual}, expected below 1e-7"
if record["tool"] == "slepc":
    assert record["products"] > 0, f"{name}: no products counted"
    assert record["products"] >= record["iterations"], \
        f"{name}: {record['products']} products for " \
        f"{record['iterations']} iterations"
PYTHON
}

raw=$work/raw.jsonl
for ranks in 1 2; do
    for method in krylovschur power subspace; do
        name=slepc-$method-r$ranks
        mpirun -np "$ranks" --oversubscribe "$drivers/slepc_eigs" \
            -input "$work/m.npy" -method "$method" -k 5 -tol 1e-9 \
            >"$work/$name.out"
        check_record "$name" "$work/$name.out"
        "$python" "$repo/bench/results.py" record "$raw" driver \
            "$work/$name.out" case=matrix spectrum=geometric dimension=300 \
            components=5 ranks="$ranks" repetition=1 status=ok
    done
    for routine in pdsyevr pdsyevd; do
        name=$routine-r$ranks
        mpirun -np "$ranks" --oversubscribe "$drivers/scalapack_eigs" \
            --input "$work/m.npy" --routine "$routine" -k 5 \
            --block-size 32 >"$work/$name.out"
        check_record "$name" "$work/$name.out"
    done
done

"$python" "$repo/bench/results.py" summarize "$work"
for row in "slepc krylovschur" "slepc power" "slepc subspace"; do
    if ! grep -q "| $row |" "$work/summary.md"; then
        echo "test_drivers: summary.md has no row '$row':" >&2
        cat "$work/summary.md" >&2
        exit 1
    fi
done
echo "test_drivers: all drivers passed"
