// Tests of the delimited text reader.

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "covdefl/io.hpp"
#include "file_helpers.hpp"

namespace {

using covdefl::testing::read_all;
using covdefl::testing::TemporaryFolder;
using covdefl::testing::write_file;

namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using covdefl::InputError;
using covdefl::io::CsvOptions;
using covdefl::io::RowSource;

const std::string csv_dir = std::string(COVDEFL_TEST_DATA) + "/csv/";

// The 4 x 3 matrix stored in every csv/matrix-4x3-* file, row-major.
const std::vector<double> matrix_4x3 = {
    1.5,  -2.0, 3.25,  //
    0.0,  4.5,  -1.0,  //
    2.25, 1.0,  0.5,   //
    -3.0, 2.5,  1.75,
};

// Opens `text` written to a temporary file and returns all its values.
std::vector<double> read_text(const std::string& text,
                              const CsvOptions& options = {})
{
    TemporaryFolder folder;
    auto source =
        covdefl::io::open_csv(folder.write("data.csv", text), options);
    return read_all(*source);
}

// Returns the message of the InputError that open_csv throws on `text`.
std::string open_error(const std::string& text, const std::string& name,
                       const CsvOptions& options = {})
{
    TemporaryFolder folder;
    const std::string path = folder.write(name, text);
    try {
        covdefl::io::open_csv(path, options);
    } catch (const InputError& error) {
        return error.what();
    }
    FAIL("open_csv accepted " << name);
    return {};
}

}  // namespace

TEST_CASE("open_csv reads every dialect file", "[csv]")
{
    const std::vector<std::string> names = {
        "matrix-4x3-plain.csv",          "matrix-4x3-header.csv",
        "matrix-4x3-header-crlf.csv",    "matrix-4x3-header-bom.csv",
        "matrix-4x3-trailing-comma.csv", "matrix-4x3-comments-blank-lines.csv",
        "matrix-4x3-spaces.csv",         "matrix-4x3-no-final-newline.csv",
        "matrix-4x3-quoted-header.csv",  "matrix-4x3.tsv",
    };
    for (const std::string& name : names) {
        INFO(name);
        const auto source = covdefl::io::open_csv(csv_dir + name);
        CHECK(source->rows() == 4);
        CHECK(source->cols() == 3);
        CHECK(read_all(*source) == matrix_4x3);
    }
}

TEST_CASE("open_csv detects the delimiter", "[csv]")
{
    const std::vector<double> expected = {1.5, -2, 3.25, 0, 4.5, -1};
    CHECK(read_text("1.5,-2,3.25\n0,4.5,-1\n") == expected);
    CHECK(read_text("1.5\t-2\t3.25\n0\t4.5\t-1\n") == expected);
    CHECK(read_text("1.5;-2;3.25\n0;4.5;-1\n") == expected);
    CHECK(read_text("1.5 -2   3.25\n  0\t4.5 -1  \n") == expected);
    CHECK(read_text("1.5\n-2\n") == std::vector<double>{1.5, -2});
}

TEST_CASE("open_csv uses an explicit delimiter", "[csv]")
{
    CsvOptions options;
    options.delimiter = ';';
    CHECK_THROWS_WITH(read_text("1;2\n3,5;4\n", options),
                      Contains("line 2, column 1: '3,5' is not a number"));
    options.delimiter = '#';
    CHECK_THROWS_WITH(read_text("1#2\n", options),
                      Contains("invalid delimiter '#'"));
}

TEST_CASE("open_csv reads quoted numbers", "[csv]")
{
    CHECK(read_text("\"1.5\",\"-2\"\n\" 3 \" , 4\n") ==
          std::vector<double>{1.5, -2, 3, 4});
    CHECK(read_text("\"a b\" \"c\"\n\"1\" 2\n") == std::vector<double>{1, 2});
    CHECK_THAT(open_error("1,\"2\n", "open-quote.csv"),
               Contains("line 1, column 2: a quoted field has no "
                        "closing quote"));
    CHECK_THAT(open_error("1,\"2\"x\n", "after-quote.csv"),
               Contains("line 1, column 2: text follows the closing "
                        "quote"));
    CHECK_THAT(open_error("1,\"\"\n", "empty-quotes.csv"),
               Contains("line 1, column 2: '' is not a number"));
}

TEST_CASE("open_csv detects a header", "[csv]")
{
    TemporaryFolder folder;
    const auto source =
        covdefl::io::open_csv(folder.write("header.csv", "x,y\n1,2\n3,4\n"));
    CHECK(source->rows() == 2);
    CHECK(source->cols() == 2);
    CHECK(read_all(*source) == std::vector<double>{1, 2, 3, 4});

    // A first line of numbers, NaN and infinity included, is data.
    CHECK(read_text("nan,inf\n1,2\n").size() == 4);
    // An empty field does not make a header.
    CHECK_THAT(open_error("1,,3\n4,5,6\n", "missing.csv"),
               Contains("line 1, column 2: '' is not a number"));
}

