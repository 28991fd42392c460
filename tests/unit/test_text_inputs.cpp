// Tests of the Matrix Market header parser and of the byte-range line
// reader behind the parallel text readers.

#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "covdefl/io.hpp"
#include "file_helpers.hpp"
#include "io/text_matrix.hpp"
#include "io/text_range.hpp"

namespace {

using Catch::Matchers::Contains;
using covdefl::InputError;
using covdefl::io::ByteRange;
using covdefl::io::MatrixMarketHeader;
using covdefl::io::parse_matrix_market_header;
using covdefl::io::split_byte_range;
using covdefl::io::TextRangeReader;
using covdefl::testing::TemporaryFolder;

MatrixMarketHeader parse(std::string_view text)
{
    return parse_matrix_market_header(text, "m.mtx");
}

// Returns the message of the InputError that the parser throws on `text`.
std::string header_error(std::string_view text)
{
    try {
        parse(text);
    } catch (const InputError& error) {
        return error.what();
    }
    FAIL("parse_matrix_market_header accepted: " << text);
    return {};
}

// Lines of `text` split at '\n' with a '\r' before it removed; no line
// after a final '\n'.
std::vector<std::string> split_lines(const std::string& text)
{
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string::npos) {
            end = text.size();
        }
        std::string line = text.substr(start, end - start);
        if (!line.empty() && line.back() == '\r') {
            line.pop_back();
        }
        lines.push_back(line);
        start = end + 1;
    }
    return lines;
}

// Reads the lines of `path` from data_begin on with `nranks` ranges and
// returns them in range order.
std::vector<std::string> read_by_ranges(const std::string& path,
                                        std::int64_t data_begin,
                                        std::int64_t size, int nranks,
                                        std::size_t chunk_bytes)
{
    std::vector<std::string> lines;
    for (int rank = 0; rank < nranks; ++rank) {
        const ByteRange range =
            split_byte_range(data_begin, size, rank, nranks);
        TextRangeReader reader(path, data_begin, range, chunk_bytes);
        std::string_view line;
        std::int64_t previous_start = -1;
        while (reader.next(line)) {
            CHECK(reader.line_start() >= range.begin);
            CHECK(reader.line_start() < range.end);
            CHECK(reader.line_start() > previous_start);
            previous_start = reader.line_start();
            lines.emplace_back(line);
        }
    }
    return lines;
}

}  // namespace

TEST_CASE("Matrix Market header of a coordinate file", "[mm]")
{
    const std::string text = "%%MatrixMarket matrix coordinate real general\n"
                             "% a comment\n"
                             "\n"
                             "  %  indented comment\n"
                             "3 4 5\n"
                             "1 1 2.5\n";
    const MatrixMarketHeader header = parse(text);
    CHECK(header.format == MatrixMarketHeader::Format::coordinate);
    CHECK(header.field == MatrixMarketHeader::Field::real);
    CHECK(header.symmetry == MatrixMarketHeader::Symmetry::general);
    CHECK(header.rows == 3);
    CHECK(header.cols == 4);
    CHECK(header.entries == 5);
    CHECK(header.header_lines == 5);
    CHECK(header.data_offset == text.find("1 1 2.5"));
}

TEST_CASE("Matrix Market header of an array file", "[mm]")
{
    const std::string banner = "%%MatrixMarket matrix array integer general";
    const MatrixMarketHeader general = parse(banner + "\r\n3 2\r\n1\r\n");
    CHECK(general.format == MatrixMarketHeader::Format::array);
    CHECK(general.field == MatrixMarketHeader::Field::integer);
    CHECK(general.entries == 6);
    CHECK(general.data_offset == banner.size() + 7);
    CHECK(general.header_lines == 2);

    // Without a final newline the data begin at the end of the text.
    const std::string text = "%%MatrixMarket MATRIX Array Real Symmetric\n4 4";
    const MatrixMarketHeader symmetric = parse(text);
    CHECK(symmetric.symmetry == MatrixMarketHeader::Symmetry::symmetric);
    CHECK(symmetric.entries == 10);
    CHECK(symmetric.data_offset == text.size());
}

