// Tests of scan_csv_text, the in-memory scan of delimited text.

#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "covdefl/io.hpp"

namespace {

using Catch::Matchers::Contains;
using Catch::Matchers::Equals;
using covdefl::InputError;
using covdefl::io::CsvOptions;
using covdefl::io::scan_csv_text;

const std::string csv_dir = std::string(COVDEFL_TEST_DATA) + "/csv/";

}  // namespace

TEST_CASE("scan_csv_text agrees with open_csv", "[csv]")
{
    const std::vector<std::string> names = {
        "matrix-4x3-plain.csv",
        "matrix-4x3-header.csv",
        "matrix-4x3-header-crlf.csv",
        "matrix-4x3-header-bom.csv",
        "matrix-4x3-trailing-comma.csv",
        "matrix-4x3-comments-blank-lines.csv",
        "matrix-4x3-spaces.csv",
        "matrix-4x3-no-final-newline.csv",
        "matrix-4x3-quoted-header.csv",
        "matrix-4x3.tsv",
        "matrix-5x3.csv",
    };
    for (const std::string& name : names) {
        INFO(name);
        const std::string text = [&] {
            std::ifstream in(csv_dir + name, std::ios::binary);
            return std::string(std::istreambuf_iterator<char>(in), {});
        }();
        REQUIRE_FALSE(text.empty());
        const auto source = covdefl::io::open_csv(csv_dir + name);
        const auto shape = scan_csv_text(text, name);
        CHECK(shape.rows == source->rows());
        CHECK(shape.cols == source->cols());
    }
}

TEST_CASE("scan_csv_text reports the dialect", "[csv]")
{
    const auto header = scan_csv_text("a;b\n1;2\n3;4\n", "header.csv");
    CHECK(header.delimiter == ';');
    CHECK(header.has_header);
    CHECK_FALSE(header.trailing_delimiter);
    CHECK(header.rows == 2);
    CHECK(header.cols == 2);

    const auto trailing = scan_csv_text("1,2,\n3,4,", "trailing.csv");
    CHECK(trailing.delimiter == ',');
    CHECK_FALSE(trailing.has_header);
    CHECK(trailing.trailing_delimiter);
    CHECK(trailing.rows == 2);
    CHECK(trailing.cols == 2);

    const auto spaces = scan_csv_text("1 2 3\n", "spaces.txt");
    CHECK(spaces.delimiter == ' ');
    CHECK(spaces.cols == 3);
}

TEST_CASE("scan_csv_text names the text in errors", "[csv]")
{
    CHECK_THROWS_AS(scan_csv_text("1,2\n3\n", "ragged.csv"), InputError);
    CHECK_THROWS_WITH(scan_csv_text("1,2\n3,x\n", "memory.csv"),
                      Equals("memory.csv: line 2, column 2: 'x' is not a "
                             "number"));
    CHECK_THROWS_WITH(scan_csv_text("", "empty.csv"),
                      Contains("empty.csv: no data rows"));
    CsvOptions options;
    options.delimiter = '"';
    CHECK_THROWS_WITH(scan_csv_text("1\n", "quote.csv", options),
                      Contains("invalid delimiter"));
}
