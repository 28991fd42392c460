// The layout of a run on the machine (ranks, process grid, ScaLAPACK block
// size and BLAS threads) and where each value came from.
#pragma once

#include <mpi.h>

#include <optional>
#include <string>

#include "cli/run_types.hpp"
#include "covdefl/json.hpp"

namespace covdefl {

// Rank 0's view of the layout of a run. Every rank computes its own, and
// the oversubscription flag is agreed over all ranks.
struct RunLayout {
    int ranks = 1;
    int grid_rows = 1;
    int grid_cols = 1;
    std::string grid_source;  // "--grid" or "default"
    int block_size = 64;
    std::string block_size_source;  // "--block-size" or "default"
    // Threads of each BLAS call, from openblas_get_num_threads(); empty
    // when the library that dgemm_ resolves to is not OpenBLAS.
    std::optional<int> blas_threads;
    std::string blas_library;       // the file that defines dgemm_
    std::string blas_threads_note;  // why blas_threads is empty
    int ranks_on_node = 1;          // ranks sharing memory with rank 0
    int node_cpus = 0;              // logical CPUs of rank 0's node
    int rank_cpus = 0;              // CPUs that rank 0 may run on
    // True when on some node the ranks times their BLAS threads exceed
    // the node's logical CPUs (agreed over all ranks).
    bool oversubscribed = false;
    int suggested_blas_threads = 1;  // for the warning: CPUs / ranks
    std::string reason;              // why the defaults are the defaults
};

// Collects the layout of a run on `grid`. Collective over grid.comm().
RunLayout describe_layout(const RunOptions& o, const ProcessGrid& grid);

// Writes the "layout" object of report.json.
void write_layout(JsonWriter& json, const RunLayout& layout);

// Prints the layout in one line (rank 0).
void print_layout(const RunLayout& layout);

// Prints one warning line to stderr when the run oversubscribes a node
// (rank 0).
void warn_if_oversubscribed(const RunLayout& layout);

}  // namespace covdefl
