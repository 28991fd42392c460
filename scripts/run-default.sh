#!/usr/bin/env bash
# Sets up, builds and runs the main job on its default input: the top 10
# principal components of the Fashion-MNIST training set (60000 x 784),
# on 2 MPI ranks, checked against ScaLAPACK PDSYEVR. Results go to
# covdefl-output/ in the current folder.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
"$repo/scripts/setup.sh"
"$repo/scripts/build.sh"
if [[ $(id -u) -eq 0 ]]; then
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
ranks=${RANKS:-2}
set -x
mpirun -np "$ranks" --oversubscribe \
    "${BUILD_DIR:-$repo/build}/covdefl" --components 10 --check "$@"
