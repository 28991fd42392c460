#include <cmath>
#include <limits>

#include "covdefl/mpi.hpp"
#include "covdefl/solver.hpp"

namespace covdefl {

void seeded_start_vector(DistVector& v, std::uint64_t seed, int component)
{
    for (int il = 0; il < v.local_size(); ++il) {
        v.data()[il] =
            seeded_gaussian(seed, static_cast<std::uint64_t>(component),
                            static_cast<std::uint64_t>(v.global_row(il)));
    }
}

double orthonormalize_against(DistVector& v,
                              const std::vector<DistVector>& basis)
{
    const int local = v.local_size();
    const double initial_norm = std::sqrt(dot(v, v));
    // Two passes: the second removes what rounding left of the first
    // ("twice is enough", Kahan and Parlett).
    for (int pass = 0; pass < 2; ++pass) {
        for (const DistVector& b : basis) {
            // v = v − (bᵀv) b
            const double coefficient = dot(b, v);
            for (int i = 0; i < local; ++i) {
                v.data()[i] -= coefficient * b.data()[i];
            }
        }
    }
    const double norm = std::sqrt(dot(v, v));
    if (norm == 0.0 || initial_norm == 0.0) {
        throw Error("the start vector lies in the span of the components "
                    "already found; try another --seed",
                    /*collective=*/true);
    }
    for (int i = 0; i < local; ++i) {
        v.data()[i] /= norm;
    }
    return norm / initial_norm;
}

std::vector<double> gather_to_root(const DistVector& v, int root)
{
    const MPI_Comm comm = v.grid().comm();
    std::vector<double> padded(static_cast<std::size_t>(v.rows()), 0.0);
    for (int il = 0; il < v.local_size(); ++il) {
        padded[static_cast<std::size_t>(v.global_row(il))] = v.data()[il];
    }
    std::vector<double> full;
    if (v.grid().rank() == root) {
        full.assign(padded.size(), 0.0);
    }
    // Every entry has one owner, so the sum of zero-padded copies is exact.
    mpi::check(MPI_Reduce(padded.data(), full.data(), v.rows(), MPI_DOUBLE,
                          MPI_SUM, root, comm),
               "MPI_Reduce");
    return full;
}

namespace {

// Fills the measurements against the original matrix Σ into `summary`:
// Σv = Âk v + Σ_{j<k} θj (vjᵀv) vj, θ' = vᵀΣv and ‖Σv − θ'v‖, with the
// overlaps of v with the earlier components and with the start vector.
// Costs one product with Âk and three reductions.
void measure_against_original(const DeflatedOperator& op, const DistVector& v,
                              const DistVector& start,
                              const DeflationResult& earlier,
                              ComponentSummary& summary)
{
    const int local = v.local_size();
    const std::size_t k = earlier.vectors.size();
    DistVector sigma_v(op.grid(), op.dimension(), op.block_size());
    op.apply(v, sigma_v);

    // c_j = vjᵀv for j < k, then x0ᵀv.
    std::vector<double> overlaps(k + 1, 0.0);
    for (std::size_t j = 0; j < k; ++j) {
        const double* vj = earlier.vectors[j].data();
        for (int i = 0; i < local; ++i) {
            overlaps[j] += vj[i] * v.data()[i];
        }
    }
    for (int i = 0; i < local; ++i) {
        overlaps[k] += start.data()[i] * v.data()[i];
    }
    mpi::sum_all(op.grid().comm(), overlaps.data(),
                 static_cast<int>(overlaps.size()));

    // Σv = Âk v + Σ_j θj c_j vj
    summary.max_overlap = 0.0;
    summary.deflation_leak = 0.0;
    for (std::size_t j = 0; j < k; ++j) {
        const double theta_j = earlier.components[j].eigenvalue;
        const double coefficient = theta_j * overlaps[j];
        const double* vj = earlier.vectors[j].data();
        for (int i = 0; i < local; ++i) {
            sigma_v.data()[i] += coefficient * vj[i];
        }
        summary.max_overlap =
            std::max(summary.max_overlap, std::abs(overlaps[j]));
        summary.deflation_leak += theta_j * overlaps[j] * overlaps[j];
    }
    summary.start_overlap = std::abs(overlaps[k]);

    // θ' = vᵀΣv, then ‖Σv − θ'v‖
    const double theta = dot(v, sigma_v);
    summary.original_rayleigh_quotient = theta;
    summary.original_residual_norm = difference_norm(sigma_v, theta, v);
}

// Makes v orthogonal to the earlier components again and re-measures it.
// Needed when the remaining eigenvalues are as small as the errors that
// the deflation leaves along the earlier components (for example at the
// rounding level), so that power iteration drifts toward them.
void separate_from_earlier(const DeflatedOperator& op, DistVector& v,
                           const DistVector& start,
                           const DeflationResult& earlier,
                           ComponentSummary& summary)
{
    orthonormalize_against(v, earlier.vectors);
    DistVector y(op.grid(), op.dimension(), op.block_size());
    // θ = vᵀÂv, r = ‖Âv − θv‖
    op.apply(v, y);
    const double theta = dot(v, y);
    summary.eigenvalue = theta;
    summary.residual_norm = difference_norm(y, theta, v);
    summary.reorthogonalized = true;
    // An unconverged component keeps its iteration_limit status.
    if (summary.status == ComponentStatus::converged &&
        summary.residual_norm > summary.tolerance) {
        summary.status = ComponentStatus::not_separated;
    }
    measure_against_original(op, v, start, earlier, summary);
}

}  // namespace

DeflationResult run_deflation(DeflatedOperator& op,
                              const DeflationOptions& options,
                              EigenSubroutine& subroutine,
                              SolveObserver* observer, StoppingPolicy* policy)
{
    const int n = op.dimension();
    if (options.components < 1 || options.components > n) {
        throw Error("invalid --components " +
                        std::to_string(options.components) +
                        ": must be between 1 and the dimension d = " +
                        std::to_string(n),
                    /*collective=*/true);
    }
    DeflationResult result;
    int policy_flag = policy != nullptr ? 1 : 0;
    mpi::check(MPI_Bcast(&policy_flag, 1, MPI_INT, 0, op.grid().comm()),
               "MPI_Bcast");
    const bool policy_active = policy_flag != 0;
    StoppingRule rule;
    rule.max_iterations = options.max_iterations;
    const int steps =
        options.components + (options.probe && options.components < n ? 1 : 0);
    for (int k = 0; k < steps; ++k) {
        const bool probe = k == options.components;
        DistVector v(op.grid(), n, op.block_size());
        seeded_start_vector(v, options.seed, k);
        orthonormalize_against(v, result.vectors);
        DistVector start = v;

        rule.tolerance = options.tolerance;
        rule.policy = probe ? nullptr : policy;
        ComponentSummary summary = subroutine.solve(op, v, k, rule, observer);
        summary.probe = probe;
        // Each deflation adds rounding of about ε·|θk| per entry.
        rule.scale += std::abs(summary.eigenvalue);
        measure_against_original(op, v, start, result, summary);
        COVDEFL_EXPECT_AGREED(op.grid().comm(), "the solver summary", summary);
        // Overlaps up to the square root of the relative threshold are
        // expected. That is √tol, or with a stopping policy the threshold
        // it chose (looser ones leave larger overlaps), capped at 1e-2
        // because near the rounding floor the relative threshold of a tiny
        // eigenvalue is meaningless.
        double relative_threshold = rule.tolerance;
        if (policy_active) {
            relative_threshold = std::min(
                1e-2, summary.tolerance /
                          std::max(std::abs(summary.eigenvalue),
                                   std::numeric_limits<double>::min()));
        }
        if (summary.max_overlap > std::sqrt(relative_threshold)) {
            separate_from_earlier(op, v, start, result, summary);
        }
        COVDEFL_EXPECT_AGREED(op.grid().comm(), "the final summary", summary);
        if (observer != nullptr) {
            observer->on_component(summary);
        }
        if (policy != nullptr) {
            policy->on_component(summary);
        }
        if (probe) {
            result.probe = summary;
            break;
        }
        // Âk+1 = Âk − θk vk vkᵀ
        op.deflate(summary.eigenvalue, v);
        result.components.push_back(summary);
        result.vectors.push_back(std::move(v));
    }
    return result;
}

}  // namespace covdefl
