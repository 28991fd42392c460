#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "../mpi/helpers.hpp"
#include "covdefl/hdf5.hpp"
#include "covdefl/mpi.hpp"
#include "hdf5_files.hpp"
#include "io/hdf5_library.hpp"

using namespace covdefl;
using Catch::Matchers::Contains;
using covdefl::testing::error_message;
using covdefl::testing::SharedFolder;
using covdefl::testing::TestDataset;
using covdefl::testing::write_test_file;

namespace {

// Entry (i, j) of the test matrices: multiples of 0.25 in [-2, 3.5], exact
// in float32, and different in every row and column of a small matrix.
double test_value(std::int64_t i, std::int64_t j)
{
    return static_cast<double>((i * 7 + j * 3) % 23) * 0.25 - 2.0;
}

// Integer entries, some negative, that fit every signed type tested.
double integer_value(std::int64_t i, std::int64_t j)
{
    return static_cast<double>(i * 10 - j * 3 + 5);
}

// Entries from 0 to 204, which fit an unsigned byte.
double unsigned_value(std::int64_t i, std::int64_t j)
{
    return static_cast<double>(i * 20 + j);
}

std::vector<double> make_values(std::int64_t rows, std::int64_t cols,
                                double (*value)(std::int64_t, std::int64_t))
{
    std::vector<double> values;
    for (std::int64_t i = 0; i < rows; ++i) {
        for (std::int64_t j = 0; j < cols; ++j) {
            values.push_back(value(i, j));
        }
    }
    return values;
}

// Number of local entries of `x` that differ from value(i, j), with the
// first one described in `first`. Summed over all ranks.
int count_mismatches(const BlockCyclicMatrix& x,
                     double (*value)(std::int64_t, std::int64_t),
                     std::string& first)
{
    int mismatches = 0;
    for (int jl = 0; jl < x.local_cols(); ++jl) {
        for (int il = 0; il < x.local_rows(); ++il) {
            const int i = x.global_row(il);
            const int j = x.global_col(jl);
            if (x.local(il, jl) != value(i, j)) {
                if (mismatches == 0) {
                    std::ostringstream text;
                    text << "(" << i << ", " << j << ") = " << x.local(il, jl)
                         << ", expected " << value(i, j);
                    first = text.str();
                }
                ++mismatches;
            }
        }
    }
    MPI_Allreduce(MPI_IN_PLACE, &mismatches, 1, MPI_INT, MPI_SUM,
                  MPI_COMM_WORLD);
    return mismatches;
}

// The default grid shape and its transpose, so that both the process rows
// and the process columns split the matrix.
std::vector<GridShape> test_grid_shapes()
{
    const GridShape shape = covdefl::testing::world_grid_shape();
    std::vector<GridShape> shapes = {shape};
    if (shape.rows != shape.cols) {
        shapes.push_back({shape.cols, shape.rows});
    }
    return shapes;
}

// Reads `dataset` of `path` on the default grid and its transpose, with
// block sizes 1 to 3, and checks every entry against `value`.
void check_every_entry(const std::string& path, const std::string& dataset,
                       std::int64_t rows, std::int64_t cols,
                       double (*value)(std::int64_t, std::int64_t))
{
    for (const GridShape& shape : test_grid_shapes()) {
        ProcessGrid grid(MPI_COMM_WORLD, shape);
        // One row cycle per transfer at every block size, and one read
        // with the default buffer.
        const std::pair<int, std::int64_t> settings[] = {
            {1, 1}, {2, 1}, {3, 1}, {2, io::hdf5::transfer_buffer_doubles}};
        for (const auto& [block, buffer] : settings) {
            INFO("grid " << shape.rows << "x" << shape.cols << ", block size "
                         << block << ", buffer " << buffer);
            const BlockCyclicMatrix x =
                io::hdf5::read_matrix(grid, path, dataset, block, buffer);
            CHECK(x.rows() == rows);
            CHECK(x.cols() == cols);
            std::string first;
            CHECK(count_mismatches(x, value, first) == 0);
            INFO(first);
            CHECK(first.empty());
        }
    }
}

}  // namespace

TEST_CASE("hdf5 reader places every float entry", "[hdf5]")
{
    SharedFolder folder;
    const std::int64_t rows = 13;
    const std::int64_t cols = 7;
    const std::vector<double> values = make_values(rows, cols, test_value);
    const struct {
        const char* name;
        hid_t type;
    } types[] = {{"f64le", H5T_IEEE_F64LE},
                 {"f64be", H5T_IEEE_F64BE},
                 {"f32le", H5T_IEEE_F32LE},
                 {"f32be", H5T_IEEE_F32BE}};
    for (const auto& type : types) {
        INFO("element type " << type.name);
        const std::string path = folder.file(std::string(type.name) + ".h5");
        write_test_file(path, {{"data", type.type, {13, 7}, values}});
        check_every_entry(path, "", rows, cols, test_value);
    }
}

