#!/usr/bin/env bash
# Times the solve of each --method and --deflation on 2 ranks for a
# synthetic covariance with eigenvalues 1/i (K = 10, --tol 1e-8), with the
# products' bandwidth and a STREAM-like triad (--measure-bandwidth).
# Prints one line per run, then the median of the REPEATS runs (default 3)
# of each configuration. The runs of one repetition follow each other, so
# a change in the machine's load affects every configuration alike.
#
# usage: [REPEATS=N] [CONFIGURATIONS="METHOD-DEFLATION ..."]
#        bench/methods.sh [path/to/covdefl] [d]
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
covdefl=${1:-$repo/build/covdefl}
dimension=${2:-8192}
repeats=${REPEATS:-3}
if [[ $(id -u) -eq 0 ]]; then
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# CONFIGURATIONS="lanczos-explicit power-explicit" limits the runs.
read -r -a configurations \
    <<<"${CONFIGURATIONS:-lanczos-implicit lanczos-explicit power-implicit power-explicit}"
echo "configuration repeat solve_s products s_per_product GB_per_s triad_GB_per_s"
for ((r = 1; r <= repeats; ++r)); do
    for configuration in "${configurations[@]}"; do
        method=${configuration%-*}
        deflation=${configuration#*-}
        mpirun -np 2 "$covdefl" -q --synthetic "$dimension" \
            --spectrum power:1 -k 10 --tol 1e-8 --method "$method" \
            --deflation "$deflation" --measure-bandwidth \
            -o "$out/$configuration-$r" >/dev/null
        /usr/bin/python3 - "$out/$configuration-$r/report.json" \
            "$configuration" "$r" <<'PY' | tee -a "$out/lines"
import json
import sys

path, configuration, repeat = sys.argv[1:]
report = json.load(open(path))
kernel = report["kernel"]
print(configuration, repeat, f"{report['seconds']['solve']:.3f}",
      kernel["products"], f"{kernel['seconds_per_product']:.5f}",
      f"{kernel['bandwidth_gb_per_s']:.2f}",
      f"{kernel['triad_bandwidth_gb_per_s']:.2f}")
PY
    done
done

echo "median over $repeats runs:"
/usr/bin/python3 - "$out/lines" <<'PY'
import statistics
import sys

rows = {}
for line in open(sys.argv[1]):
    fields = line.split()
    rows.setdefault(fields[0], []).append([float(x) for x in fields[2:]])
for configuration, runs in rows.items():
    medians = [statistics.median(column) for column in zip(*runs)]
    print(configuration, " ".join(f"{m:g}" for m in medians))
PY
