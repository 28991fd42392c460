#include "covdefl/kernels.hpp"

#include <algorithm>
#include <vector>

#include "covdefl/mpi.hpp"
#include "solver/blas.hpp"

namespace covdefl {

void TimedOperator::apply(const DistVector& x, DistVector& y) const
{
    const double start = MPI_Wtime();
    inner_.apply(x, y);
    product_seconds_ += MPI_Wtime() - start;
    ++products_;
}

void TimedOperator::deflate(double theta, const DistVector& v)
{
    const double start = MPI_Wtime();
    inner_.deflate(theta, v);
    deflation_seconds_ += MPI_Wtime() - start;
}

double symv_matrix_bytes(int dimension)
{
    const double d = static_cast<double>(dimension);
    return 8.0 * d * (d + 1.0) / 2.0;
}

double measure_triad_bandwidth(MPI_Comm comm)
{
    constexpr std::size_t entries = std::size_t(1) << 22;
    constexpr int repetitions = 5;
    std::vector<double> a(entries, 0.0);
    std::vector<double> b(entries, 1.0);
    std::vector<double> c(entries, 2.0);
    const double scalar = 3.0;
    double best = 0.0;
    for (int r = 0; r < repetitions; ++r) {
        mpi::check(MPI_Barrier(comm), "MPI_Barrier");
        const double start = MPI_Wtime();
        // a = b + s·c
        for (std::size_t i = 0; i < entries; ++i) {
            a[i] = b[i] + scalar * c[i];
        }
        const double elapsed = mpi::max_all(comm, MPI_Wtime() - start);
        if (elapsed > 0.0) {
            best = std::max(best,
                            24.0 * double(entries) * mpi::size(comm) / elapsed);
        }
        // Keeps the compiler from dropping the loop as dead code.
        b[r] = a[entries - 1 - r];
    }
    return best;
}

double measure_dgemm_rate(MPI_Comm comm)
{
    constexpr int n = 1024;
    constexpr int repetitions = 3;
    const std::size_t entries = static_cast<std::size_t>(n) * n;
    std::vector<double> a(entries, 1.0);
    std::vector<double> b(entries, 0.5);
    std::vector<double> c(entries, 0.0);
    const double one = 1.0;
    const double zero = 0.0;
    double best = 0.0;
    for (int r = 0; r < repetitions; ++r) {
        mpi::check(MPI_Barrier(comm), "MPI_Barrier");
        const double start = MPI_Wtime();
        dgemm_("N", "N", &n, &n, &n, &one, a.data(), &n, b.data(), &n, &zero,
               c.data(), &n);
        const double elapsed = mpi::max_all(comm, MPI_Wtime() - start);
        if (elapsed > 0.0) {
            best = std::max(best, 2.0 * n * double(n) * n * mpi::size(comm) /
                                      elapsed);
        }
    }
    return best;
}

}  // namespace covdefl