TEST_CASE("hdf5 reader converts integer datasets", "[hdf5]")
{
    SharedFolder folder;
    const std::int64_t rows = 11;
    const std::int64_t cols = 5;
    const std::vector<double> values = make_values(rows, cols, integer_value);
    const struct {
        const char* name;
        hid_t type;
    } types[] = {{"i32le", H5T_STD_I32LE},
                 {"i16be", H5T_STD_I16BE},
                 {"i64le", H5T_STD_I64LE}};
    for (const auto& type : types) {
        INFO("element type " << type.name);
        const std::string path = folder.file(std::string(type.name) + ".h5");
        write_test_file(path, {{"counts", type.type, {11, 5}, values}});
        check_every_entry(path, "/counts", rows, cols, integer_value);
    }
    const std::string path = folder.file("u8.h5");
    write_test_file(path, {{"bytes",
                            H5T_STD_U8LE,
                            {11, 5},
                            make_values(rows, cols, unsigned_value)}});
    check_every_entry(path, "bytes", rows, cols, unsigned_value);
}

TEST_CASE("hdf5 reader reads a chunked gzip dataset", "[hdf5]")
{
    SharedFolder folder;
    const std::string path = folder.file("chunked.h5");
    write_test_file(path, {{"data",
                            H5T_IEEE_F64LE,
                            {17, 6},
                            make_values(17, 6, test_value),
                            {4, 4}}});
    check_every_entry(path, "data", 17, 6, test_value);
}

TEST_CASE("hdf5 reader picks the only 2-D dataset", "[hdf5]")
{
    SharedFolder folder;
    const std::string path = folder.file("mixed.h5");
    write_test_file(path, {{"vector", H5T_IEEE_F64LE, {4}, {1, 2, 3, 4}},
                           {"group/matrix",
                            H5T_IEEE_F64LE,
                            {6, 3},
                            make_values(6, 3, test_value)},
                           {"cube", H5T_IEEE_F64LE, {2, 2, 2}, {}}});
    const MatrixShape shape = io::read_hdf5_shape(MPI_COMM_WORLD, path, "");
    CHECK(shape.rows == 6);
    CHECK(shape.cols == 3);
    check_every_entry(path, "", 6, 3, test_value);
}

TEST_CASE("hdf5 reader reads the named dataset", "[hdf5]")
{
    SharedFolder folder;
    const std::string path = folder.file("two.h5");
    write_test_file(
        path, {{"a", H5T_IEEE_F64LE, {4, 3}, make_values(4, 3, integer_value)},
               {"b", H5T_IEEE_F32LE, {9, 2}, make_values(9, 2, test_value)}});
    for (const std::string name : {"b", "/b"}) {
        INFO("--dataset " << name);
        const MatrixShape shape =
            io::read_hdf5_shape(MPI_COMM_WORLD, path, name);
        CHECK(shape.rows == 9);
        CHECK(shape.cols == 2);
        check_every_entry(path, name, 9, 2, test_value);
    }
    check_every_entry(path, "a", 4, 3, integer_value);
}