TEST_CASE("Matrix Market header rejects unsupported fields", "[mm]")
{
    CHECK_THAT(header_error("%%MatrixMarket matrix coordinate pattern "
                            "general\n2 2 1\n"),
               Contains("line 1") && Contains("field 'pattern'") &&
                   Contains("not supported"));
    CHECK_THAT(header_error("%%MatrixMarket matrix array complex general\n"
                            "2 2\n"),
               Contains("field 'complex' is not supported"));
    CHECK_THAT(header_error("%%MatrixMarket matrix coordinate real "
                            "skew-symmetric\n3 3 2\n"),
               Contains("symmetry 'skew-symmetric' is not supported") &&
                   Contains("not symmetric"));
    CHECK_THAT(header_error("%%MatrixMarket matrix coordinate real "
                            "hermitian\n3 3 2\n"),
               Contains("symmetry 'hermitian' is not supported"));
    CHECK_THAT(header_error("%%MatrixMarket vector coordinate real general\n"
                            "3 3 2\n"),
               Contains("object 'vector' is not supported"));
    CHECK_THAT(header_error("%%MatrixMarket matrix sparse real general\n"
                            "3 3 2\n"),
               Contains("format 'sparse' is invalid"));
    CHECK_THAT(header_error("%%MatrixMarket matrix array real upper\n3 3\n"),
               Contains("symmetry 'upper' is invalid"));
}

TEST_CASE("Matrix Market header rejects a bad banner", "[mm]")
{
    CHECK_THAT(header_error(""), Contains("m.mtx is empty"));
    CHECK_THAT(header_error("1 2 3\n"),
               Contains("line 1 does not start with %%MatrixMarket"));
    CHECK_THAT(header_error("%%MatrixMarket matrix array real\n2 2\n"),
               Contains("line 1 has 4 words"));
}

TEST_CASE("Matrix Market header rejects a bad size line", "[mm]")
{
    CHECK_THAT(header_error("%%MatrixMarket matrix array real general\n% c\n"),
               Contains("the file ends after line 2 without a size line"));
    CHECK_THAT(header_error("%%MatrixMarket matrix coordinate real general\n"
                            "2 2\n"),
               Contains("line 2 (the size line)") &&
                   Contains("'ROWS COLS ENTRIES'") && Contains("has 2 words"));
    CHECK_THAT(header_error("%%MatrixMarket matrix array real general\n"
                            "% c\n2 2 4\n"),
               Contains("line 3 (the size line)") && Contains("'ROWS COLS'"));
    CHECK_THAT(header_error("%%MatrixMarket matrix array real general\n"
                            "0 2\n"),
               Contains("the row count '0' is not an integer of at least 1"));
    CHECK_THAT(header_error("%%MatrixMarket matrix array real general\n"
                            "2 x\n"),
               Contains("the column count 'x'"));
    CHECK_THAT(header_error("%%MatrixMarket matrix coordinate real general\n"
                            "2 2 -1\n"),
               Contains("the entry count '-1'"));
    CHECK_THAT(header_error("%%MatrixMarket matrix array real symmetric\n"
                            "2 3\n"),
               Contains("a symmetric matrix must be square, but it is 2 x 3"));
    CHECK_THAT(header_error("%%MatrixMarket matrix coordinate real general\n"
                            "2 2 5\n"),
               Contains("the entry count 5 exceeds the 4 positions"));
    CHECK_THAT(header_error("%%MatrixMarket matrix coordinate real symmetric\n"
                            "2 2 4\n"),
               Contains("exceeds the 3 positions of the lower triangle"));
    CHECK_THAT(header_error("%%MatrixMarket matrix array real general\n"
                            "4294967296 4294967296\n"),
               Contains("overflows 64 bits"));
}

TEST_CASE("Matrix Market header on cut and random text", "[mm]")
{
    // Every prefix of a valid header, and random text, either parses or
    // throws InputError; any other exception fails the test.
    const std::string text = "%%MatrixMarket matrix coordinate real general\n"
                             "% comment\n"
                             "12 34 56\n";
    // A prefix that ends inside the entry count "56" gives the count 5.
    const std::size_t count_start = text.size() - 3;
    for (std::size_t length = 0; length <= text.size(); ++length) {
        INFO("prefix of " << length << " bytes");
        const std::string_view prefix(text.data(), length);
        if (length == count_start + 1) {
            CHECK(parse(prefix).entries == 5);
        } else if (length > count_start + 1) {
            CHECK(parse(prefix).entries == 56);
        } else {
            CHECK_THROWS_AS(parse(prefix), InputError);
        }
    }

    // Random text after the start of a banner, from a linear congruential
    // generator over bytes that the parser treats specially.
    const std::string_view alphabet = "0 9-%\n\r\tarycoxe\xff";
    std::uint64_t state = 12345;
    for (int trial = 0; trial < 2000; ++trial) {
        std::string bytes = "%%MatrixMarket matrix ";
        const int count = trial % 40;
        for (int k = 0; k < count; ++k) {
            state = state * 6364136223846793005ULL + 1442695040888963407ULL;
            bytes += alphabet[(state >> 33) % alphabet.size()];
        }
        INFO("trial " << trial);
        try {
            parse(bytes);
        } catch (const InputError&) {
        }
    }
}

