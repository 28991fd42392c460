// Measurements of the memory-bound kernels: timed products and a
// STREAM-like triad.
#pragma once

#include <mpi.h>

#include "covdefl/solver.hpp"

namespace covdefl {

// Forwards to another operator and measures its products and deflation
// updates on this rank (MPI_Wtime, wall time).
class TimedOperator : public DeflatedOperator {
public:
    explicit TimedOperator(DeflatedOperator& inner) : inner_(inner) {}
    int dimension() const override { return inner_.dimension(); }
    const ProcessGrid& grid() const override { return inner_.grid(); }
    int block_size() const override { return inner_.block_size(); }
    void apply(const DistVector& x, DistVector& y) const override;
    void deflate(double theta, const DistVector& v) override;

    long long products() const { return products_; }
    double product_seconds() const { return product_seconds_; }
    double deflation_seconds() const { return deflation_seconds_; }

private:
    DeflatedOperator& inner_;
    mutable long long products_ = 0;
    mutable double product_seconds_ = 0.0;
    double deflation_seconds_ = 0.0;
};

// Bytes of the matrix that one PDSYMV with the lower triangle of a d x d
// matrix reads at least once: 8·d(d + 1)/2. PBLAS 2.2 applies each local
// panel of the lower triangle with two dgemv calls (A and Aᵀ), so the
// traffic lies between this and twice this, depending on how much of a
// panel the cache keeps between the two calls.
double symv_matrix_bytes(int dimension);

// Measures the aggregate memory bandwidth of all ranks of `comm` with a
// STREAM-like triad a = b + s·c on three arrays of 2^22 doubles (32 MiB)
// per rank, the best of 5 repetitions that all ranks start together.
// Counts 24 bytes per entry (two reads and one write, no write-allocate),
// as STREAM does. Returns bytes per second, the same on every rank.
// Collective.
double measure_triad_bandwidth(MPI_Comm comm);

// Measures the aggregate DGEMM rate of all ranks of `comm`: every rank
// multiplies two 1024 x 1024 matrices with the BLAS at once, the best of
// 3 repetitions. Returns flops per second over all ranks, the same on
// every rank. Collective.
double measure_dgemm_rate(MPI_Comm comm);

}  // namespace covdefl
