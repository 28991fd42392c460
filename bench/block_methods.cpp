// Times the deflation methods on one synthetic covariance, built once:
// the solve time (median of the repeats), the products with the matrix,
// and the block update PDSYR2K against a loop of PDSYR.
//
// Usage: mpirun -np P covdefl_bench_methods D K TOL REPEATS CONFIG...
// with CONFIG one of power, parallel, block:B:G (Chebyshev iteration, block
// width B, G guard vectors) or krylov:B:G:S (block Krylov, S products per
// cycle), optionally followed by *R to run it R times instead of
// REPEATS. Besides the wall time it prints the CPU time of the solve
// (maximum over the ranks), which a shared machine inflates less. The matrix is
// Q diag(1, 1/2, ..., 1/D) Qᵀ (--spectrum power:1), seed 42, block size 64, as
// `covdefl --synthetic D --spectrum power:1`.
#include <mpi.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include "covdefl/block_solver.hpp"
#include "covdefl/covariance.hpp"
#include "covdefl/mpi.hpp"
#include "grid/scalapack.hpp"
#include "solver/lapack.hpp"
#include "solver/vector_block.hpp"

using namespace covdefl;

namespace {

// Counts the products that the solver reports, on rank 0.
class ProductCounter : public SolveObserver {
public:
    void on_component(const ComponentSummary& s) override
    {
        component_products += s.vector_products;
        iterations += s.iterations;
    }
    void on_block(const BlockSummary& b) override
    {
        block_products += b.block_products;
        vector_products += b.vector_products;
    }
    long long component_products = 0;
    long long iterations = 0;
    long long block_products = 0;
    long long vector_products = 0;
};

double cpu_seconds()
{
    timespec now{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
    return static_cast<double>(now.tv_sec) + 1e-9 * now.tv_nsec;
}

struct Outcome {
    double seconds = 0.0;
    double cpu_seconds = 0.0;
    long long block_products = 0;
    long long vector_products = 0;
    bool converged = true;
    double max_relative_error = 0.0;
};

Outcome run_once(const BlockCyclicMatrix& original, const std::string& config,
                 int k, double tolerance)
{
    BlockCyclicMatrix c = original;
    DeflationOptions options;
    options.components = k;
    options.tolerance = tolerance;
    options.probe = true;
    ProductCounter counter;
    SolveObserver* observer = original.grid().rank() == 0 ? &counter : nullptr;
    MPI_Barrier(original.grid().comm());
    const double start = MPI_Wtime();
    const double cpu_start = cpu_seconds();
    DeflationResult result;
    if (config == "power") {
        ExplicitDeflation op(c);
        PowerIteration power;
        result = run_deflation(op, options, power, observer);
    } else if (config == "parallel") {
        result = run_parallel_deflation(c, options, observer);
    } else {
        // block:B:G (Chebyshev) or krylov:B:G:S
        BlockDeflationOptions block;
        const bool krylov = config.rfind("krylov:", 0) == 0;
        block.iteration =
            krylov ? BlockIterationKind::krylov : BlockIterationKind::chebyshev;
        std::vector<int> fields;
        for (std::size_t at = config.find(':'); at != std::string::npos;
             at = config.find(':', at + 1)) {
            fields.push_back(std::stoi(config.substr(at + 1)));
        }
        block.block_width = fields.at(0);
        block.guard_vectors = fields.at(1);
        if (krylov) {
            block.krylov_steps = fields.at(2);
        }
        result = run_block_deflation(c, options, block, observer);
    }
    Outcome outcome;
    outcome.seconds = MPI_Wtime() - start;
    outcome.cpu_seconds =
        mpi::max_all(original.grid().comm(), cpu_seconds() - cpu_start);
    if (config == "power") {
        // Power iteration makes one PDSYMV per iteration.
        outcome.block_products = counter.component_products;
        outcome.vector_products = counter.component_products;
    } else {
        outcome.block_products = counter.block_products;
        outcome.vector_products = counter.vector_products;
    }
    for (std::size_t j = 0; j < result.components.size(); ++j) {
        const ComponentSummary& s = result.components[j];
        const double exact = 1.0 / static_cast<double>(j + 1);
        outcome.converged =
            outcome.converged && s.status == ComponentStatus::converged;
        outcome.max_relative_error = std::max(
            outcome.max_relative_error, std::abs(s.eigenvalue - exact) / exact);
    }
    return outcome;
}

double median(std::vector<double> values)
{
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
}

// Times Σ ← Σ − V Θ Vᵀ for b columns: one PDSYR2K against b PDSYR calls.
void time_updates(const BlockCyclicMatrix& original, int repeats)
{
    const int d = original.rows();
    const int one = 1;
    for (const int b : {8, 16}) {
        BlockCyclicMatrix v =
            block::make_vector_block(original.grid(), d, b, 64);
        for (int j = 0; j < b; ++j) {
            for (int i = 0; i < block::local_rows(v); ++i) {
                block::column(v, j)[i] = seeded_gaussian(7, j, v.global_row(i));
            }
        }
        std::vector<double> syr2k, syr;
        for (int r = 0; r < repeats; ++r) {
            BlockCyclicMatrix c = original;
            MPI_Barrier(c.grid().comm());
            double start = MPI_Wtime();
            const double alpha = -0.5;
            const double beta = 1.0;
            pdsyr2k_("L", "N", &d, &b, &alpha, v.data(), &one, &one, v.desc(),
                     v.data(), &one, &one, v.desc(), &beta, c.data(), &one,
                     &one, c.desc());
            MPI_Barrier(c.grid().comm());
            syr2k.push_back(MPI_Wtime() - start);
            start = MPI_Wtime();
            for (int j = 0; j < b; ++j) {
                const int column = j + 1;
                const double minus_one = -1.0;
                pdsyr_("L", &d, &minus_one, v.data(), &one, &column, v.desc(),
                       &one, c.data(), &one, &one, c.desc());
            }
            MPI_Barrier(c.grid().comm());
            syr.push_back(MPI_Wtime() - start);
        }
        if (original.grid().rank() == 0) {
            std::printf("update b=%d: PDSYR2K %.4f s, %d x PDSYR %.4f s\n", b,
                        median(syr2k), b, median(syr));
        }
    }
}

}  // namespace

int main(int argc, char** argv)
{
    mpi::Environment environment(argc, argv);
    if (argc < 6) {
        std::fprintf(stderr, "usage: covdefl_bench_methods D K TOL REPEATS "
                             "CONFIG...\n");
        return 1;
    }
    const int d = std::atoi(argv[1]);
    const int k = std::atoi(argv[2]);
    const double tolerance = std::atof(argv[3]);
    const int repeats = std::atoi(argv[4]);
    ProcessGrid grid(MPI_COMM_WORLD,
                     choose_grid_shape(mpi::size(MPI_COMM_WORLD)));
    double start = MPI_Wtime();
    const BlockCyclicMatrix original =
        synthetic_covariance(grid, parse_spectrum("power:1", d), 42, 64);
    if (grid.rank() == 0) {
        std::printf("d=%d K=%d tol=%g on %d ranks: matrix built in %.1f s\n", d,
                    k, tolerance, grid.size(), MPI_Wtime() - start);
        std::fflush(stdout);
    }
    for (int i = 5; i < argc; ++i) {
        std::string config = argv[i];
        int config_repeats = repeats;
        const std::size_t star = config.find('*');
        if (star != std::string::npos) {
            config_repeats = std::stoi(config.substr(star + 1));
            config = config.substr(0, star);
        }
        std::vector<double> seconds;
        std::vector<double> cpu;
        Outcome outcome;
        for (int r = 0; r < config_repeats; ++r) {
            outcome = run_once(original, config, k, tolerance);
            seconds.push_back(outcome.seconds);
            cpu.push_back(outcome.cpu_seconds);
        }
        if (grid.rank() == 0) {
            std::printf("%-12s solve median %.3f s (", config.c_str(),
                        median(seconds));
            for (const double s : seconds) {
                std::printf(" %.3f", s);
            }
            std::printf(" ), CPU median %.3f s (", median(cpu));
            for (const double s : cpu) {
                std::printf(" %.3f", s);
            }
            std::printf(" ), block products %lld, vector products %lld, "
                        "converged %s, max relative eigenvalue error %.1e\n",
                        outcome.block_products, outcome.vector_products,
                        outcome.converged ? "yes" : "NO",
                        outcome.max_relative_error);
            std::fflush(stdout);
        }
    }
    time_updates(original, repeats);
    return 0;
}