TEST_CASE("hdf5 reader rejects bad files and datasets", "[hdf5]")
{
    SharedFolder folder;
    const std::string two = folder.file("two.h5");
    write_test_file(
        two, {{"a", H5T_IEEE_F64LE, {4, 3}, make_values(4, 3, test_value)},
              {"b", H5T_IEEE_F64LE, {5, 2}, make_values(5, 2, test_value)}});
    const std::string cube = folder.file("cube.h5");
    write_test_file(cube, {{"cube", H5T_IEEE_F64LE, {2, 3, 4}, {}}});
    const std::string strings = folder.file("strings.h5");
    {
        const hid_t type = H5Tcopy(H5T_C_S1);
        H5Tset_size(type, 4);
        write_test_file(strings, {{"names", type, {3, 2}, {}}});
        H5Tclose(type);
    }
    const std::string wide_float = folder.file("long-double.h5");
    write_test_file(wide_float, {{"x", H5T_NATIVE_LDOUBLE, {3, 2}, {}}});
    const std::string empty = folder.file("empty.h5");
    write_test_file(empty, {{"x", H5T_IEEE_F64LE, {0, 3}, {}}});
    const std::string text = folder.file("text.h5");
    if (mpi::rank(MPI_COMM_WORLD) == 0) {
        std::FILE* file = std::fopen(text.c_str(), "w");
        REQUIRE(file != nullptr);
        std::fputs("1,2,3\n4,5,6\n", file);
        std::fclose(file);
    }
    MPI_Barrier(MPI_COMM_WORLD);

    const struct {
        const char* what;
        std::string path;
        std::string dataset;
        std::vector<std::string> expected;
    } cases[] = {
        {"two 2-D datasets",
         two,
         "",
         {"contains 2 2-D datasets", "/a (4 x 3)", "/b (5 x 2)", "--dataset"}},
        {"missing dataset",
         two,
         "missing",
         {"dataset /missing not found", "/a (4 x 3), /b (5 x 2)"}},
        {"group, not a dataset", cube, "/", {"/ in", "is not a dataset"}},
        {"3-D dataset named", cube, "cube", {"has 3 dimensions", "2 x 3 x 4"}},
        {"3-D dataset only", cube, "", {"no 2-D dataset", "/cube (2 x 3 x 4)"}},
        {"string dataset", strings, "", {"/names", "element type string"}},
        {"128-bit float dataset",
         wide_float,
         "",
         {"128-bit little-endian float"}},
        {"empty dataset", empty, "", {"is empty", "0 x 3"}},
        {"not an HDF5 file", text, "", {"text.h5 is not an HDF5 file"}},
        {"missing file",
         folder.file("missing.h5"),
         "",
         {"cannot open", "missing.h5", "No such file"}},
    };
    for (const auto& c : cases) {
        INFO(c.what);
        const std::string shape_error = error_message(
            [&] { io::read_hdf5_shape(MPI_COMM_WORLD, c.path, c.dataset); });
        ProcessGrid grid(MPI_COMM_WORLD, covdefl::testing::world_grid_shape());
        const std::string read_error = error_message(
            [&] { io::read_hdf5_matrix(grid, c.path, c.dataset, 2); });
        for (const std::string& part : c.expected) {
            CHECK_THAT(shape_error, Contains(part));
            CHECK_THAT(read_error, Contains(part));
        }
    }
}

TEST_CASE("hdf5 reader names the first non-finite value", "[hdf5]")
{
    SharedFolder folder;
    ProcessGrid grid(MPI_COMM_WORLD, covdefl::testing::world_grid_shape());
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    const struct {
        const char* what;
        std::vector<std::pair<std::pair<int, int>, double>> bad;
        std::string expected;
    } cases[] = {
        {"NaN before infinity",
         {{{9, 0}, inf}, {{5, 2}, nan}},
         "non-finite value (NaN) in dataset /data at row 6, column 3"},
        {"two in one row",
         {{{12, 6}, nan}, {{12, 4}, -inf}},
         "(-infinity) in dataset /data at row 13, column 5"},
        {"infinity in the first entry",
         {{{0, 0}, inf}},
         "(+infinity) in dataset /data at row 1, column 1"},
    };
    for (const auto& c : cases) {
        INFO(c.what);
        std::vector<double> values = make_values(13, 7, test_value);
        for (const auto& [position, value] : c.bad) {
            values[static_cast<std::size_t>(position.first * 7 +
                                            position.second)] = value;
        }
        const std::string path = folder.file("bad.h5");
        write_test_file(path, {{"data", H5T_IEEE_F64LE, {13, 7}, values}});
        for (int block = 1; block <= 3; ++block) {
            for (const std::int64_t buffer :
                 {std::int64_t{1}, io::hdf5::transfer_buffer_doubles}) {
                INFO("block size " << block << ", buffer " << buffer);
                const std::string message = error_message([&] {
                    io::hdf5::read_matrix(grid, path, "", block, buffer);
                });
                CHECK_THAT(message, Contains(c.expected));
                CHECK_THAT(message, Contains("bad.h5"));
            }
        }
    }
}

TEST_CASE("hdf5 transfer rounds cover every local row", "[hdf5]")
{
    ProcessGrid grid(MPI_COMM_WORLD, covdefl::testing::world_grid_shape());
    for (int block = 1; block <= 3; ++block) {
        for (const std::int64_t buffer : {1, 10, 1000}) {
            INFO("block size " << block << ", buffer " << buffer);
            BlockCyclicMatrix a(grid, 23, 4, block, block);
            const auto rounds = io::hdf5::plan_transfer_rounds(a, buffer);
            REQUIRE_FALSE(rounds.empty());
            CHECK(rounds.front().first_row == 0);
            CHECK(rounds.back().end_row == 23);
            int next_local = 0;
            std::int64_t next_row = 0;
            for (const auto& round : rounds) {
                CHECK(round.first_row == next_row);
                CHECK(round.first_local_row == next_local);
                CHECK(round.local_rows >= 0);
                CHECK(static_cast<std::int64_t>(round.local_rows) *
                          a.local_cols() <=
                      std::max<std::int64_t>(buffer, block * a.local_cols()));
                next_row = round.end_row;
                next_local += round.local_rows;
            }
            CHECK(next_local == a.local_rows());
        }
    }
}