TEST_CASE("byte ranges cover the data once", "[text-range]")
{
    for (const std::int64_t begin : {0, 7}) {
        for (const std::int64_t end : {begin, begin + 1, begin + 10}) {
            for (int nranks = 1; nranks <= 5; ++nranks) {
                INFO(begin << ".." << end << " on " << nranks << " ranks");
                std::int64_t expected_begin = begin;
                for (int rank = 0; rank < nranks; ++rank) {
                    const ByteRange range =
                        split_byte_range(begin, end, rank, nranks);
                    CHECK(range.begin == expected_begin);
                    CHECK(range.begin == begin + (end - begin) * rank / nranks);
                    CHECK(range.end >= range.begin);
                    expected_begin = range.end;
                }
                CHECK(expected_begin == end);
            }
        }
    }
}

TEST_CASE("byte ranges give every line once", "[text-range]")
{
    const std::string long_line(100, 'x');
    const std::vector<std::string> texts = {
        "",
        "\n",
        "a",
        "a\nb",
        "a\nb\n",
        "\n\n\n",
        "one\r\ntwo\r\n\r\nthree\n",
        "1,2\n" + long_line + "\n3,4\n\n" + long_line,
    };
    TemporaryFolder folder;
    for (const std::string& text : texts) {
        const std::string path = folder.write("lines.txt", text);
        const std::vector<std::string> expected = split_lines(text);
        for (int nranks = 1; nranks <= 6; ++nranks) {
            for (const std::size_t chunk : {1, 2, 3, 7, 64, 4096}) {
                INFO("text '" << text << "', " << nranks << " ranks, chunk "
                              << chunk);
                CHECK(read_by_ranges(path, 0,
                                     static_cast<std::int64_t>(text.size()),
                                     nranks, chunk) == expected);
            }
        }
    }
}

TEST_CASE("byte ranges start at the data offset", "[text-range]")
{
    // A header line of 7 bytes. With the data offset inside it, as after a
    // byte-order mark, the byte before the data is not a '\n'.
    TemporaryFolder folder;
    const std::string text = "header\nx\ny\nz";
    const std::string path = folder.write("lines.txt", text);
    for (int nranks = 1; nranks <= 8; ++nranks) {
        for (const std::size_t chunk : {1, 4, 64}) {
            INFO(nranks << " ranks, chunk " << chunk);
            CHECK(read_by_ranges(path, 7, 12, nranks, chunk) ==
                  std::vector<std::string>{"x", "y", "z"});
            CHECK(read_by_ranges(path, 3, 12, nranks, chunk) ==
                  std::vector<std::string>{"der", "x", "y", "z"});
        }
    }
}

TEST_CASE("byte range reader rejects a missing file", "[text-range]")
{
    CHECK_THROWS_WITH(TextRangeReader("/nonexistent/lines.txt", 0, {0, 1}),
                      Contains("cannot open /nonexistent/lines.txt"));
}

TEST_CASE("row store keeps rows across blocks", "[text-range]")
{
    // 400000 columns leave 2 rows per 2^20-double block, so 7 rows take 4
    // blocks.
    const std::int64_t cols = 400000;
    covdefl::io::RowStore store(cols);
    for (int r = 0; r < 7; ++r) {
        double* row = store.append_row();
        row[0] = r;
        row[cols - 1] = -r;
    }
    REQUIRE(store.rows() == 7);
    for (int r = 0; r < 7; ++r) {
        INFO("row " << r);
        CHECK(store.row(r)[0] == r);
        CHECK(store.row(r)[cols - 1] == -r);
    }
    store.clear();
    CHECK(store.rows() == 0);
}
