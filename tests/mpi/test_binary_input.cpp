// Tests of the MPI-IO reader of `.npy` and raw binary files: every layout,
// compared entry by entry on every rank, with block sizes small enough that
// every rank of a 1 to 4 rank grid stores part of the matrix.
#include <catch2/catch.hpp>

#include <stdlib.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <system_error>
#include <vector>

#include "covdefl/binary_input.hpp"
#include "covdefl/covariance.hpp"
#include "covdefl/mpi.hpp"
#include "helpers.hpp"

using namespace covdefl;
using covdefl::testing::world_grid_shape;

namespace {

constexpr int test_rows = 7;
constexpr int test_cols = 5;

// Entry (i, j) of the test matrix. Every value is a multiple of 1/4 below
// 2^10, so it is exact in float32, and no two entries are equal.
double expected_entry(std::int64_t i, std::int64_t j)
{
    return static_cast<double>(i) * 10.0 + static_cast<double>(j) + 0.25 -
           (i % 2 == 0 ? 100.0 : 0.0);
}

// A folder shared by all ranks: rank 0 creates it and removes it with its
// files when the test ends.
class SharedFolder {
public:
    SharedFolder()
    {
        std::string name;
        if (mpi::rank(MPI_COMM_WORLD) == 0) {
            name = (std::filesystem::temp_directory_path() /
                    "covdefl-mpiio-XXXXXX")
                       .string();
            if (::mkdtemp(name.data()) == nullptr) {
                name.clear();
            }
        }
        int length = static_cast<int>(name.size());
        MPI_Bcast(&length, 1, MPI_INT, 0, MPI_COMM_WORLD);
        name.resize(static_cast<std::size_t>(length));
        MPI_Bcast(name.data(), length, MPI_CHAR, 0, MPI_COMM_WORLD);
        REQUIRE(!name.empty());
        path_ = name;
    }
    SharedFolder(const SharedFolder&) = delete;
    SharedFolder& operator=(const SharedFolder&) = delete;
    ~SharedFolder()
    {
        MPI_Barrier(MPI_COMM_WORLD);
        if (mpi::rank(MPI_COMM_WORLD) == 0) {
            std::error_code ignored;
            std::filesystem::remove_all(path_, ignored);
        }
    }