TEST_CASE("open_csv follows the header option", "[csv]")
{
    CsvOptions options;
    options.header = CsvOptions::Header::present;
    CHECK(read_text("1,2\n3,4\n", options) == std::vector<double>{3, 4});

    options.header = CsvOptions::Header::absent;
    CHECK_THAT(open_error("x,y\n1,2\n", "header.csv", options),
               Contains("line 1, column 1: 'x' is not a number"));
}

TEST_CASE("open_csv skips comments and blank lines", "[csv]")
{
    CHECK(read_text("# first\n\n  # indented\n1,2\n \t\n#,x\n3,4\n") ==
          std::vector<double>{1, 2, 3, 4});

    CsvOptions options;
    options.comment = '%';
    CHECK(read_text("% matrix\n1,2\n", options) == std::vector<double>{1, 2});
    options.header = CsvOptions::Header::absent;
    CHECK_THAT(open_error("# x\n1,2\n", "hash.csv", options),
               Contains("line 1, column 1: '#' is not a number"));
}

TEST_CASE("open_csv rejects a ragged row", "[csv]")
{
    const std::string path = csv_dir + "ragged-line-3.csv";
    CHECK_THROWS_AS(covdefl::io::open_csv(path), InputError);
    CHECK_THROWS_WITH(
        covdefl::io::open_csv(path),
        StartsWith(path + ": line 3 has 2 fields, but the first data line "
                          "has 3; every row must have the same number of "
                          "fields"));

    // Line numbers count headers, comments and blank lines.
    CHECK_THAT(open_error("a,b\n# c\n\n1,2\n3,4,5\n", "long.csv"),
               Contains("line 5 has 3 fields, but the first data line has "
                        "2"));
}

TEST_CASE("open_csv rejects non-numeric fields", "[csv]")
{
    TemporaryFolder folder;
    const std::string path = folder.write("text.csv", "1,2,3\n4,five,6\n");
    CHECK_THROWS_WITH(covdefl::io::open_csv(path),
                      path + ": line 2, column 2: 'five' is not a number");

    CHECK_THAT(open_error("1,2\n3,4x\n", "suffix.csv"),
               Contains("line 2, column 2: '4x' is not a number"));
    CHECK_THAT(open_error("1,2\n3,0x10\n", "hex.csv"),
               Contains("line 2, column 2: '0x10' is not a number"));
    CHECK_THAT(open_error("1,2\n1e999,4\n", "huge.csv"),
               Contains("line 2, column 1: '1e999' is outside the range"));
    CHECK_THAT(open_error("1,2\n" + std::string(100, 'z') + ",4\n", "long.csv"),
               Contains("...' (100 characters) is not a number"));
}

TEST_CASE("open_csv checks a trailing delimiter", "[csv]")
{
    CHECK(read_text("1,2,\n3,4,\n") == std::vector<double>{1, 2, 3, 4});
    CHECK_THAT(open_error("1,2,\n3,4\n", "first-only.csv"),
               Contains("line 2 has 2 fields, but the first data line has "
                        "3"));
    CHECK_THAT(open_error("1,2\n3,4,\n", "second-only.csv"),
               Contains("line 2 has 3 fields, but the first data line has "
                        "2"));
    CHECK_THAT(open_error("1,2,\n3,4,5\n", "filled.csv"),
               Contains("line 2, column 3: the first data line ends with a "
                        "delimiter"));
}

TEST_CASE("open_csv rejects empty and header-only files", "[csv]")
{
    TemporaryFolder folder;
    const std::string empty = folder.write("empty.csv", "");
    CHECK_THROWS_WITH(covdefl::io::open_csv(empty),
                      StartsWith(empty + ": no data rows"));
    CHECK_THAT(open_error("\n# only a comment\n\r\n", "comments.csv"),
               Contains(": no data rows"));
    CHECK_THAT(open_error("f1,f2,f3\n", "header-only.csv"),
               Contains(": no data rows"));
    CHECK_THAT(open_error("\xFF\xFE"
                          "1",
                          "utf16.csv"),
               Contains("UTF-16"));
    CHECK_THAT(open_error(std::string("1,2\n3,\0\n", 7), "binary.csv"),
               Contains("line 2 contains a NUL byte"));
    CHECK_THAT(open_error("1,2\n3,\x01\n", "control.csv"),
               Contains("column 2: '\\x01' is not a number"));
}

