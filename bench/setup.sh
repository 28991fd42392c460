#!/usr/bin/env bash
# Installs the Debian packages of covdefl and those that only the benchmark
# harness needs: the peers it compares covdefl with (PETSc and SLEPc 3.18,
# scikit-learn) and OpenBLAS for the DGEMM driver. Installs only what is
# missing and prints nothing when everything is there.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
"$repo/scripts/setup.sh" petsc-dev slepc-dev pkg-config python3-sklearn \
    libopenblas-dev
