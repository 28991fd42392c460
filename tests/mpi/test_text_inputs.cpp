// Tests of the parallel readers of delimited text and Matrix Market files:
// every entry lands on its owner for block sizes 1 to 3, and errors name
// the first bad line in file order on every rank.

#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iomanip>
#include <sstream>
#include <string>
#include <vector>

#include "covdefl/covariance.hpp"
#include "covdefl/mpi.hpp"
#include "helpers.hpp"

using namespace covdefl;
using Catch::Matchers::Contains;
using covdefl::testing::entry;
using covdefl::testing::world_grid_shape;

namespace {

// A text file with the same path on every rank, written by rank 0 and
// removed on destruction.
class SharedTextFile {
public:
    SharedTextFile(const std::string& name, const std::string& text)
    {
        long id = static_cast<long>(::getpid());
        MPI_Bcast(&id, 1, MPI_LONG, 0, MPI_COMM_WORLD);
        path_ = (std::filesystem::temp_directory_path() /
                 ("covdefl-text-" + std::to_string(id) + "-" + name))
                    .string();
        if (mpi::rank(MPI_COMM_WORLD) == 0) {
            std::ofstream out(path_, std::ios::binary);
            out << text;
        }
        MPI_Barrier(MPI_COMM_WORLD);
    }
    ~SharedTextFile()
    {
        MPI_Barrier(MPI_COMM_WORLD);
        if (mpi::rank(MPI_COMM_WORLD) == 0) {
            std::remove(path_.c_str());
        }
    }
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

// Value of entry (i, j) of the test matrices: distinct and exact in
// decimal text.
double test_value(int i, int j)
{
    return (i * 7 + j * 3) % 11 - 5 + 0.25 * j + 0.001 * i;
}

// Returns `value` as text that converts back to the same double.
std::string format_value(double value)
{
    std::ostringstream text;
    text << std::setprecision(17) << value;
    return text.str();
}

// Checks every entry of `a` against expected(i, j).
void check_entries(const BlockCyclicMatrix& a,
                   const std::function<double(int, int)>& expected)
{
    for (int i = 0; i < a.rows(); ++i) {
        for (int j = 0; j < a.cols(); ++j) {
            INFO("entry (" << i + 1 << ", " << j + 1 << ")");
            CHECK(entry(a, i, j) == expected(i, j));
        }
    }
}

// Returns the message of the collective Error that `read` throws.
std::string collective_error(const std::function<void()>& read)
{
    try {
        read();
    } catch (const Error& error) {
        CHECK(error.collective());
        return error.what();
    }
    FAIL("no error thrown");
    return {};
}

// Checks that every rank got the same message.
void check_same_on_all_ranks(const std::string& message)
{
    int length = static_cast<int>(message.size());
    int min_length = 0;
    int max_length = 0;
    MPI_Allreduce(&length, &min_length, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    MPI_Allreduce(&length, &max_length, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    CHECK(min_length == max_length);
}

// A CSV text of `rows` x `cols` test values in the dialect that
// exercises most of the reader: byte-order mark, comment, quoted header,
// CRLF, a blank line and a comment every 10 rows, and quoted numbers.
std::string csv_text(int rows, int cols)
{
    std::ostringstream text;
    text << "\xEF\xBB\xBF# exported table\r\n";
    for (int j = 0; j < cols; ++j) {
        text << (j > 0 ? "," : "") << "\"feature " << j + 1 << "\"";
    }
    text << "\r\n";
    for (int i = 0; i < rows; ++i) {
        if (i % 10 == 5) {
            text << "\r\n# block " << i << "\r\n";
        }
        for (int j = 0; j < cols; ++j) {
            text << (j > 0 ? "," : "");
            if ((i + j) % 4 == 0) {
                text << '"' << format_value(test_value(i, j)) << '"';
            } else {
                text << format_value(test_value(i, j));
            }
        }
        text << "\r\n";
    }
    return text.str();
}

// Lines of `text`, to edit single lines.
std::vector<std::string> lines_of(const std::string& text)
{
    std::vector<std::string> lines;
    std::istringstream stream(text);
    for (std::string line; std::getline(stream, line);) {
        lines.push_back(line);
    }
    return lines;
}

std::string join_lines(const std::vector<std::string>& lines)
{
    std::string text;
    for (const std::string& line : lines) {
        text += line + "\n";
    }
    return text;
}

}  // namespace

TEST_CASE("parallel CSV reader places every entry", "[text-io]")
{
    const int rows = 37;
    const int cols = 5;
    SharedTextFile file("matrix.csv", csv_text(rows, cols));
    ProcessGrid grid(MPI_COMM_WORLD, world_grid_shape());
    const MatrixShape shape = read_matrix_shape(grid, file.path(), "auto");
    CHECK(shape.rows == rows);
    CHECK(shape.cols == cols);
    for (int block_size = 1; block_size <= 3; ++block_size) {
        INFO("block size " << block_size);
        const BlockCyclicMatrix x =
            read_data_matrix(grid, file.path(), "csv", block_size);
        REQUIRE(x.rows() == rows);
        REQUIRE(x.cols() == cols);
        check_entries(x, test_value);
    }
}

TEST_CASE("parallel CSV reader reports the first bad line", "[text-io]")
{
    // 400 rows, so that every rank's byte range contains many lines. Line
    // numbers count the 2 lines before the header, the header and the
    // blank and comment lines.
    const std::vector<std::string> lines = lines_of(csv_text(400, 3));
    ProcessGrid grid(MPI_COMM_WORLD, world_grid_shape());

    // A field that is not a number on line 300 comes before a ragged row
    // on line 380.
    std::vector<std::string> edited = lines;
    edited[299] = "1,two,3\r";
    edited[379] = "1,2\r";
    SharedTextFile both("both.csv", join_lines(edited));
    const std::string first = collective_error(
        [&] { read_data_matrix(grid, both.path(), "csv", 2); });
    CHECK_THAT(first, Contains(both.path() + ": line 300, column 2: 'two' is "
                                             "not a number"));
    check_same_on_all_ranks(first);

    edited = lines;
    edited[379] = "1,2\r";
    SharedTextFile ragged("ragged.csv", join_lines(edited));
    const std::string second = collective_error(
        [&] { read_data_matrix(grid, ragged.path(), "csv", 2); });
    CHECK_THAT(second, Contains(": line 380 has 2 fields, but the first data "
                                "line has 3"));

    // Line 351 contains row 291: the data start on line 3, and each of the 29
    // gaps before it (at rows 5, 15, ..., 285, 0-based) takes 2 lines.
    edited = lines;
    REQUIRE(edited[350].find("# block") == std::string::npos);
    edited[350] = "1,-inf,3\r";
    SharedTextFile infinite("infinite.csv", join_lines(edited));
    const std::string third = collective_error(
        [&] { read_data_matrix(grid, infinite.path(), "csv", 3); });
    CHECK_THAT(third, Contains("non-finite value (-infinity) at row 291, "
                               "column 2 (1-based, line 351)"));
}

TEST_CASE("parallel CSV reader rejects a non-square covariance", "[text-io]")
{
    SharedTextFile file("wide.csv", "1,2,3\n4,5,6\n");
    ProcessGrid grid(MPI_COMM_WORLD, world_grid_shape());
    CHECK_THAT(collective_error([&] {
                   read_covariance_matrix(grid, file.path(), "csv", 2);
               }),
               Contains("must be square, but it is 2 x 3"));
}

TEST_CASE("Matrix Market reader places every entry", "[text-io]")
{
    const int rows = 7;
    const int cols = 5;
    // Coordinate entries in a scrambled order, without the zero at (3, 2).
    std::string coordinate =
        "%%MatrixMarket matrix coordinate real general\n% scrambled\n7 5 34\n";
    std::string array = "%%MatrixMarket matrix array real general\n7 5\n";
    for (int k = 0; k < rows * cols; ++k) {
        const int scrambled = (k * 11) % (rows * cols);
        const int i = scrambled % rows;
        const int j = scrambled / rows;
        if (i != 2 || j != 1) {
            coordinate += std::to_string(i + 1) + " " + std::to_string(j + 1) +
                          " " + format_value(test_value(i, j)) + "\n";
        }
        array += format_value(test_value(k % rows, k / rows)) + "\n";
    }
    const auto general = [](int i, int j) {
        return i == 2 && j == 1 ? 0.0 : test_value(i, j);
    };
    SharedTextFile coordinate_file("general.mtx", coordinate);
    SharedTextFile array_file("general-array.mm", array);
    ProcessGrid grid(MPI_COMM_WORLD, world_grid_shape());
    const MatrixShape shape =
        read_matrix_shape(grid, coordinate_file.path(), "auto");
    CHECK(shape.rows == rows);
    CHECK(shape.cols == cols);
    for (int block_size = 1; block_size <= 3; ++block_size) {
        INFO("block size " << block_size);
        check_entries(
            read_data_matrix(grid, coordinate_file.path(), "auto", block_size),
            general);
        check_entries(
            read_data_matrix(grid, array_file.path(), "auto", block_size),
            [](int i, int j) { return test_value(i, j); });
    }
}

TEST_CASE("Matrix Market reader mirrors symmetric storage", "[text-io]")
{
    // The array file stores test_value(i, j) for i >= j column by column.
    // The coordinate file has the integer field, so it stores the whole
    // numbers 1000·i + j of the lower triangle, two of them given in the
    // upper triangle, which the reader mirrors too.
    const int n = 6;
    std::string coordinate =
        "%%MatrixMarket matrix coordinate integer symmetric\n6 6 21\n";
    std::string array = "%%MatrixMarket matrix array real symmetric\n6 6\n";
    for (int j = 0; j < n; ++j) {
        for (int i = j; i < n; ++i) {
            const bool upper = (i == 4 && j == 1) || (i == 5 && j == 3);
            coordinate += std::to_string((upper ? j : i) + 1) + " " +
                          std::to_string((upper ? i : j) + 1) + " " +
                          std::to_string(1000 * i + j) + "\n";
            array += format_value(test_value(i, j)) + "\n";
        }
    }
    SharedTextFile coordinate_file("symmetric.mtx", coordinate);
    SharedTextFile array_file("symmetric-array.mtx", array);
    ProcessGrid grid(MPI_COMM_WORLD, world_grid_shape());
    for (int block_size = 1; block_size <= 3; ++block_size) {
        INFO("block size " << block_size);
        check_entries(
            read_data_matrix(grid, coordinate_file.path(), "mm", block_size),
            [](int i, int j) {
                return i >= j ? 1000.0 * i + j : 1000.0 * j + i;
            });
        check_entries(
            read_data_matrix(grid, array_file.path(), "mm", block_size),
            [](int i, int j) {
                return i >= j ? test_value(i, j) : test_value(j, i);
            });
    }
}

TEST_CASE("Matrix Market reader reports bad entries", "[text-io]")
{
    ProcessGrid grid(MPI_COMM_WORLD, world_grid_shape());
    const std::string banner = "%%MatrixMarket matrix coordinate real ";
    // 200 entries of a 20 x 20 general matrix, so that the byte ranges of
    // all ranks contain entries; line k + 4 contains entries[k].
    std::vector<std::string> entries;
    for (int k = 0; k < 200; ++k) {
        entries.push_back(std::to_string(k % 20 + 1) + " " +
                          std::to_string(k / 20 + 1) + " " + std::to_string(k) +
                          ".5");
    }
    const auto file_text = [&](const std::string& symmetry,
                               const std::string& size,
                               const std::vector<std::string>& lines) {
        return banner + symmetry + "\n% comment\n" + size + "\n" +
               join_lines(lines);
    };
    const auto error_of = [&](const std::string& name,
                              const std::string& text) {
        SharedTextFile file(name, text);
        const std::string message = collective_error(
            [&] { read_data_matrix(grid, file.path(), "mm", 2); });
        check_same_on_all_ranks(message);
        return message;
    };

    std::vector<std::string> edited = entries;
    edited[150] = "3 x 1.5";
    edited[190] = "21 1 1.5";
    CHECK_THAT(
        error_of("not-integer.mtx", file_text("general", "20 20 200", edited)),
        Contains("line 154: the column index 'x' is not an integer"));
    edited = entries;
    edited[190] = "21 1 1.5";
    CHECK_THAT(
        error_of("outside.mtx", file_text("general", "20 20 200", edited)),
        Contains("line 194: the row index 21 is outside 1..20"));
    edited = entries;
    edited[170] = "1 2 nan";
    CHECK_THAT(error_of("nan.mtx", file_text("general", "20 20 200", edited)),
               Contains("line 174: the value 'nan' is not finite"));
    edited = entries;
    edited[120] = "1 2";
    CHECK_THAT(error_of("short.mtx", file_text("general", "20 20 200", edited)),
               Contains("line 124: expected 'ROW COLUMN VALUE' (3 fields), "
                        "but found 2"));

    // Line 184 repeats (11, 2) of line 34, and line 105 repeats (2, 1) of
    // line 5: the repeat on the earlier line is reported.
    edited = entries;
    edited[180] = "11 2 7";
    edited[101] = "2 1 7";
    CHECK_THAT(
        error_of("repeat.mtx", file_text("general", "20 20 200", edited)),
        Contains("line 105 repeats entry (2, 1) of line 5"));
    CHECK_THAT(error_of("symmetric-repeat.mtx",
                        file_text("symmetric", "20 20 3",
                                  {"1 1 1", "3 2 1", "2 3 1"})),
               Contains("line 6 gives entry (2, 3) and line 5 gives (3, 2)"));

    CHECK_THAT(
        error_of("too-many.mtx", file_text("general", "20 20 150", entries)),
        Contains("line 154 contains entry 151, but the size line (line "
                 "3) gives 150 entries"));
    std::vector<std::string> truncated(entries.begin(), entries.begin() + 120);
    CHECK_THAT(
        error_of("truncated.mtx", file_text("general", "20 20 200", truncated)),
        Contains("the file ends at line 123 after 120 of the 200 "
                 "entries"));
}

TEST_CASE("Matrix Market covariance must be symmetric", "[text-io]")
{
    SharedTextFile lower("lower.mtx",
                         "%%MatrixMarket matrix coordinate real symmetric\n"
                         "3 3 4\n1 1 2\n2 1 1\n2 2 2\n3 3 1\n");
    SharedTextFile general("general.mtx",
                           "%%MatrixMarket matrix coordinate real general\n"
                           "3 3 4\n1 1 2\n2 1 1\n2 2 2\n3 3 1\n");
    ProcessGrid grid(MPI_COMM_WORLD, world_grid_shape());
    const BlockCyclicMatrix a =
        read_covariance_matrix(grid, lower.path(), "mm", 1);
    CHECK(entry(a, 0, 1) == 1.0);
    CHECK(entry(a, 1, 0) == 1.0);
    CHECK(entry(a, 2, 2) == 1.0);
    CHECK_THAT(collective_error([&] {
                   read_covariance_matrix(grid, general.path(), "mm", 1);
               }),
               Contains("covariance matrix is not symmetric"));
}
