// Deflation methods that multiply the matrix by several vectors at once:
// block deflation (Chebyshev-filtered subspace iteration per block) and
// parallel deflation (all K vectors iterate together).
#pragma once

#include "covdefl/solver.hpp"

namespace covdefl {

// Iteration that finds the leading eigenpairs of each block.
enum class BlockIterationKind {
    // Restarted block Krylov: each cycle builds the basis
    // [X, ΣX, ..., Σ^(s−1) X] (orthonormalised, one product per step) and
    // restarts from the Ritz vectors of the whole basis.
    krylov,
    // Chebyshev-filtered subspace iteration with Rayleigh–Ritz.
    chebyshev,
};

struct BlockDeflationOptions {
    BlockIterationKind iteration = BlockIterationKind::krylov;
    // Maximum products per cycle of the Krylov iteration: the basis
    // contains up to krylov_steps times the block's columns. Rayleigh–Ritz
    // after every step stops a cycle early, so a restart is rare at 16.
    int krylov_steps = 16;
    // Components found per deflation step (b). The last block is narrower
    // when K is not a multiple of b. At K = 50 on λi = 1/i, b = 32 needed
    // 26 block products against 69 at b = 16 (docs/benchmarks.md).
    int block_width = 32;
    // Extra vectors iterated beside each block (g), so that the b-th
    // component converges at the rate set by λ(b+g+1)/λb. The Krylov
    // iteration was fastest with 2 (docs/benchmarks.md), the Chebyshev
    // iteration with 8 at b = 16.
    int guard_vectors = 2;
    // Highest degree of the Chebyshev filter between two Rayleigh–Ritz
    // steps. The degree actually used is smaller when the filter would
    // amplify the leading active direction by more than 1e10.
    int max_filter_degree = 8;
};

// Runs block deflation on the symmetric block-cyclic matrix `matrix`
// (lower triangle valid), which ends deflated by every block but the last
// (no later block reads it): Σ ← Σ − V Θ Vᵀ after each block, one
// PDSYR2K. Each block finds its b leading eigenpairs of the current matrix
// with b + g vectors by block.iteration (block Krylov or Chebyshev-filtered
// subspace iteration, both with Rayleigh–Ritz), and locks each vector once
// ‖Âv − θv‖ ≤ tol·|θ|. With options.probe, the last block also
// finds component K + 1, which is returned as the probe and not deflated.
// The reported θk and residuals are those of the sequential Hotelling's
// deflation with the same vectors (docs/theory.md). `observer` (rank 0
// only) receives each component's records and summary, then the block's
// summary. Collective. Throws a collective Error on a non-finite value or
// a negative Ritz value (the matrix is not positive semidefinite). A
// block iterates min(b + g, d − first) columns, so that they fit beside
// the earlier components.
DeflationResult run_block_deflation(BlockCyclicMatrix& matrix,
                                    const DeflationOptions& options,
                                    const BlockDeflationOptions& block,
                                    SolveObserver* observer);

// Runs parallel deflation (named after Liao, Su and Kyrillidis, "Provable
// Model-Parallel Distributed PCA with Parallel Deflation"; docs/theory.md
// states what is implemented): K vectors
// (K + 1 with options.probe) iterate together. In each round one block
// product P = ΣV is formed, and vector k becomes the normalised
// (Σ − Σ_{j<k} θj vj vjᵀ) vk, with the current estimates vj and θj. A
// vector is locked once it and every vector before it pass the residual
// test. `matrix` is only read. Otherwise as run_block_deflation, with one
// block summary for all K components.
DeflationResult run_parallel_deflation(const BlockCyclicMatrix& matrix,
                                       const DeflationOptions& options,
                                       SolveObserver* observer);

}  // namespace covdefl
