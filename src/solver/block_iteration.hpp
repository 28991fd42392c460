// The iterations that find the leading eigenpairs of one block in block
// deflation, behind one interface, and the errors they share.
#pragma once

#include <memory>
#include <vector>

#include "covdefl/block_solver.hpp"
#include "solver/block_measure.hpp"

namespace covdefl::block {

// Finds the `targets` leading eigenpairs of Σb (the matrix deflated by the
// earlier blocks) with `columns` ≥ targets vectors. The base class keeps
// what every iteration reports: the start vectors, one outcome per target
// column and the counted, timed block products.
class BlockIteration {
public:
    virtual ~BlockIteration() = default;
    // Runs the iteration. Collective.
    virtual void run() = 0;
    // The Ritz vectors, leading first (`columns` of them), and Σb times
    // them.
    virtual const BlockCyclicMatrix& vectors() const = 0;
    virtual const BlockCyclicMatrix& products() const = 0;

    const BlockCyclicMatrix& start() const { return *start_; }
    const std::vector<ColumnOutcome>& outcomes() const { return outcomes_; }
    long long block_products() const { return block_products_; }
    long long vector_products() const { return vector_products_; }
    // Wall time of the block products on this rank.
    double product_seconds() const { return product_seconds_; }

protected:
    BlockIteration(const BlockCyclicMatrix& matrix, ProductKernel kernel,
                   int targets)
        : matrix_(matrix)
        , kernel_(kernel)
        , outcomes_(static_cast<std::size_t>(targets))
    {
    }

    // dst(:, d0:d0+n) = Σb src(:, s0:s0+n), counted and timed. Collective.
    void multiply(const BlockCyclicMatrix& src, int s0, BlockCyclicMatrix& dst,
                  int d0, int n);

    const BlockCyclicMatrix& matrix_;  // Σb, lower triangle valid
    ProductKernel kernel_;
    std::unique_ptr<BlockCyclicMatrix> start_;
    std::vector<ColumnOutcome> outcomes_;
    long long block_products_ = 0;
    long long vector_products_ = 0;
    double product_seconds_ = 0.0;
};

// Inputs of the iteration of one block.
struct BlockProblem {
    const BlockCyclicMatrix& matrix;  // Σb, lower triangle valid
    const FoundComponents& found;     // the earlier blocks
    int first = 0;                    // index of the block's first component
    int targets = 0;  // columns that must converge: components and probe
    int columns = 0;  // vectors iterated
    const DeflationOptions& options;
    const BlockDeflationOptions& block;
    double scale = 0.0;  // Σ|θj| over the earlier blocks
};

// Chebyshev-filtered subspace iteration with Rayleigh–Ritz.
std::unique_ptr<BlockIteration>
make_chebyshev_iteration(const BlockProblem& problem);

// Restarted block Krylov iteration with Rayleigh–Ritz.
std::unique_ptr<BlockIteration>
make_krylov_iteration(const BlockProblem& problem);

// Fills columns 0..m of `x` with the seeded start vectors of components
// first, first + 1, ..., makes them orthogonal to the found components and
// orthonormal. Collective.
void seeded_start_block(BlockCyclicMatrix& x, int m, int first,
                        const FoundComponents& found, std::uint64_t seed);

// The residual threshold of a Ritz value θ: tolerance·|θ|, or the rounding
// level 16·√d·ε·max(scale, |θ|) when that is larger. `scale` is Σ|θj| over
// the components deflated before (earlier blocks and locked columns).
double residual_threshold(double tolerance, int dimension, double scale,
                          double theta);

// Collective errors of the block iterations.
[[noreturn]] void fail_not_finite(int component);
[[noreturn]] void fail_negative(int component, double theta);

}  // namespace covdefl::block
