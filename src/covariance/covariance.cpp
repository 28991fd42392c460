#include <cmath>

#include "covdefl/covariance.hpp"
#include "covdefl/mpi.hpp"
#include "grid/scalapack.hpp"

extern "C" void dsyrk_(const char* uplo, const char* trans, const int* n,
                       const int* k, const double* alpha, const double* a,
                       const int* lda, const double* beta, double* c,
                       const int* ldc);

namespace covdefl {

namespace {

// Column sums of `x` over all ranks, as a full-length vector on every rank.
std::vector<double> column_sums(const BlockCyclicMatrix& x)
{
    std::vector<double> sums(static_cast<std::size_t>(x.cols()), 0.0);
    for (int jl = 0; jl < x.local_cols(); ++jl) {
        double sum = 0.0;
        for (int il = 0; il < x.local_rows(); ++il) {
            sum += x.local(il, jl);
        }
        sums[static_cast<std::size_t>(x.global_col(jl))] = sum;
    }
    // Each (process row, column) pair contributes one partial sum.
    mpi::sum_all(x.grid().comm(), sums.data(), x.cols());
    return sums;
}

void subtract_from_columns(BlockCyclicMatrix& x,
                           const std::vector<double>& shift)
{
    for (int jl = 0; jl < x.local_cols(); ++jl) {
        const double s = shift[static_cast<std::size_t>(x.global_col(jl))];
        for (int il = 0; il < x.local_rows(); ++il) {
            x.local(il, jl) -= s;
        }
    }
}

}  // namespace

std::vector<double> center_columns(BlockCyclicMatrix& x)
{
    const double n = x.rows();
    std::vector<double> means = column_sums(x);
    for (double& m : means) {
        m /= n;
    }
    subtract_from_columns(x, means);

    // The centred columns sum to the rounding error of the first mean;
    // removing it too keeps the mean accurate to the last digit.
    std::vector<double> correction = column_sums(x);
    for (double& c : correction) {
        c /= n;
    }
    subtract_from_columns(x, correction);
    for (std::size_t j = 0; j < means.size(); ++j) {
        means[j] += correction[j];
    }
    return means;
}

namespace {

// Largest d x d partial product of the local path: 64 MiB, or the rank's
// share of the data when that is larger, so the path at most doubles what
// the data take.
bool takes_local_path(const ProcessGrid& grid, std::int64_t n, std::int64_t d)
{
    const double full = 8.0 * static_cast<double>(d) * static_cast<double>(d);
    const double share =
        8.0 * static_cast<double>(n) * static_cast<double>(d) / grid.size();
    return grid.npcol() == 1 && full <= std::max(64.0 * 1024 * 1024, share) &&
           static_cast<double>(d) * static_cast<double>(d) < 2147483647.0;
}

// C = xᵀx / (n − 1) on a P x 1 grid, where every rank stores whole rows:
// one DSYRK over its rows, one MPI_Allreduce of the d x d lower triangles,
// then each rank keeps its rows of C.
void local_covariance(const BlockCyclicMatrix& x, double alpha,
                      BlockCyclicMatrix& c)
{
    const int d = x.cols();
    std::vector<double> partial(static_cast<std::size_t>(d) * d, 0.0);
    const int rows = x.local_cols() == 0 ? 0 : x.local_rows();
    if (rows > 0) {
        const int ld = x.local_ld();
        const double zero = 0.0;
        dsyrk_("L", "T", &d, &rows, &alpha, x.data(), &ld, &zero,
               partial.data(), &d);
    }
    mpi::sum_all(x.grid().comm(), partial.data(),
                 static_cast<int>(partial.size()));
    for (int jl = 0; jl < c.local_cols(); ++jl) {
        const int j = c.global_col(jl);
        for (int il = 0; il < c.local_rows(); ++il) {
            const int i = c.global_row(il);
            c.local(il, jl) =
                i >= j ? partial[static_cast<std::size_t>(j) * d + i] : 0.0;
        }
    }
}

}  // namespace

double covariance_workspace_bytes(const ProcessGrid& grid, std::int64_t n,
                                  std::int64_t d)
{
    return takes_local_path(grid, n, d)
               ? 8.0 * static_cast<double>(d) * static_cast<double>(d)
               : 0.0;
}

BlockCyclicMatrix form_covariance(const BlockCyclicMatrix& x)
{
    const int n = x.rows();
    const int d = x.cols();
    if (n < 2) {
        throw Error("need at least 2 samples (rows) to form a covariance "
                    "with divisor n - 1, but the data has " +
                        std::to_string(n),
                    /*collective=*/true);
    }
    BlockCyclicMatrix c(x.grid(), d, d, x.block_cols(), x.block_cols());
    const int one = 1;
    const double alpha = 1.0 / (n - 1);
    const double beta = 0.0;
    if (takes_local_path(x.grid(), n, d)) {
        local_covariance(x, alpha, c);
    } else {
        // C = xᵀ x / (n − 1), lower triangle.
        pdsyrk_("L", "T", &d, &n, &alpha, x.data(), &one, &one, x.desc(), &beta,
                c.data(), &one, &one, c.desc());
    }

    bool finite = true;
    for (int jl = 0; jl < c.local_cols() && finite; ++jl) {
        for (int il = 0; il < c.local_rows(); ++il) {
            finite = finite && std::isfinite(c.local(il, jl));
        }
    }
    mpi::agree_on_error(x.grid().comm(), !finite,
                        "the covariance overflowed to a non-finite value; "
                        "the data values are too large for float64 "
                        "products, so rescale the input");
    return c;
}

double trace(const BlockCyclicMatrix& a)
{
    double sum = 0.0;
    for (int jl = 0; jl < a.local_cols(); ++jl) {
        const int j = a.global_col(jl);
        if (a.owner_row(j) == a.grid().myrow()) {
            sum += a.local(a.local_row(j), jl);
        }
    }
    mpi::sum_all(a.grid().comm(), &sum, 1);
    return sum;
}

}  // namespace covdefl
