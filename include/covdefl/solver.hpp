// Hotelling's deflation driver and the sub-routines that find the leading
// eigenvector of each deflated matrix.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "covdefl/error.hpp"
#include "covdefl/events.hpp"
#include "covdefl/grid.hpp"
#include "covdefl/symmetric_product.hpp"

namespace covdefl {

// The current deflated matrix Âk as an operator: y = Âk x, and the rank-one
// update that produces Âk+1. A sub-routine uses only this interface, so an
// implicit or matrix-free form can replace the explicit one.
class DeflatedOperator {
public:
    virtual ~DeflatedOperator() = default;
    virtual int dimension() const = 0;
    virtual const ProcessGrid& grid() const = 0;
    virtual int block_size() const = 0;
    // y = Âk x. Collective.
    virtual void apply(const DistVector& x, DistVector& y) const = 0;
    // Âk+1 = Âk − θ v vᵀ. Collective.
    virtual void deflate(double theta, const DistVector& v) = 0;
};

// Explicit deflation of a block-cyclic symmetric matrix whose lower triangle
// is valid: SymmetricProduct (or PDSYMV, as `kernel` selects) for products and
// PDSYR for the rank-one update, which overwrites the matrix.
class ExplicitDeflation : public DeflatedOperator {
public:
    explicit ExplicitDeflation(BlockCyclicMatrix& matrix,
                               ProductKernel kernel = ProductKernel::triangle);
    int dimension() const override { return matrix_.rows(); }
    const ProcessGrid& grid() const override { return matrix_.grid(); }
    int block_size() const override { return matrix_.block_rows(); }
    void apply(const DistVector& x, DistVector& y) const override;
    void deflate(double theta, const DistVector& v) override;

private:
    BlockCyclicMatrix& matrix_;
    ProductKernel kernel_;
    SymmetricProduct product_;
};

// Stopping rule of a sub-routine.
struct StoppingRule {
    double tolerance = 1e-12;  // stop when ‖Âv − θv‖ ≤ tolerance·|θ|
    int max_iterations = 10000;
    // Rounding scale: Σ_{j<k} |θj| over the components already deflated (0
    // for the first), since each rank-one update adds rounding of about
    // ε·|θj|. The iteration also stops as converged when
    // ‖Âv − θv‖ ≤ 16·√d·ε·max(scale, |θ|), the level that rounding in the
    // products and updates keeps the residual from going below.
    double scale = 0.0;
    // When set (rank 0 only), replaces the tolerance test.
    StoppingPolicy* policy = nullptr;
};

// Finds the leading eigenpair of the current deflated matrix.
class EigenSubroutine {
public:
    virtual ~EigenSubroutine() = default;
    // Iterates from the unit vector `v` (overwritten by the result) and
    // returns the summary. Collective. Calls `observer` (rank 0 only, may be
    // null) once per iteration. Throws a collective Error on a non-finite
    // value or a sign that the matrix is not positive semidefinite.
    virtual ComponentSummary solve(const DeflatedOperator& op, DistVector& v,
                                   int component, const StoppingRule& rule,
                                   SolveObserver* observer) = 0;
};

// Power iteration: v ← Âv / ‖Âv‖ until the residual test passes.
class PowerIteration : public EigenSubroutine {
public:
    ComponentSummary solve(const DeflatedOperator& op, DistVector& v,
                           int component, const StoppingRule& rule,
                           SolveObserver* observer) override;
};

struct DeflationOptions {
    int components = 10;
    double tolerance = 1e-12;
    int max_iterations = 10000;
    std::uint64_t seed = 42;
    // Also compute component K + 1 (when K < d) to estimate λK+1; it is
    // returned in DeflationResult::probe and not deflated.
    bool probe = false;
    // How the block methods compute their matrix products.
    ProductKernel kernel = ProductKernel::triangle;
};

// Result of the deflation run. `vectors` are distributed; the summaries are
// on every rank.
struct DeflationResult {
    std::vector<ComponentSummary> components;
    std::vector<DistVector> vectors;
    std::optional<ComponentSummary> probe;
};

// Runs Hotelling's deflation for options.components steps on `op`, which
// ends deflated by every component. Each start vector is a seeded Gaussian
// vector (the same for every rank count and grid shape) made orthogonal to
// the components already found. Collective.
// A non-null `policy` decides when each of the K components stops, in
// place of options.tolerance. Only rank 0 passes one, and the others pass
// null. The extra component K + 1 still stops at options.tolerance.
DeflationResult run_deflation(DeflatedOperator& op,
                              const DeflationOptions& options,
                              EigenSubroutine& subroutine,
                              SolveObserver* observer,
                              StoppingPolicy* policy = nullptr);

// Fills `v` with the seeded start vector of component k (not normalised).
void seeded_start_vector(DistVector& v, std::uint64_t seed, int component);

// Makes `v` orthogonal to every vector of `basis` (two passes of classical
// Gram-Schmidt) and normalises it. Returns the norm before normalisation,
// relative to the norm on entry. Collective.
double orthonormalize_against(DistVector& v,
                              const std::vector<DistVector>& basis);

// Gathers a distributed vector to `root`; other ranks get an empty vector.
std::vector<double> gather_to_root(const DistVector& v, int root);

}  // namespace covdefl
