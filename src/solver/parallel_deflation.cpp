// Parallel deflation: every vector iterates at once against the matrix
// deflated by the current estimates of the vectors before it.
#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include "covdefl/block_solver.hpp"
#include "covdefl/mpi.hpp"
#include "solver/block_measure.hpp"
#include "solver/vector_block.hpp"

namespace covdefl {

DeflationResult run_parallel_deflation(const BlockCyclicMatrix& matrix,
                                       const DeflationOptions& options,
                                       SolveObserver* observer)
{
    const int n = matrix.rows();
    const int nb = matrix.block_rows();
    const MPI_Comm comm = matrix.grid().comm();
    if (options.components < 1 || options.components > n) {
        throw Error("invalid --components " +
                        std::to_string(options.components) +
                        ": must be between 1 and the dimension d = " +
                        std::to_string(n),
                    /*collective=*/true);
    }
    const int k_total = options.components;
    const int m = k_total + (options.probe && k_total < n ? 1 : 0);
    const double floor_factor = 16.0 * std::sqrt(static_cast<double>(n)) *
                                std::numeric_limits<double>::epsilon();
    const double started = MPI_Wtime();

    // Start: seeded Gaussian columns, orthonormalised once.
    BlockCyclicMatrix v = block::make_vector_block(matrix.grid(), n, m, nb);
    const int rows = block::local_rows(v);
    for (int k = 0; k < m; ++k) {
        double* vk = block::column(v, k);
        for (int il = 0; il < rows; ++il) {
            vk[il] =
                seeded_gaussian(options.seed, static_cast<std::uint64_t>(k),
                                static_cast<std::uint64_t>(v.global_row(il)));
        }
    }
    block::orthonormalize(v, m);
    const BlockCyclicMatrix start = v;
    BlockCyclicMatrix p = v;
    BlockCyclicMatrix y = v;

    std::vector<block::ColumnOutcome> outcomes(static_cast<std::size_t>(m));
    std::vector<double> theta(static_cast<std::size_t>(m), 0.0);
    int locked = 0;
    long long rounds = 0;
    long long vector_products = 0;
    double product_seconds = 0.0;
    // Cost per round: one PDSYMM with the m − locked active columns, two
    // local products with the m x (m − locked) corrections, and two small
    // MPI_Allreduce calls.
    for (;;) {
        const int na = m - locked;
        // P = ΣV over the active columns.
        const double product_start = MPI_Wtime();
        block::multiply(matrix, v, locked, p, locked, na, options.kernel);
        product_seconds += MPI_Wtime() - product_start;
        ++rounds;
        vector_products += na;

        // G = VᵀVa and C = VᵀPa, then the sequential θk of every active k:
        // θk = vkᵀ(Σ − Σ_{j<k} θj vj vjᵀ)vk.
        const std::vector<double> g = block::gram(v, 0, m, v, locked, na);
        const std::vector<double> c = block::gram(v, 0, m, p, locked, na);
        std::vector<double> corrections(static_cast<std::size_t>(m) * na, 0.0);
        for (int a = 0; a < na; ++a) {
            const int k = locked + a;
            double value = c[static_cast<std::size_t>(a) * m + k];
            for (int j = 0; j < k; ++j) {
                const double overlap = g[static_cast<std::size_t>(a) * m + j];
                value -= theta[j] * overlap * overlap;
                corrections[static_cast<std::size_t>(a) * m + j] =
                    theta[j] * overlap;
            }
            theta[k] = value;
        }
        // Ya = Pa − V M, Mjk = θj vjᵀvk (j < k): Ya = Âk vk.
        block::copy_columns(p, locked, na, y, locked);
        block::combine(y, locked, na, 1.0, -1.0, v, 0, m, corrections);

        // ‖yk − θk vk‖² and ‖yk‖²
        std::vector<double> sums(static_cast<std::size_t>(2 * na), 0.0);
        for (int a = 0; a < na; ++a) {
            const int k = locked + a;
            const double* vk = block::column(v, k);
            const double* yk = block::column(y, k);
            for (int i = 0; i < rows; ++i) {
                const double r = yk[i] - theta[k] * vk[i];
                sums[2 * a] += r * r;
                sums[2 * a + 1] += yk[i] * yk[i];
            }
        }
        mpi::sum_all(comm, sums.data(), 2 * na);

        // Records, the positive-semidefinite check and prefix locking.
        double scale = 0.0;
        for (int j = 0; j < locked; ++j) {
            scale += std::abs(theta[j]);
        }
        bool stop_locking = false;
        for (int a = 0; a < na; ++a) {
            const int k = locked + a;
            const double residual = std::sqrt(sums[2 * a]);
            const double y_norm = std::sqrt(sums[2 * a + 1]);
            if (!std::isfinite(theta[k]) || !std::isfinite(residual)) {
                throw Error("a non-finite value appeared in parallel "
                            "deflation at component " +
                                std::to_string(k + 1) +
                                "; the matrix holds values too large for "
                                "float64, so rescale the input",
                            /*collective=*/true);
            }
            const double norm_estimate = std::max(scale, std::abs(theta[k]));
            if (a == 0 && theta[k] < -(options.tolerance + floor_factor) *
                                         norm_estimate) {
                std::ostringstream message;
                message << "the matrix is not positive semidefinite: a "
                           "Rayleigh quotient of "
                        << theta[k] << " < 0 appeared while computing "
                        << "component " << k + 1
                        << "; covdefl needs a covariance matrix, so check "
                           "the input";
                throw Error(message.str(), /*collective=*/true);
            }
            block::ColumnOutcome& outcome = outcomes[k];
            outcome.rayleigh_quotients.push_back(theta[k]);
            outcome.residual_norms.push_back(residual);
            // ‖yk/‖yk‖ − vk‖² = 2 − 2 vkᵀyk/‖yk‖, with vkᵀyk = θk.
            outcome.step_norms.push_back(
                y_norm > 0.0
                    ? std::sqrt(std::max(0.0, 2.0 - 2.0 * theta[k] / y_norm))
                    : 0.0);
            const double limit =
                std::max(options.tolerance * std::abs(theta[k]),
                         floor_factor * norm_estimate);
            outcome.tolerance = limit;
            outcome.block_products = static_cast<int>(rounds);
            outcome.vector_products = vector_products;
            if (!stop_locking && residual <= limit) {
                outcome.status = ComponentStatus::converged;
                scale += std::abs(theta[k]);
            } else {
                stop_locking = true;
            }
            // Scale the next iterate only while the vector stays active.
            if (stop_locking && y_norm > 0.0) {
                double* yk = block::column(y, k);
                for (int i = 0; i < rows; ++i) {
                    yk[i] /= y_norm;
                }
            }
        }
        int newly_locked = 0;
        while (locked + newly_locked < m &&
               outcomes[locked + newly_locked].status ==
                   ComponentStatus::converged) {
            ++newly_locked;
        }
        COVDEFL_EXPECT_AGREED(comm, "parallel locking", newly_locked, theta);
        if (locked + newly_locked == m) {
            locked = m;
            break;
        }
        if (rounds >= options.max_iterations) {
            // V and P still match, because V is not updated in this round.
            break;
        }
        // vk ← Âk vk / ‖Âk vk‖ for the vectors that stay active.
        block::copy_columns(y, locked + newly_locked, na - newly_locked, v,
                            locked + newly_locked);
        locked += newly_locked;
    }

    block::FoundComponents none;
    block::BlockMeasurement measured =
        block::measure_block(v, p, m, k_total, none, start, 0, outcomes);
    measured.block.block_products = rounds;
    measured.block.vector_products = vector_products;
    measured.block.product_seconds = product_seconds;
    for (ComponentSummary& summary : measured.summaries) {
        summary.subroutine = "parallel";
    }
    DeflationResult result;
    block::finish_block(measured, k_total, MPI_Wtime() - started, v, outcomes,
                        observer, result);
    return result;
}

}  // namespace covdefl
