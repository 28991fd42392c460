// Readers for the data formats, split into a pure header parser (no MPI, no
// file access, so it can be fuzzed) and a row source that reads any range of
// rows. The parallel layer (load.hpp) decides which rows each rank reads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "covdefl/error.hpp"

namespace covdefl::io {

// Element types found in the supported files.
enum class ElementType { uint8, int8, int16, int32, float32, float64 };

// Header of a NumPy `.npy` file (format versions 1.0, 2.0 and 3.0).
struct NpyHeader {
    int major_version = 0;
    std::string descr;  // dtype string as stored, e.g. "<f8"
    ElementType type = ElementType::float64;
    bool big_endian = false;
    bool fortran_order = false;
    std::vector<std::int64_t> shape;
    std::uint64_t data_offset =
        0;  // bytes from file start to the first element
};

// Parses the header at the start of a `.npy` file. `bytes` contains the first
// `size` bytes of the file (at least the whole header when it is complete).
// Throws InputError naming `path` on a bad magic string, an unsupported
// version, a malformed dictionary, an unsupported dtype (the message names
// it), or a shape with a negative size.
NpyHeader parse_npy_header(const unsigned char* bytes, std::size_t size,
                           const std::string& path);

// Header of an MNIST IDX file: magic 0x0000TTNN, then NN big-endian 32-bit
// sizes.
struct IdxHeader {
    ElementType type = ElementType::uint8;
    std::vector<std::int64_t> dims;
    std::uint64_t data_offset = 0;
};

// Parses an IDX header (big-endian sizes). Throws InputError naming `path`
// on a bad magic number (saying when it looks gzip-compressed), an unknown
// type code, zero dimensions or a header shorter than it claims.
IdxHeader parse_idx_header(const unsigned char* bytes, std::size_t size,
                           const std::string& path);

// Header of a Matrix Market file: the banner line
// `%%MatrixMarket matrix FORMAT FIELD SYMMETRY`, comment lines (starting with
// '%') and the size line `ROWS COLS ENTRIES` (coordinate) or `ROWS COLS`
// (array).
struct MatrixMarketHeader {
    enum class Format { coordinate, array };
    enum class Field { real, integer };
    enum class Symmetry { general, symmetric };
    Format format = Format::coordinate;
    Field field = Field::real;
    Symmetry symmetry = Symmetry::general;
    std::int64_t rows = 0;
    std::int64_t cols = 0;
    // Entry lines that must follow: ENTRIES of a coordinate file; rows·cols
    // values of a general array, rows·(rows + 1)/2 of a symmetric one.
    std::int64_t entries = 0;
    std::uint64_t data_offset = 0;  // bytes up to the line after the size line
    std::int64_t header_lines = 0;  // lines up to and including the size line
};

// Parses the header at the start of a Matrix Market file. `text` contains
// the file from its first byte through at least the size line (more is
// ignored). The banner's keywords are case-insensitive; `real`, `double`
// and `integer` fields and `general` and `symmetric` storage are accepted.
// Throws InputError naming `path` and the line on a missing or malformed
// banner or an unsupported object, format, field (`pattern`, `complex`) or
// symmetry (`skew-symmetric`, `hermitian`). The size line is rejected when
// it is missing or malformed, gives a symmetric matrix that is not square,
// or gives more entries than the matrix has positions.
MatrixMarketHeader parse_matrix_market_header(std::string_view text,
                                              const std::string& path);

// Returns a * b, throwing InputError with `what` in the message when the
// product of the non-negative sizes overflows 64 bits.
std::uint64_t checked_multiply(std::uint64_t a, std::uint64_t b,
                               const std::string& what);

// Sequential access to the rows of an n x d matrix stored in a file, with
// every element converted to double. Rows must be requested in increasing
// order (a gzip stream can only go forward).
class RowSource {
public:
    virtual ~RowSource() = default;

    virtual std::int64_t rows() const = 0;
    virtual std::int64_t cols() const = 0;

