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
# Up to two cores' worth of tests at a time. Each test's PROCESSORS
# property counts against that limit, so the end-to-end suites (2 each)
# run one at a time and only the small MPI tests overlap.
ctest --output-on-failure --timeout 900 --parallel 2 "$@"
