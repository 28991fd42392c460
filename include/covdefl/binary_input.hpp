// Binary matrix files (NumPy `.npy` and raw binary) read in parallel with
// MPI-IO: the description of the stored layout, and the reader that gives
// each rank its block-cyclic share.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "covdefl/grid.hpp"
#include "covdefl/io.hpp"

namespace covdefl::io {

// Dense matrix stored as one contiguous run of numbers, checked against the
// file size.
struct BinaryMatrixFile {
    std::string path;
    ElementType type = ElementType::float64;  // float64 or float32
    bool big_endian = false;
    bool column_major = false;  // Fortran order; false means C order
    std::int64_t rows = 0;
    std::int64_t cols = 0;
    std::uint64_t data_offset = 0;  // bytes from file start to the first value
};

// Command-line description of a raw binary file. An empty string means the
// option was not given (dtype float64, little-endian, row-major).
struct RawOptions {
    std::string shape;       // "n,d"
    std::string dtype;       // "float64" or "float32"
    std::string byte_order;  // "little" or "big"
    std::string layout;      // "row" (C order) or "column" (Fortran order)

    bool any_given() const
    {
        return !shape.empty() || !dtype.empty() || !byte_order.empty() ||
               !layout.empty();
    }
};

// Rows and columns from a --shape value "n,d" (positive integers). Throws
// InputError naming the value on anything else.
struct RawShape {
    std::int64_t rows = 0;
    std::int64_t cols = 0;
};
RawShape parse_raw_shape(const std::string& text);

// Opens `path` as a `.npy` file and returns its layout. Accepts float64 and
// float32 in either byte order and either C or Fortran order, with header
// versions 1.0, 2.0 and 3.0. Throws InputError naming `path` on another
// dtype (named in the message), an array that is not 2-D, an empty array,
// and data shorter than the header promises (expected and found byte
// counts in the message, computed with 64-bit overflow checks).
BinaryMatrixFile describe_npy_matrix(const std::string& path);

// Checks `options` and the size of the raw file `path`, and returns its
// layout. The size must equal n·d·(element size) exactly. Throws InputError
// when --shape is missing or malformed, when --dtype, --byte-order or
// --layout has an unknown value, and when the size differs (expected and
// actual byte counts in the message).
BinaryMatrixFile describe_raw_matrix(const std::string& path,
                                     const RawOptions& options);

// Returns the layout of `path` when `format` is "npy" or "raw", or when it
// is "auto" and the name ends in `.npy`, `.bin` or `.raw`. Returns nothing
// for the other formats, which the row readers (open_rows) handle. Throws
// InputError when raw options come with a format other than raw.
std::optional<BinaryMatrixFile> describe_binary_input(const std::string& path,
                                                      const std::string& format,
                                                      const RawOptions& raw);

}  // namespace covdefl::io

namespace covdefl {

// Reads the matrix in `file` into a rows x cols block-cyclic matrix with
// square blocks of `block_size`. Collective. Each rank reads only its own
// blocks, through a file view made by MPI_Type_create_darray (cyclic with
// the block size, over the grid's row-major process order). The collective
// reads return at most `piece_bytes` per rank and call, so a rank keeps its
// share plus one piece in memory. float32 values are widened to double
// before any arithmetic, and big-endian values are byte-swapped after the
// read. Throws a collective Error on every rank when the file cannot be
// opened or read, when a dimension exceeds MPI's 32-bit int, or at a NaN or
// infinity. That message names the file and the first non-finite value in
// (row, column) order, 1-based.
BlockCyclicMatrix read_binary_matrix(const ProcessGrid& grid,
                                     const io::BinaryMatrixFile& file,
                                     int block_size,
                                     std::size_t piece_bytes = 32 << 20);

}  // namespace covdefl
