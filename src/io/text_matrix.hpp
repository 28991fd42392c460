// Parallel readers of text inputs (delimited text and Matrix Market). Each
// rank reads one byte range of the file (split_byte_range), parses the
// lines that start in it, and the parsed values go to their block-cyclic
// owners with one MPI_Alltoallv. Line and row numbers in error messages
// come from prefix sums (MPI_Exscan) of the per-range counts.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "covdefl/covariance.hpp"
#include "covdefl/grid.hpp"
#include "covdefl/io.hpp"

namespace covdefl::io {

// Rows and columns of a delimited text file. Collective: rank 0 reads the
// dialect and the first data line, and every rank counts the data lines of
// its byte range. Throws a collective Error when any rank fails.
MatrixShape read_csv_shape(const ProcessGrid& grid, const std::string& path,
                           const CsvOptions& options = {});

// Reads a delimited text file into an n x d block-cyclic matrix with square
// blocks of `block_size`. Collective. With `square`, a matrix that is not
// square is rejected before it is allocated. Throws a collective Error with
// the first problem in file order: a ragged row (line and both field
// counts), a field that is not a number (line and column), NaN or infinity
// (row, column and line), or an I/O error. Peak memory per rank is about
// twice its share of the parsed values plus one read chunk.
BlockCyclicMatrix read_csv_matrix(const ProcessGrid& grid,
                                  const std::string& path, int block_size,
                                  bool square, const CsvOptions& options = {});

// Rows and columns from the size line of a Matrix Market file. Collective:
// rank 0 reads the header. Throws a collective Error on an invalid header.
MatrixShape read_matrix_market_shape(const ProcessGrid& grid,
                                     const std::string& path);

// Reads a Matrix Market file (see parse_matrix_market_header) into a
// block-cyclic matrix with square blocks of `block_size`. Collective. Entries
// missing from a coordinate file are zero, and symmetric storage is
// mirrored. With `square`, a matrix that is not square is rejected. Throws a
// collective Error naming the line of the first problem: a malformed entry,
// an index out of range, a non-finite value, a repeated entry, or more or
// fewer entries than the size line gives.
BlockCyclicMatrix read_matrix_market_matrix(const ProcessGrid& grid,
                                            const std::string& path,
                                            int block_size, bool square);

// Message of the error for a covariance input that is not square.
std::string not_square_message(const std::string& path, std::int64_t rows,
                               std::int64_t cols);

// Parsed rows of a byte range, row-major, in blocks of whole rows, so that
// appending never copies the rows stored so far.
class RowStore {
public:
    explicit RowStore(std::int64_t cols);

    // Returns space for one more row of cols() values.
    double* append_row();
    const double* row(std::int64_t index) const;
    std::int64_t rows() const { return rows_; }
    std::int64_t cols() const { return cols_; }
    // Frees the storage.
    void clear();

private:
    std::int64_t cols_;
    std::int64_t rows_per_block_;
    std::int64_t rows_ = 0;
    std::vector<std::vector<double>> blocks_;
};

// Moves the rows of `store`, global rows [first_row, first_row +
// store.rows()), to their owners of a total_rows x store.cols()
// block-cyclic matrix and returns it. Collective. Clears `store`.
BlockCyclicMatrix distribute_rows(const ProcessGrid& grid, RowStore& store,
                                  std::int64_t first_row,
                                  std::int64_t total_rows, int block_size);

// Maps the grid coordinates (process row p, process column q) to the rank
// of the grid's communicator: element p·Q + q. Collective.
std::vector<int> ranks_by_coordinates(const ProcessGrid& grid);

}  // namespace covdefl::io
