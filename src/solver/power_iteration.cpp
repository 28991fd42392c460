#include <cmath>
#include <limits>
#include <sstream>

#include "covdefl/mpi.hpp"
#include "covdefl/solver.hpp"
#include "solver/messages.hpp"

namespace covdefl {

std::string to_string(ComponentStatus status)
{
    switch (status) {
    case ComponentStatus::converged:
        return "converged";
    case ComponentStatus::iteration_limit:
        return "iteration_limit";
    case ComponentStatus::not_separated:
        return "not_separated";
    }
    return "unknown";
}

namespace {

// Decisions of one iteration, taken on rank 0 and broadcast so that every
// rank leaves the loop at the same iteration.
enum Decision : int {
    keep_going = 0,
    stop_converged,
    stop_negative,
    stop_oscillating,
    stop_not_finite
};

}  // namespace

// Cost of one iteration: one PDSYMV, which reads the stored lower triangle
// once (about d²/2 entries over all ranks, 2d² flops). Then O(d/P) vector
// work on process column 0, two MPI_Allreduce calls of 2 and 3 doubles, and
// one MPI_Bcast of the decision.
ComponentSummary PowerIteration::solve(const DeflatedOperator& op,
                                       DistVector& v, int component,
                                       const StoppingRule& rule,
                                       SolveObserver* observer)
{
    const ProcessGrid& grid = op.grid();
    const int n = op.dimension();
    const int nb = op.block_size();
    const int local = v.local_size();
    const double floor_factor = 16.0 * std::sqrt(static_cast<double>(n)) *
                                std::numeric_limits<double>::epsilon();
    DistVector y(grid, n, nb);
    DistVector previous(grid, n, nb);
    std::copy(v.data(), v.data() + local, previous.data());

    const double start = MPI_Wtime();
    ComponentSummary summary;
    summary.component = component;
    summary.status = ComponentStatus::iteration_limit;
    for (int t = 1; t <= rule.max_iterations; ++t) {
        // y = Âv
        op.apply(v, y);

        // θ = vᵀy, ‖y‖²
        double sums[2] = {0.0, 0.0};
        for (int i = 0; i < local; ++i) {
            sums[0] += v.data()[i] * y.data()[i];
            sums[1] += y.data()[i] * y.data()[i];
        }
        mpi::sum_all(grid.comm(), sums, 2);
        const double theta = sums[0];
        const double y_norm = std::sqrt(sums[1]);
        const double scale = y_norm > 0.0 ? 1.0 / y_norm : 0.0;

        // ‖y − θv‖², ‖y/‖y‖ − v‖², ‖y/‖y‖ − v_previous‖²
        double norms[3] = {0.0, 0.0, 0.0};
        for (int i = 0; i < local; ++i) {
            const double next = y.data()[i] * scale;
            const double r = y.data()[i] - theta * v.data()[i];
            const double step = next - v.data()[i];
            const double two_step = next - previous.data()[i];
            norms[0] += r * r;
            norms[1] += step * step;
            norms[2] += two_step * two_step;
        }
        mpi::sum_all(grid.comm(), norms, 3);

        IterationRecord record;
        record.component = component;
        record.iteration = t;
        record.rayleigh_quotient = theta;
        record.residual_norm = std::sqrt(norms[0]);
        record.step_norm = y_norm > 0.0 ? std::sqrt(norms[1]) : 0.0;
        if (observer != nullptr) {
            observer->on_iteration(record);
        }

        const double norm_estimate = std::max(rule.scale, std::abs(theta));
        const double floor = floor_factor * norm_estimate;
        const double threshold =
            rule.policy != nullptr
                ? std::max(rule.policy->residual_threshold(record), floor)
                : std::max(rule.tolerance * std::abs(theta), floor);
        int decision = keep_going;
        if (!std::isfinite(theta) || !std::isfinite(y_norm) ||
            !std::isfinite(record.residual_norm)) {
            decision = stop_not_finite;
        } else if (record.residual_norm <= threshold) {
            decision = stop_converged;
        } else if (theta < -(rule.tolerance + floor_factor) * norm_estimate) {
            decision = stop_negative;
        } else if (t >= 3 && std::sqrt(norms[2]) <= 1e-8 &&
                   record.step_norm >= 1e-4) {
            // v_{t+1} = v_{t−1} while v_t differs: Â² v = μ² v but Âv is not
            // parallel to v, which needs eigenvalues +μ and −μ.
            decision = stop_oscillating;
        }
        mpi::check(MPI_Bcast(&decision, 1, MPI_INT, 0, grid.comm()),
                   "MPI_Bcast");
        COVDEFL_EXPECT_AGREED(grid.comm(), "the power step", decision, theta);

        summary.iterations = t;
        summary.vector_products = t;
        summary.eigenvalue = theta;
        summary.residual_norm = record.residual_norm;
        summary.tolerance = threshold;
        if (decision == stop_converged) {
            summary.status = ComponentStatus::converged;
            break;
        }
        if (decision == stop_not_finite) {
            throw non_finite_error("power iteration", component, theta);
        }
        if (decision == stop_negative) {
            std::ostringstream detail;
            detail << "a Rayleigh quotient of " << theta << " < 0 appeared";
            throw Error(not_psd_message(component, detail.str()),
                        /*collective=*/true);
        }
        if (decision == stop_oscillating) {
            std::ostringstream detail;
            detail << "it has eigenvalues +" << y_norm << " and -" << y_norm
                   << " (power iteration alternates between two vectors)";
            throw Error(not_psd_message(component, detail.str()),
                        /*collective=*/true);
        }
        if (y_norm == 0.0) {
            // Unreachable, because Âv = 0 makes the residual 0, which
            // passes the test. The break keeps v from a division by zero.
            break;
        }
        // v = y / ‖y‖
        std::copy(v.data(), v.data() + local, previous.data());
        for (int i = 0; i < local; ++i) {
            v.data()[i] = y.data()[i] * scale;
        }
    }
    // Rank 0's threshold (a stopping policy runs there only), so that the
    // callers' decisions that depend on it agree on every rank.
    mpi::check(MPI_Bcast(&summary.tolerance, 1, MPI_DOUBLE, 0, grid.comm()),
               "MPI_Bcast");
    summary.seconds = MPI_Wtime() - start;
    return summary;
}

}  // namespace covdefl
