#!/usr/bin/env bash
# Slurm batch script: top-K principal components of a data matrix with
# covdefl on several nodes.
#
# Resources, and why:
#   --nodes=2, --ntasks-per-node=16: 32 MPI ranks, one per physical core.
#     covdefl's kernels (PDSYRK for the covariance, PDSYMV in every power
#     iteration) are memory-bound or BLAS-bound per rank, so one rank per
#     core with a single-threaded BLAS uses a node fully. The grid is
#     chosen as square as possible (8 x 4 here) unless --grid is given.
#   --cpus-per-task=1 with OPENBLAS_NUM_THREADS=1: no oversubscription by
#     BLAS threads inside a rank.
#   --mem-per-cpu: each rank stores its share of the n x d data, then of
#     the d x d covariance (8·d²/ranks bytes), and with --check three more
#     d x d copies. For d = 784 this is tiny; for d = 50000, 20 GB in all,
#     about 0.6 GB per rank without --check.
#   --time: reading and forming the covariance dominate for n >> d; the
#     power iterations cost one matrix-vector product each.
#
# usage: sbatch jobs/covdefl-multinode.sh COVDEFL_BINARY INPUT OUTPUT_DIR [covdefl options...]
# example: sbatch jobs/covdefl-multinode.sh "$PWD/build/covdefl" \
#              /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz \
#              "$PWD/results" --components 10 --check
#SBATCH --job-name=covdefl
#SBATCH --nodes=2
#SBATCH --ntasks-per-node=16
#SBATCH --cpus-per-task=1
#SBATCH --mem-per-cpu=2G
#SBATCH --time=00:30:00
#SBATCH --output=covdefl-%j.out
set -euo pipefail

if (($# < 3)); then
    echo "usage: sbatch $0 COVDEFL_BINARY INPUT OUTPUT_DIR [options...]" >&2
    exit 2
fi
binary=$1
input=$2
output=$3
shift 3

export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1

# A dry run (DRY_RUN=1) prints the command without starting it, so the
# script can be checked outside Slurm.
launcher=(srun --mpi=pmix)
if [[ -z ${SLURM_JOB_ID:-} ]]; then
    launcher=(mpirun -np "${RANKS:-2}")
fi
command=("${launcher[@]}" "$binary" --input "$input" --output "$output" "$@")

echo "covdefl job: nodes=${SLURM_JOB_NUM_NODES:-1} ranks=${SLURM_NTASKS:-${RANKS:-2}}"
echo "command: ${command[*]}"
if [[ ${DRY_RUN:-0} == 1 ]]; then
    exit 0
fi
if [[ ! -x $binary ]]; then
    echo "covdefl binary not found or not executable: $binary" >&2
    exit 2
fi
"${command[@]}"
