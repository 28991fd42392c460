// The projected data (scores) and the collective writers of a block-cyclic
// matrix.
#pragma once

#include <string>
#include <vector>

#include "covdefl/grid.hpp"

namespace covdefl {

// Returns S = x V as an n x K block-cyclic matrix (PDGEMM), where `x` is the
// centred n x d data matrix and column k of the d x K matrix V is axes[k]
// (full length-d vectors, the same on every rank). V is assembled on the
// grid of `x` with its block size. Collective.
BlockCyclicMatrix
project_onto_axes(const BlockCyclicMatrix& x,
                  const std::vector<std::vector<double>>& axes);

// Writes `a` as a float64 C-order `.npy` file with MPI-IO. Rank 0 writes
// the header. Then every rank sets a file view built by
// MPI_Type_create_darray (block-cyclic over the process grid, MPI_ORDER_C)
// and writes its local block with one collective MPI_File_write_all, so no
// rank stores more than its own share. `path` must be on a file system that
// every rank can open. Collective; a failure on any rank is a collective Error
// naming the path. Little-endian hosts only.
void write_npy_collective(const std::string& path, const BlockCyclicMatrix& a);

// Writes `a` as CSV (header line `column_names`, then one line per row,
// "%.17g") from rank 0. The rows travel to rank 0 in pieces of at most
// `max_piece_values` entries (MPI_Gatherv), so rank 0 never stores the whole
// matrix. Text lines differ in length, so ranks cannot know their file
// offsets without formatting first; one writer that receives bounded
// pieces keeps the file in row order without that extra pass. Collective;
// a failure on any rank is a collective Error.
void write_csv_collective(const std::string& path, const BlockCyclicMatrix& a,
                          const std::vector<std::string>& column_names,
                          std::size_t max_piece_values = std::size_t{1} << 20);

}  // namespace covdefl
