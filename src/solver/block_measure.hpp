// Measurements of a finished block of vectors, shared by the block and
// parallel methods: each vector's summary as a step of sequential
// Hotelling's deflation, and the block's subspace residuals.
#pragma once

#include <vector>

#include "covdefl/events.hpp"
#include "covdefl/grid.hpp"
#include "covdefl/solver.hpp"

namespace covdefl::block {

// Components deflated before the current block: their vectors (a vector
// block with at least `count` columns) and eigenvalues θj.
struct FoundComponents {
    const BlockCyclicMatrix* vectors = nullptr;
    int count = 0;
    std::vector<double> eigenvalues;
};

// Outcome of the iteration for one column of a block.
struct ColumnOutcome {
    int block_products = 0;
    long long vector_products = 0;
    double tolerance = 0.0;  // the residual threshold that applied
    ComponentStatus status = ComponentStatus::iteration_limit;
    std::vector<double> rayleigh_quotients;  // one per Rayleigh–Ritz step
    std::vector<double> residual_norms;
    std::vector<double> step_norms;
};

// Fills a summary per column of v(:, 0:m) and the block summary of its
// first `width` columns. `sigma_v` is Σb V, with Σb the matrix deflated by
// `found`, and `start` the (unit) start vectors. For column i the summary
// gives θi = viᵀ Âi vi and ‖Âi vi − θi vi‖ with
// Âi = Σb − Σ_{l<i} θl vl vlᵀ (the matrix of sequential deflation), and
// the measurements against Σ = Σb + Σj θj vj vjᵀ (j over `found`).
// Collective: three MPI_Allreduce calls and small LAPACK work.
struct BlockMeasurement {
    std::vector<ComponentSummary> summaries;
    BlockSummary block;
};
BlockMeasurement measure_block(const BlockCyclicMatrix& v,
                               const BlockCyclicMatrix& sigma_v, int m,
                               int width, const FoundComponents& found,
                               const BlockCyclicMatrix& start, int first,
                               const std::vector<ColumnOutcome>& outcomes);

// Finishes a block whose first `width` columns are components and whose
// remaining column, if any, is the probe: gives each summary an equal
// share of `seconds`, sends each column's iteration records and summary,
// then the block summary, to `observer` (may be null), and appends the
// components and copies of their vectors to `result`.
void finish_block(BlockMeasurement& measured, int width, double seconds,
                  const BlockCyclicMatrix& v,
                  const std::vector<ColumnOutcome>& outcomes,
                  SolveObserver* observer, DeflationResult& result);

}  // namespace covdefl::block
