#!/usr/bin/env bash
# Builds covdefl in Debug mode with COVDEFL_CHECK_AGREEMENT=ON in BUILD_DIR
# (default build-agreement/ in the repository, which git ignores) and runs
# the MPI tests at 1 to 4 ranks there. Every COVDEFL_EXPECT_AGREED call in
# the solvers then checks that all ranks hold the same values, and a
# difference fails the test with a message that names the value and the
# ranks. Arguments go to ctest, e.g. -R mpi_np3. Not part of CI.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${BUILD_DIR:-$repo/build-agreement}
jobs=${JOBS:-2}
echo "check-agreement: Debug build in $build_dir, $jobs build jobs"

"$repo/scripts/setup.sh"
cmake -S "$repo" -B "$build_dir" -DCMAKE_BUILD_TYPE=Debug \
    -DCOVDEFL_CHECK_AGREEMENT=ON >/dev/null
cmake --build "$build_dir" -j "$jobs" --target covdefl_mpi_tests

if [[ $(id -u) -eq 0 ]]; then
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
cd "$build_dir"
ctest --output-on-failure -R '^mpi_np[0-9]+$' "$@"
