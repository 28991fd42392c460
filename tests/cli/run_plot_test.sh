#!/usr/bin/env bash
# Runs covdefl with --check --history on a small synthetic matrix, draws the
# report with scripts/plot_report.py, and checks that the PNG exists and
# shows more than a blank canvas.
#
# usage: run_plot_test.sh COVDEFL MPIEXEC
set -euo pipefail

covdefl=$1
mpiexec=$2
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

IFS=';' read -r -a flags <<<"${COVDEFL_MPIEXEC_FLAGS:-}"
timeout 120 "$mpiexec" -n 2 "${flags[@]}" "$covdefl" -q --synthetic 120 \
    --spectrum geometric:0.8 -k 5 --check --history -o "$work/out" >/dev/null
/usr/bin/python3 "$repo/scripts/plot_report.py" "$work/out/report.json" \
    "$work/report.png"
/usr/bin/python3 - "$work/report.png" <<'PY'
import sys

import matplotlib.image as image
import numpy as np

pixels = image.imread(sys.argv[1])
colours = np.unique(pixels.reshape(-1, pixels.shape[-1]), axis=0)
print(f"plot: {pixels.shape[1]}x{pixels.shape[0]} pixels, "
      f"{len(colours)} colours")
assert pixels.shape[0] >= 300, "image too short"
assert pixels.shape[1] >= 600, "image too narrow"
assert len(colours) > 50, "image is nearly blank"
print("1 passed, 0 failed")
PY
