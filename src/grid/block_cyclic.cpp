#include <algorithm>
#include <cmath>
#include <limits>

#include "covdefl/error.hpp"
#include "covdefl/grid.hpp"
#include "covdefl/mpi.hpp"
#include "grid/scalapack.hpp"

namespace covdefl {

namespace {

int checked_dimension(std::int64_t n, const char* what)
{
    if (n < 0 || n > std::numeric_limits<int>::max()) {
        throw Error(std::string("matrix ") + what + " " + std::to_string(n) +
                    " is outside ScaLAPACK's 32-bit index range");
    }
    return static_cast<int>(n);
}

}  // namespace

int local_extent(std::int64_t n, int nb, int iproc, int nprocs)
{
    const int n32 = checked_dimension(n, "dimension");
    const int source = 0;
    return numroc_(&n32, &nb, &iproc, &source, &nprocs);
}

BlockCyclicMatrix::BlockCyclicMatrix(const ProcessGrid& grid, std::int64_t rows,
                                     std::int64_t cols, int block_rows,
                                     int block_cols)
    : grid_(&grid)
    , rows_(checked_dimension(rows, "row count"))
    , cols_(checked_dimension(cols, "column count"))
    , block_rows_(block_rows)
    , block_cols_(block_cols)
{
    if (block_rows < 1 || block_cols < 1) {
        throw Error("invalid block size " + std::to_string(block_rows) + "x" +
                    std::to_string(block_cols) + ": must be positive");
    }
    local_rows_ = local_extent(rows_, block_rows_, grid.myrow(), grid.nprow());
    local_cols_ = local_extent(cols_, block_cols_, grid.mycol(), grid.npcol());
    // DESCINIT requires LLD >= max(1, local rows).
    const int ld = std::max(1, local_rows_);
    const int source = 0;
    const int context = grid.context();
    int info = 0;
    descinit_(desc_.data(), &rows_, &cols_, &block_rows_, &block_cols_, &source,
              &source, &context, &ld, &info);
    if (info != 0) {
        throw Error("DESCINIT rejected argument " + std::to_string(-info) +
                    " for a " + std::to_string(rows_) + " x " +
                    std::to_string(cols_) + " matrix");
    }
    // Collective, so that a rank that cannot allocate its share stops every
    // rank with one message instead of aborting alone.
    const std::size_t count = static_cast<std::size_t>(ld) * local_cols_;
    bool failed = false;
    try {
        local_.assign(count, 0.0);
    } catch (const std::bad_alloc&) {
        failed = true;
    }
    mpi::agree_on_error(
        grid.comm(), failed,
        "cannot allocate " + std::to_string(count * 8.0 / (1 << 30)) +
            " GiB on rank " + std::to_string(grid.rank()) + " for a " +
            std::to_string(rows_) + " x " + std::to_string(cols_) +
            " matrix; run on more ranks or nodes");
}

int BlockCyclicMatrix::global_row(int il) const
{
    return ((il / block_rows_) * grid_->nprow() + grid_->myrow()) *
               block_rows_ +
           il % block_rows_;
}

int BlockCyclicMatrix::global_col(int jl) const
{
    return ((jl / block_cols_) * grid_->npcol() + grid_->mycol()) *
               block_cols_ +
           jl % block_cols_;
}

int BlockCyclicMatrix::owner_row(int i) const
{
    return (i / block_rows_) % grid_->nprow();
}

int BlockCyclicMatrix::owner_col(int j) const
{
    return (j / block_cols_) % grid_->npcol();
}

int BlockCyclicMatrix::local_row(int i) const
{
    return (i / (block_rows_ * grid_->nprow())) * block_rows_ + i % block_rows_;
}

int BlockCyclicMatrix::local_col(int j) const
{
    return (j / (block_cols_ * grid_->npcol())) * block_cols_ + j % block_cols_;
}

void BlockCyclicMatrix::fill(double value)
{
    std::fill(local_.begin(), local_.end(), value);
}

double dot(const DistVector& x, const DistVector& y)
{
    double sum = 0.0;
    const int n = x.local_size();
    for (int i = 0; i < n; ++i) {
        sum += x.data()[i] * y.data()[i];
    }
    mpi::sum_all(x.grid().comm(), &sum, 1);
    return sum;
}

double difference_norm(const DistVector& y, double alpha, const DistVector& x)
{
    double sum = 0.0;
    const int n = x.local_size();
    for (int i = 0; i < n; ++i) {
        const double r = y.data()[i] - alpha * x.data()[i];
        sum += r * r;
    }
    mpi::sum_all(x.grid().comm(), &sum, 1);
    return std::sqrt(sum);
}

std::vector<double> gather_all(const DistVector& x)
{
    // Each entry is owned by exactly one rank, so a sum of zero-padded
    // copies reproduces it exactly.
    std::vector<double> full(static_cast<std::size_t>(x.rows()), 0.0);
    for (int il = 0; il < x.local_size(); ++il) {
        full[static_cast<std::size_t>(x.global_row(il))] = x.data()[il];
    }
    mpi::sum_all(x.grid().comm(), full.data(), x.rows());
    return full;
}

void scatter_from_full(DistVector& x, const std::vector<double>& values)
{
    for (int il = 0; il < x.local_size(); ++il) {
        x.data()[il] = values[static_cast<std::size_t>(x.global_row(il))];
    }
}

}  // namespace covdefl
