#!/usr/bin/env bash
# Sets up, builds and runs the whole test suite with CTest.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
"$repo/scripts/setup.sh"
"$repo/scripts/build.sh"
# Open MPI refuses to start as root without these.
if [[ $(id -u) -eq 0 ]]; then
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
cd "${BUILD_DIR:-$repo/build}"
# Two tests at a time: the suites spend much of their time starting
# mpiexec and waiting on small runs, so this halves the wall time on two
# cores. Each test's PROCESSORS property keeps CTest from starting more
# ranks than that at once.
ctest --output-on-failure --timeout 900 --parallel 2 "$@"