TEST_CASE("open_csv rejects a missing file", "[csv]")
{
    const std::string missing = csv_dir + "missing.csv";
    CHECK_THROWS_WITH(covdefl::io::open_csv(missing),
                      Contains("cannot open " + missing) &&
                          Contains("check the path"));
    CHECK_THROWS_WITH(covdefl::io::open_csv(csv_dir),
                      Contains("not a regular file"));
}

TEST_CASE("open_csv reads NaN and infinity", "[csv]")
{
    const std::vector<double> values =
        read_text("nan,NaN,NAN\ninf,-inf,+inf\nInfinity,-Infinity,-INF\n");
    REQUIRE(values.size() == 9);
    for (int j = 0; j < 3; ++j) {
        CHECK(std::isnan(values[j]));
    }
    constexpr double infinity = std::numeric_limits<double>::infinity();
    CHECK(values[3] == infinity);
    CHECK(values[4] == -infinity);
    CHECK(values[5] == infinity);
    CHECK(values[6] == infinity);
    CHECK(values[7] == -infinity);
    CHECK(values[8] == -infinity);
}

TEST_CASE("open_csv reads non-finite files", "[csv]")
{
    // Each file is the csv/matrix-5x3.csv matrix with row 3, column 2
    // (1-based) replaced.
    const auto clean = covdefl::io::open_csv(csv_dir + "matrix-5x3.csv");
    const std::vector<double> expected = read_all(*clean);
    REQUIRE(expected.size() == 15);
    constexpr std::size_t replaced = 2 * 3 + 1;

    const std::vector<std::pair<std::string, double>> files = {
        {"nonfinite-5x3-nan.csv", std::nan("")},
        {"nonfinite-5x3-nan-caps.csv", std::nan("")},
        {"nonfinite-5x3-inf.csv", std::numeric_limits<double>::infinity()},
        {"nonfinite-5x3-minus-infinity.csv",
         -std::numeric_limits<double>::infinity()},
    };
    for (const auto& [name, value] : files) {
        INFO(name);
        const auto source = covdefl::io::open_csv(csv_dir + name);
        REQUIRE(source->rows() == 5);
        REQUIRE(source->cols() == 3);
        const std::vector<double> values = read_all(*source);
        for (std::size_t i = 0; i < values.size(); ++i) {
            INFO("index " << i);
            if (i != replaced) {
                CHECK(values[i] == expected[i]);
            } else if (std::isnan(value)) {
                CHECK(std::isnan(values[i]));
            } else {
                CHECK(values[i] == value);
            }
        }
    }
}

TEST_CASE("open_csv reads rows in any order", "[csv]")
{
    const auto source =
        covdefl::io::open_csv(csv_dir + "matrix-4x3-comments-blank-lines.csv");
    std::vector<double> row(3);

    source->read_rows(2, 1, row.data());
    CHECK(row ==
          std::vector<double>(matrix_4x3.begin() + 6, matrix_4x3.begin() + 9));
    source->read_rows(3, 1, row.data());
    CHECK(row == std::vector<double>(matrix_4x3.begin() + 9, matrix_4x3.end()));
    // Going back re-opens the file.
    source->read_rows(0, 1, row.data());
    CHECK(row ==
          std::vector<double>(matrix_4x3.begin(), matrix_4x3.begin() + 3));

    std::vector<double> rows(6);
    source->read_rows(1, 2, rows.data());
    CHECK(rows ==
          std::vector<double>(matrix_4x3.begin() + 3, matrix_4x3.begin() + 9));
    source->read_rows(4, 0, rows.data());
    CHECK_THROWS_AS(source->read_rows(3, 2, rows.data()), std::out_of_range);
}

TEST_CASE("open_csv reports a file that shrank", "[csv]")
{
    TemporaryFolder folder;
    const std::string path = folder.write("data.csv", "1,2\n3,4\n5,6\n");
    const auto source = covdefl::io::open_csv(path);
    write_file(path, "1,2\n");
    std::vector<double> values(6);
    CHECK_THROWS_WITH(source->read_rows(0, 3, values.data()),
                      Contains("ended after 1 data rows, but it had 3"));
}

TEST_CASE("open_rows detects CSV names", "[csv]")
{
    CHECK(covdefl::io::open_rows(csv_dir + "matrix-4x3-header.csv", "auto")
              ->cols() == 3);
    CHECK(covdefl::io::open_rows(csv_dir + "matrix-4x3.tsv", "auto")->cols() ==
          3);
    TemporaryFolder folder;
    const std::string text = folder.write("matrix.txt", "1 2 3\n4 5 6\n");
    CHECK(covdefl::io::open_rows(text, "auto")->rows() == 2);
    const std::string other = folder.write("matrix.dat", "1,2\n");
    CHECK(covdefl::io::open_rows(other, "csv")->cols() == 2);
    CHECK_THROWS_WITH(covdefl::io::open_rows(other, "auto"),
                      Contains("--format npy|raw|idx|csv|mm"));
}