    // Reads rows [first, first + count) into `out`, row-major, count x cols()
    // doubles. Throws InputError naming the file on a read error or a file
    // that ends early (expected and found byte counts in the message).
    virtual void read_rows(std::int64_t first, std::int64_t count,
                           double* out) = 0;
};

// Opens `path` as a `.npy` file that contains a 2-D float64 or float32
// array in C order (little- or big-endian). The file size is checked against
// the header before any data is read. covdefl itself reads `.npy` files in
// either order with read_binary_matrix (binary_input.hpp).
std::unique_ptr<RowSource> open_npy(const std::string& path);

// Opens `path` as an IDX file, gzip-compressed or not. A file with d >= 2
// dimensions d0 x d1 x ... becomes d0 rows of d1 * d2 * ... columns, element
// (r, c) of a 3-D image file mapping to column r * d2 + c. Unsigned bytes
// become their values as doubles, unscaled.
std::unique_ptr<RowSource> open_idx(const std::string& path);

// Dialect of a delimited text file.
struct CsvOptions {
    // Field separator; '\0' means detect it from the first data line
    // (comma, tab, semicolon or whitespace).
    char delimiter = '\0';
    // Whether the first non-comment line is a header of column names.
    // Detect: a header when that line has a field that is not a number.
    enum class Header { detect, present, absent } header = Header::detect;
    char comment = '#';  // lines starting with it (after spaces) are skipped
};

// Opens `path` as delimited text: one sample per line, the same number of
// numeric fields on every line. Accepts a UTF-8 byte-order mark, CRLF line
// ends, blank lines, comment lines, spaces around fields, numbers in double
// quotes, and a missing final newline. Throws InputError naming the file
// and line on a ragged row (with the field counts), and the line and
// column on a field that is not a number. NaN and infinity are read as
// such. This serial reader scans the file from the start and converts the
// rows it is asked for. read_data_matrix uses the parallel reader instead,
// which gives the same values and messages.
std::unique_ptr<RowSource> open_csv(const std::string& path,
                                    const CsvOptions& options = {});

// Dialect and shape of delimited text, as found by scan_csv_text.
struct CsvShape {
    char delimiter = ' ';  // ' ' means runs of spaces and tabs
    bool has_header = false;
    // Whether every data line ends with a delimiter, whose empty field is
    // not a column.
    bool trailing_delimiter = false;
    std::int64_t rows = 0;
    std::int64_t cols = 0;
};

// Scans delimited text held in memory the way open_csv scans a file:
// detects the dialect, counts the rows and columns and converts every
// field, throwing the same InputError as open_csv with `name` in place of
// the path. It opens no file, so a fuzzer can call it.
CsvShape scan_csv_text(std::string_view text, const std::string& name,
                       const CsvOptions& options = {});

// Returns the format of `path`: `format` itself unless it is "auto". For
// "auto" the name decides. `.npy` is NumPy, `.csv`, `.tsv` and `.txt` are
// delimited text, `.mtx` and `.mm` are Matrix Market, and a name with "idx"
// or "-ubyte" in it is IDX. Throws InputError on an unknown format, a
// missing path or one that is not a regular file, and a name that gives no
// format.
std::string resolve_format(const std::string& path, const std::string& format);

// Opens `path` by its format (see resolve_format) as a row source. Matrix
// Market files have no row source: read_data_matrix reads them in parallel.
std::unique_ptr<RowSource> open_rows(const std::string& path,
                                     const std::string& format);

// Returns the version 1.0 header of a float64 little-endian C-order `.npy`
// file of the given shape, padded so that the data starts at a multiple of
// 64 bytes. Throws Error naming `path` when the shape does not fit.
std::string make_npy_header(const std::vector<std::int64_t>& shape,
                            const std::string& path);

// Writes a float64 little-endian `.npy` file (version 1.0, C order) of the
// given shape atomically: to a temporary name in the same folder, renamed
// to `path` when complete. Throws Error naming the path on failure.
void write_npy(const std::string& path, const std::vector<std::int64_t>& shape,
               const double* data);

}  // namespace covdefl::io
