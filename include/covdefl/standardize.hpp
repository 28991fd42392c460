// Scaling of the centred data columns to unit variance (--standardize).
#pragma once

#include <vector>

#include "covdefl/grid.hpp"

namespace covdefl {

// Column scaling found by standardize_columns, on every rank.
struct ColumnScaling {
    // Sample standard deviation of every column (divisor n − 1), length d.
    std::vector<double> scales;
    // Columns whose standard deviation is at the rounding level of their
    // values (see standardize_columns), 0-based and ascending.
    std::vector<int> constant_columns;
};

// Divides each column of the centred n x d matrix `x` by its sample
// standard deviation s_j = sqrt(Σ_i x_ij² / (n − 1)), so xᵀx / (n − 1)
// becomes the correlation matrix of the original data. `means` are the
// column means removed from `x` (length d, on every rank).
//
// Column j counts as constant when s_j ≤ n·ε·(|mean_j| + max_i |x_ij|).
// Recursive summation of n values v carries an error of at most about
// n·ε·max|v|, so a column that was constant before centring keeps centred
// values, and a standard deviation, below that level: dividing by it would
// turn rounding noise into a unit-variance column. Constant columns are set
// to exactly 0 and listed in the result; the caller decides whether they
// are an error. Collective over the grid of `x`.
ColumnScaling standardize_columns(BlockCyclicMatrix& x,
                                  const std::vector<double>& means);

}  // namespace covdefl
