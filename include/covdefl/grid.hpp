// BLACS process grid, ScaLAPACK descriptors and block-cyclic storage.
#pragma once

#include <mpi.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace covdefl {

// Shape of a P x Q process grid.
struct GridShape {
    int rows = 1;
    int cols = 1;
};

// Returns the most nearly square P x Q = `nranks` grid with P >= Q, so that
// a distributed vector (one process column) spreads over as many ranks as
// possible.
GridShape choose_grid_shape(int nranks);

// Parses "PxQ" (for example "2x3"). Throws Error on anything else.
GridShape parse_grid_shape(const std::string& text);

// A BLACS process grid over all ranks of an MPI communicator, in row-major
// rank order. Owns the BLACS context and releases it on destruction.
class ProcessGrid {
public:
    // Throws Error when shape.rows * shape.cols differs from the size of
    // `comm`.
    ProcessGrid(MPI_Comm comm, GridShape shape);
    ~ProcessGrid();
    ProcessGrid(const ProcessGrid&) = delete;
    ProcessGrid& operator=(const ProcessGrid&) = delete;

    int context() const { return context_; }
    MPI_Comm comm() const { return comm_; }
    int rank() const { return rank_; }
    int size() const { return nprow_ * npcol_; }
    int nprow() const { return nprow_; }
    int npcol() const { return npcol_; }
    int myrow() const { return myrow_; }
    int mycol() const { return mycol_; }

private:
    MPI_Comm comm_;
    int system_handle_ = -1;
    int context_ = -1;
    int rank_ = 0;
    int nprow_ = 0;
    int npcol_ = 0;
    int myrow_ = -1;
    int mycol_ = -1;
};

// Number of rows (or columns) of a block-cyclic dimension of global length
// `n`, block size `nb`, that process coordinate `iproc` of `nprocs` stores
// (ScaLAPACK's NUMROC with the source process 0).
int local_extent(std::int64_t n, int nb, int iproc, int nprocs);

// A dense matrix distributed 2-D block-cyclically over a process grid, with
// square-or-rectangular blocks starting on process (0, 0): the layout of
// ScaLAPACK and PBLAS. Each rank stores its local block column-major with
// leading dimension local_ld().
class BlockCyclicMatrix {
public:
    // Collective. Throws Error when a dimension does not fit ScaLAPACK's
    // 32-bit integers or a block size is not positive, and a collective
    // Error on every rank when any rank cannot allocate its share.
    BlockCyclicMatrix(const ProcessGrid& grid, std::int64_t rows,
                      std::int64_t cols, int block_rows, int block_cols);

    const ProcessGrid& grid() const { return *grid_; }
    int rows() const { return rows_; }
    int cols() const { return cols_; }
    int block_rows() const { return block_rows_; }
    int block_cols() const { return block_cols_; }
    int local_rows() const { return local_rows_; }
    int local_cols() const { return local_cols_; }
    int local_ld() const { return desc_[8]; }
    const int* desc() const { return desc_.data(); }
    double* data() { return local_.data(); }
    const double* data() const { return local_.data(); }

    double& local(int il, int jl)
    {
        return local_[static_cast<std::size_t>(jl) * local_ld() + il];
    }
    double local(int il, int jl) const
    {
        return local_[static_cast<std::size_t>(jl) * local_ld() + il];
    }

    // Global index (0-based) of local row `il` or column `jl` of this rank.
    int global_row(int il) const;
    int global_col(int jl) const;

    // Owning process row or column of global row `i` or column `j`.
    int owner_row(int i) const;
    int owner_col(int j) const;

    // Local index of global row `i` or column `j` on the owning process.
    int local_row(int i) const;
    int local_col(int j) const;

    void fill(double value);

private:
    const ProcessGrid* grid_;
    int rows_;
    int cols_;
    int block_rows_;
    int block_cols_;
    int local_rows_;
    int local_cols_;
    std::array<int, 9> desc_{};
    std::vector<double> local_;
};

// A distributed column vector of length n: an n x 1 block-cyclic matrix
// stored on process column 0, distributed over the process rows like the
// rows of an n x n matrix with the same block size. PBLAS matrix-vector
// routines (PDSYMV, PDGEMV) take it without a copy. Ranks outside process
// column 0 store no entries.
class DistVector : public BlockCyclicMatrix {
public:
    DistVector(const ProcessGrid& grid, std::int64_t n, int block_size)
        : BlockCyclicMatrix(grid, n, 1, block_size, block_size)
    {
    }

    // Number of entries stored on this rank.
    int local_size() const { return local_cols() == 0 ? 0 : local_rows(); }
};

// Collective over the grid: sum over all ranks of the local dot products,
// so every rank returns the same value.
double dot(const DistVector& x, const DistVector& y);

// Collective: ‖y − alpha·x‖, the same on every rank.
double difference_norm(const DistVector& y, double alpha, const DistVector& x);

// Collective: the full vector on every rank (length n).
std::vector<double> gather_all(const DistVector& x);

// Sets the entries of `x` from the full vector `values` (length n), which
// every rank stores.
void scatter_from_full(DistVector& x, const std::vector<double>& values);

// Returns a standard Gaussian value from a counter-based generator. The
// value depends on (seed, stream, index) alone, so every rank computes the
// entries it owns, and the global vector or matrix is the same for every
// rank count and grid shape.
double seeded_gaussian(std::uint64_t seed, std::uint64_t stream,
                       std::uint64_t index);

}  // namespace covdefl
