#include <cmath>

#include "covdefl/mpi.hpp"
#include "covdefl/solver.hpp"

namespace covdefl {

void seeded_start_vector(DistVector& v, std::uint64_t seed, int component)
{
    for (int il = 0; il < v.local_size(); ++il) {
        v.data()[il] = seeded_gaussian(
            seed, static_cast<std::uint64_t>(component),
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

DeflationResult run_deflation(DeflatedOperator& op,
                              const DeflationOptions& options,
                              EigenSubroutine& subroutine,
                              SolveObserver* observer)
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
    StoppingRule rule;
    rule.tolerance = options.tolerance;
    rule.max_iterations = options.max_iterations;
    for (int k = 0; k < options.components; ++k) {
        DistVector v(op.grid(), n, op.block_size());
        seeded_start_vector(v, options.seed, k);
        orthonormalize_against(v, result.vectors);

        ComponentSummary summary =
            subroutine.solve(op, v, k, rule, observer);
        if (k == 0) {
            rule.scale = std::abs(summary.eigenvalue);
        }
        if (observer != nullptr) {
            observer->on_component(summary);
        }
        // Âk+1 = Âk − θk vk vkᵀ
        op.deflate(summary.eigenvalue, v);
        result.components.push_back(summary);
        result.vectors.push_back(std::move(v));
    }
    return result;
}

}  // namespace covdefl