    // Writes `bytes` to the file `name` on rank 0 and returns its path on
    // every rank once the file is complete.
    std::string write(const std::string& name, const std::string& bytes) const
    {
        const std::string path = (path_ / name).string();
        if (mpi::rank(MPI_COMM_WORLD) == 0) {
            std::ofstream out(path, std::ios::binary);
            out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        }
        MPI_Barrier(MPI_COMM_WORLD);
        return path;
    }

private:
    std::filesystem::path path_;
};

struct Layout {
    bool float32 = false;
    bool big_endian = false;
    bool column_major = false;
};

std::string encode(double value, const Layout& layout)
{
    std::string bytes;
    if (layout.float32) {
        auto bits = std::bit_cast<std::uint32_t>(static_cast<float>(value));
        if (layout.big_endian) {
            bits = __builtin_bswap32(bits);
        }
        bytes.resize(sizeof bits);
        std::memcpy(bytes.data(), &bits, sizeof bits);
    } else {
        auto bits = std::bit_cast<std::uint64_t>(value);
        if (layout.big_endian) {
            bits = __builtin_bswap64(bits);
        }
        bytes.resize(sizeof bits);
        std::memcpy(bytes.data(), &bits, sizeof bits);
    }
    return bytes;
}

// The values of `values(i, j)` for a rows x cols matrix in the byte layout
// of a raw file.
// NOTE: assumes a little-endian host (x86-64, arm64), whose native order is
// the little-endian layout.
template <class Values>
std::string encode_matrix(std::int64_t rows, std::int64_t cols,
                          const Layout& layout, Values values)
{
    std::string bytes;
    if (layout.column_major) {
        for (std::int64_t j = 0; j < cols; ++j) {
            for (std::int64_t i = 0; i < rows; ++i) {
                bytes += encode(values(i, j), layout);
            }
        }
    } else {
        for (std::int64_t i = 0; i < rows; ++i) {
            for (std::int64_t j = 0; j < cols; ++j) {
                bytes += encode(values(i, j), layout);
            }
        }
    }
    return bytes;
}

// A `.npy` header of format version `version` (1, 2 or 3) padded so that
// the data starts at a multiple of 64 bytes, as numpy writes it.
std::string npy_header(int version, const Layout& layout, std::int64_t rows,
                       std::int64_t cols)
{
    std::string dict =
        std::string("{'descr': '") + (layout.big_endian ? '>' : '<') +
        (layout.float32 ? "f4" : "f8") +
        "', 'fortran_order': " + (layout.column_major ? "True" : "False") +
        ", 'shape': (" + std::to_string(rows) + ", " + std::to_string(cols) +
        "), }";
    const std::size_t length_bytes = version == 1 ? 2 : 4;
    const std::size_t preamble = 8 + length_bytes;
    const std::size_t total = (preamble + dict.size() + 1 + 63) / 64 * 64;
    dict.resize(total - preamble - 1, ' ');
    dict += '\n';
    const std::size_t header_length = dict.size();
    std::string header = "\x93NUMPY";
    header += static_cast<char>(version);
    header += '\0';
    for (std::size_t i = 0; i < length_bytes; ++i) {
        header += static_cast<char>((header_length >> (8 * i)) & 0xFF);
    }
    return header + dict;
}

std::string describe(const Layout& layout)
{
    return std::string(layout.float32 ? "f4" : "f8") +
           (layout.big_endian ? "-be" : "-le") +
           (layout.column_major ? "-fortran" : "-c");
}

std::vector<Layout> every_layout()
{
    std::vector<Layout> layouts;
    for (const bool float32 : {false, true}) {
        for (const bool big_endian : {false, true}) {
            for (const bool column_major : {false, true}) {
                layouts.push_back(Layout{float32, big_endian, column_major});
            }
        }
    }
    return layouts;
}

// Number of local entries of `x` that differ from `values(i, j)`, summed
// over all ranks.
template <class Values>
int count_mismatches(const BlockCyclicMatrix& x, Values values)
{
    int mismatches = 0;
    for (int jl = 0; jl < x.local_cols(); ++jl) {
        for (int il = 0; il < x.local_rows(); ++il) {
            const double expected = values(x.global_row(il), x.global_col(jl));
            if (x.local(il, jl) != expected) {
                ++mismatches;
            }
        }
    }
    MPI_Allreduce(MPI_IN_PLACE, &mismatches, 1, MPI_INT, MPI_SUM,
                  MPI_COMM_WORLD);
    return mismatches;
}

// Number of matrix entries stored on all ranks together.
int count_entries(const BlockCyclicMatrix& x)
{
    int entries = x.local_rows() * x.local_cols();
    MPI_Allreduce(MPI_IN_PLACE, &entries, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    return entries;
}

io::RawOptions raw_options(const std::string& shape, const Layout& layout)
{
    io::RawOptions options;
    options.shape = shape;
    options.dtype = layout.float32 ? "float32" : "float64";
    options.byte_order = layout.big_endian ? "big" : "little";
    options.layout = layout.column_major ? "column" : "row";
    return options;
}

}  // namespace

TEST_CASE("read_binary_matrix reads every npy layout", "[mpiio]")
{
    SharedFolder folder;
    ProcessGrid grid(MPI_COMM_WORLD, world_grid_shape());
    for (const Layout& layout : every_layout()) {
        for (const int version : {1, 2, 3}) {
            const std::string name =
                describe(layout) + "-v" + std::to_string(version) + ".npy";
            const std::string path = folder.write(
                name, npy_header(version, layout, test_rows, test_cols) +
                          encode_matrix(test_rows, test_cols, layout,
                                        expected_entry));
            const io::BinaryMatrixFile file = io::describe_npy_matrix(path);
            CHECK(file.column_major == layout.column_major);
            CHECK(file.big_endian == layout.big_endian);
            for (const int block_size : {1, 2, 3}) {
                INFO(name << ", block size " << block_size);
                const BlockCyclicMatrix x =
                    read_binary_matrix(grid, file, block_size);
                REQUIRE(x.rows() == test_rows);
                REQUIRE(x.cols() == test_cols);
                CHECK(count_entries(x) == test_rows * test_cols);
                CHECK(count_mismatches(x, expected_entry) == 0);
            }
        }
    }
}

TEST_CASE("read_binary_matrix reads every raw layout", "[mpiio]")
{
    // The default grid has P >= Q, so a 1 x Q grid is tested too.
    SharedFolder folder;
    const GridShape row_grid{1, mpi::size(MPI_COMM_WORLD)};
    for (const GridShape shape : {world_grid_shape(), row_grid}) {
        ProcessGrid grid(MPI_COMM_WORLD, shape);
        for (const Layout& layout : every_layout()) {
            const std::string name = describe(layout) + ".bin";
            const std::string path =
                folder.write(name, encode_matrix(test_rows, test_cols, layout,
                                                 expected_entry));
            const io::BinaryMatrixFile file = io::describe_raw_matrix(
                path, raw_options(std::to_string(test_rows) + "," +
                                      std::to_string(test_cols),
                                  layout));
            for (const int block_size : {1, 2, 3}) {
                INFO(name << ", grid " << shape.rows << "x" << shape.cols
                          << ", block size " << block_size);
                const BlockCyclicMatrix x =
                    read_binary_matrix(grid, file, block_size);
                CHECK(count_mismatches(x, expected_entry) == 0);
            }
        }
    }
}

TEST_CASE("read_binary_matrix reads in small pieces", "[mpiio]")
{
    // Pieces of 1, 2 and 3 values give every rank several collective reads,
    // and ranks with smaller shares make calls with a count of 0.
    SharedFolder folder;
    ProcessGrid grid(MPI_COMM_WORLD, world_grid_shape());
    for (const Layout& layout :
         {Layout{false, false, false}, Layout{true, true, false},
          Layout{false, false, true}, Layout{false, true, true}}) {
        const std::string path = folder.write(
            describe(layout) + ".npy",
            npy_header(1, layout, test_rows, test_cols) +
                encode_matrix(test_rows, test_cols, layout, expected_entry));
        const io::BinaryMatrixFile file = io::describe_npy_matrix(path);
        const std::size_t item = layout.float32 ? 4 : 8;
        for (const std::size_t values_per_piece : {1, 2, 3}) {
            INFO(describe(layout)
                 << ", " << values_per_piece << " values per piece");
            const BlockCyclicMatrix x =
                read_binary_matrix(grid, file, 2, values_per_piece * item);
            CHECK(count_mismatches(x, expected_entry) == 0);
        }
    }
}

TEST_CASE("read_binary_matrix transposes C order in tiles", "[mpiio]")
{
    // More than one 64 x 64 tile per rank, with partial tiles at the edges.
    const int rows = 150;
    const int cols = 139;
    SharedFolder folder;
    ProcessGrid grid(MPI_COMM_WORLD, world_grid_shape());
    for (const Layout& layout :
         {Layout{false, false, false}, Layout{true, true, false}}) {
        const std::string path =
            folder.write(describe(layout) + ".npy",
                         npy_header(1, layout, rows, cols) +
                             encode_matrix(rows, cols, layout, expected_entry));
        const io::BinaryMatrixFile file = io::describe_npy_matrix(path);
        for (const int block_size : {3, 64}) {
            INFO(describe(layout) << ", block size " << block_size);
            const BlockCyclicMatrix x =
                read_binary_matrix(grid, file, block_size);
            CHECK(count_entries(x) == rows * cols);
            CHECK(count_mismatches(x, expected_entry) == 0);
        }
    }
}

TEST_CASE("read_binary_matrix handles ranks without entries", "[mpiio]")
{
    // A 2 x 2 matrix with block size 3 is stored on process (0, 0) alone.
    SharedFolder folder;
    ProcessGrid grid(MPI_COMM_WORLD, world_grid_shape());
    const Layout layout{};
    const std::string path = folder.write(
        "small.npy", npy_header(1, layout, 2, 2) +
                         encode_matrix(2, 2, layout, expected_entry));
    const BlockCyclicMatrix x =
        read_binary_matrix(grid, io::describe_npy_matrix(path), 3);
    CHECK(count_entries(x) == 4);
    CHECK(count_mismatches(x, expected_entry) == 0);
}

TEST_CASE("--transpose reads d x n files as n x d", "[mpiio]")
{
    // The files store the transpose of the test matrix, test_cols x
    // test_rows.
    SharedFolder folder;
    ProcessGrid grid(MPI_COMM_WORLD, world_grid_shape());
    const auto stored = [](std::int64_t i, std::int64_t j) {
        return expected_entry(j, i);
    };
    for (const Layout& layout :
         {Layout{false, false, false}, Layout{true, true, true}}) {
        InputSource npy;
        npy.path = folder.write(
            describe(layout) + ".npy",
            npy_header(1, layout, test_cols, test_rows) +
                encode_matrix(test_cols, test_rows, layout, stored));
        npy.transpose = true;

        InputSource raw;
        raw.path =
            folder.write(describe(layout) + ".bin",
                         encode_matrix(test_cols, test_rows, layout, stored));
        raw.raw = raw_options(std::to_string(test_cols) + "," +
                                  std::to_string(test_rows),
                              layout);
        raw.transpose = true;

        for (const InputSource& input : {npy, raw}) {
            const MatrixShape shape = read_matrix_shape(grid, input);
            CHECK(shape.rows == test_rows);
            CHECK(shape.cols == test_cols);
            for (const int block_size : {1, 2, 3}) {
                INFO(input.path << ", block size " << block_size);
                const BlockCyclicMatrix x =
                    read_data_matrix(grid, input, block_size);
                REQUIRE(x.rows() == test_rows);
                REQUIRE(x.cols() == test_cols);
                CHECK(count_mismatches(x, expected_entry) == 0);
            }
        }
    }
}

TEST_CASE("read_binary_matrix names the first non-finite value", "[mpiio]")
{
    // Three non-finite values, which block size 1 spreads over different
    // ranks. The first in (row, column) order is the NaN at (1, 3), 0-based.
    SharedFolder folder;
    ProcessGrid grid(MPI_COMM_WORLD, world_grid_shape());
    const auto values = [](std::int64_t i, std::int64_t j) {
        if (i == 5 && j == 0) {
            return std::numeric_limits<double>::infinity();
        }
        if (i == 1 && j == 3) {
            return std::numeric_limits<double>::quiet_NaN();
        }
        if (i == 1 && j == 4) {
            return -std::numeric_limits<double>::infinity();
        }
        return expected_entry(i, j);
    };
    for (const Layout& layout :
         {Layout{false, false, false}, Layout{true, true, true}}) {
        const std::string path = folder.write(
            describe(layout) + ".npy",
            npy_header(1, layout, test_rows, test_cols) +
                encode_matrix(test_rows, test_cols, layout, values));
        for (const int block_size : {1, 3}) {
            INFO(describe(layout) << ", block size " << block_size);
            try {
                read_binary_matrix(grid, io::describe_npy_matrix(path),
                                   block_size);
                FAIL("no error thrown");
            } catch (const Error& e) {
                CHECK(e.collective());
                CHECK_THAT(e.what(), Catch::Contains(path));
                CHECK_THAT(e.what(),
                           Catch::Contains("(NaN) at row 2, column 4"));
            }
        }
    }

    // Only the infinity left: its sign is in the message.
    const Layout layout{};
    const std::string path = folder.write(
        "infinity.npy",
        npy_header(1, layout, test_rows, test_cols) +
            encode_matrix(
                test_rows, test_cols, layout,
                [](std::int64_t i, std::int64_t j) {
                    return i == 6 && j == 2
                               ? -std::numeric_limits<double>::infinity()
                               : expected_entry(i, j);
                }));
    try {
        read_binary_matrix(grid, io::describe_npy_matrix(path), 2);
        FAIL("no error thrown");
    } catch (const Error& e) {
        CHECK(e.collective());
        CHECK_THAT(e.what(), Catch::Contains("(-infinity) at row 7, column 3"));
    }
}

TEST_CASE("read_binary_matrix reports MPI-IO failures", "[mpiio]")
{
    ProcessGrid grid(MPI_COMM_WORLD, world_grid_shape());
    io::BinaryMatrixFile file;
    file.path = "/nonexistent/covdefl-mpiio.bin";
    file.rows = 4;
    file.cols = 3;
    try {
        read_binary_matrix(grid, file, 2);
        FAIL("no error thrown");
    } catch (const Error& e) {
        CHECK(e.collective());
        CHECK_THAT(e.what(), Catch::Contains(file.path));
        CHECK_THAT(e.what(), Catch::Contains("MPI_File_open failed"));
    }
}

TEST_CASE("read_binary_matrix rejects sizes beyond 32 bits", "[mpiio]")
{
    ProcessGrid grid(MPI_COMM_WORLD, world_grid_shape());
    io::BinaryMatrixFile file;
    file.path = "wide.bin";
    file.rows = 2;
    file.cols = std::int64_t{1} << 31;
    try {
        read_binary_matrix(grid, file, 2);
        FAIL("no error thrown");
    } catch (const Error& e) {
        CHECK(e.collective());
        CHECK_THAT(e.what(), Catch::Contains("column count 2147483648"));
        CHECK_THAT(e.what(), Catch::Contains("2^31 - 1"));
    }
}
