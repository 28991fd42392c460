// Times one product of the symmetric matrix with n vectors, for the
// product kernels side by side: SymmetricProduct (the stored lower
// triangle, read once, with replicated vectors) and PBLAS (PDSYMV for one
// vector, PDSYMM for several), and reports the bandwidth and GFLOP/s each
// reaches.
//
// Usage: mpirun -np P covdefl_bench_products MATRIX REPEATS N...
// MATRIX is a d x d covariance file that `--input-kind covariance` reads
// (the .npy files of bench/run_all.sh), or a number d for the synthetic
// covariance of `covdefl --synthetic d --spectrum power:1` (seed 42). The
// block size is 64. Each repeat runs every
// kernel and width once, in turn, so that the kernels share the machine's
// load; the table gives the median wall time per product over the
// repeats, the median CPU time (the largest over the ranks, which a shared
// machine inflates less, though MPI's busy waiting counts in it), the
// bytes of the stored triangle per second, 2·D²·N flops per second, and
// the largest difference between the two kernels' results.
#include <mpi.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include "covdefl/covariance.hpp"
#include "covdefl/kernels.hpp"
#include "covdefl/mpi.hpp"
#include "covdefl/symmetric_product.hpp"
#include "solver/vector_block.hpp"

using namespace covdefl;

namespace {

double median(std::vector<double> values)
{
    std::sort(values.begin(), values.end());
    const std::size_t m = values.size() / 2;
    return values.size() % 2 == 1 ? values[m]
                                  : 0.5 * (values[m - 1] + values[m]);
}

double cpu_seconds()
{
    timespec now{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
    return static_cast<double>(now.tv_sec) + 1e-9 * now.tv_nsec;
}

struct Timing {
    double wall = 0.0;
    double cpu = 0.0;  // largest over the ranks
};

Timing time_product(const BlockCyclicMatrix& a, const BlockCyclicMatrix& x,
                    BlockCyclicMatrix& y, int n, ProductKernel kernel)
{
    mpi::check(MPI_Barrier(a.grid().comm()), "MPI_Barrier");
    const double start = MPI_Wtime();
    const double cpu_start = cpu_seconds();
    block::multiply(a, x, 0, y, 0, n, kernel);
    Timing t;
    t.cpu = mpi::max_all(a.grid().comm(), cpu_seconds() - cpu_start);
    t.wall = mpi::max_all(a.grid().comm(), MPI_Wtime() - start);
    return t;
}

int run(int argc, char** argv)
{
    if (argc < 4) {
        std::fprintf(stderr,
                     "usage: covdefl_bench_products MATRIX REPEATS N...\n");
        return 2;
    }
    const std::string matrix = argv[1];
    const bool synthetic =
        matrix.find_first_not_of("0123456789") == std::string::npos;
    const int repeats = std::atoi(argv[2]);
    std::vector<int> widths;
    for (int i = 3; i < argc; ++i) {
        widths.push_back(std::atoi(argv[i]));
    }
    const int nranks = mpi::size(MPI_COMM_WORLD);
    ProcessGrid grid(MPI_COMM_WORLD, choose_grid_shape(nranks));
    const BlockCyclicMatrix a =
        synthetic
            ? synthetic_covariance(
                  grid, parse_spectrum("power:1", std::stoi(matrix)), 42, 64)
            : read_covariance_matrix(grid, matrix, "auto", 64);
    const int d = a.rows();
    const ProductKernel kernels[] = {ProductKernel::triangle,
                                     ProductKernel::pblas};
    const bool root = grid.rank() == 0;
    if (root) {
        std::printf("| d | ranks | n | kernel | ms per product | CPU ms | "
                    "GB/s (triangle bytes) | GFLOP/s | max difference |\n");
        std::printf("|---|---|---|---|---|---|---|---|---|\n");
    }
    for (const int n : widths) {
        BlockCyclicMatrix x = block::make_vector_block(grid, d, n, 64);
        for (int il = 0; il < block::local_rows(x); ++il) {
            for (int j = 0; j < n; ++j) {
                x.local(il, j) = seeded_gaussian(7, j, x.global_row(il));
            }
        }
        std::vector<BlockCyclicMatrix> y(2, x);
        std::vector<std::vector<double>> times(2);
        std::vector<std::vector<double>> cpu(2);
        for (int r = 0; r < repeats; ++r) {
            for (int k = 0; k < 2; ++k) {
                const Timing t = time_product(a, x, y[k], n, kernels[k]);
                times[k].push_back(t.wall);
                cpu[k].push_back(t.cpu);
            }
        }
        double difference = 0.0;
        double scale = 0.0;
        for (int il = 0; il < block::local_rows(x); ++il) {
            for (int j = 0; j < n; ++j) {
                difference = std::max(difference, std::abs(y[0].local(il, j) -
                                                           y[1].local(il, j)));
                scale = std::max(scale, std::abs(y[1].local(il, j)));
            }
        }
        difference = mpi::max_all(MPI_COMM_WORLD, difference) /
                     mpi::max_all(MPI_COMM_WORLD, scale);
        for (int k = 0; k < 2; ++k) {
            const double t = median(times[k]);
            if (root) {
                std::printf("| %d | %d | %d | %s | %.2f | %.2f | %.1f | %.1f | "
                            "%.1e |\n",
                            d, nranks, n, product_kernel_name(kernels[k]),
                            1e3 * t, 1e3 * median(cpu[k]),
                            symv_matrix_bytes(d) / t / 1e9,
                            2.0 * d * double(d) * n / t / 1e9, difference);
            }
        }
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv)
{
    MPI_Init(&argc, &argv);
    int status = 0;
    try {
        status = run(argc, argv);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "covdefl_bench_products: %s\n", e.what());
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    MPI_Finalize();
    return status;
}
