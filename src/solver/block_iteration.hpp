// The iterations that find the leading eigenpairs of one block in block
// deflation, behind one interface, and the errors they share.
#pragma once

#include <memory>
#include <vector>

#include "covdefl/block_solver.hpp"
#include "solver/block_measure.hpp"

namespace covdefl::block {

// Finds the `targets` leading eigenpairs of Σb (the matrix deflated by the
// earlier blocks) with `columns` ≥ targets vectors.
class BlockIteration {
public:
    virtual ~BlockIteration() = default;
    // Runs the iteration. Collective.
    virtual void run() = 0;
    // The Ritz vectors, leading first (`columns` of them), and Σb times
    // them; the start vectors; one outcome per target column.
    virtual const BlockCyclicMatrix& vectors() const = 0;
    virtual const BlockCyclicMatrix& products() const = 0;
    virtual const BlockCyclicMatrix& start() const = 0;
    virtual const std::vector<ColumnOutcome>& outcomes() const = 0;
    virtual long long block_products() const = 0;
    virtual long long vector_products() const = 0;
    // Wall time of the block products on this rank.
    virtual double product_seconds() const = 0;
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
