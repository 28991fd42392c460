// Pipeline steps that only data-matrix inputs have: --standardize and
// --scores.
#pragma once

#include <mpi.h>

#include <string>
#include <vector>

#include "cli/run_types.hpp"

namespace covdefl {

// Divides the centred columns of `x` by their standard deviations and
// stores them in problem.scales. Constant columns are a collective Error
// naming them, or with --drop-constant-columns a warning from rank 0,
// columns of zeros and entries in problem.dropped_columns.
void standardize_data(const RunOptions& o, BlockCyclicMatrix& x,
                      Problem& problem);

// Returns rank 0's `text` on every rank.
std::string broadcast_string(MPI_Comm comm, const std::string& text);

// Computes the scores S = X V from the centred data and the signed axes and
// writes them into the staging folder with all ranks. On a failure, rank 0
// removes the staging folder before the collective Error propagates.
void write_scores(const RunOptions& o, const BlockCyclicMatrix& x,
                  const std::vector<std::vector<double>>& axes,
                  const std::string& staging);

}  // namespace covdefl
