// Fuzzes the delimited text reader. Each input is scanned by scan_csv_text
// twice: with the default options that the command line uses, and with
// options picked by a hash of the input. When a scan succeeds, the text is
// also opened with open_csv from a file in memory and all its rows are read,
// which must succeed with the same shape, because the scan already converted
// every field. An InputError from a scan is an expected outcome. Any other
// exception, a sanitizer report or a broken invariant is a crash.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "covdefl/io.hpp"
#include "fuzz_support.hpp"

namespace {

using covdefl::io::CsvOptions;
using covdefl::io::CsvShape;

// Delimiters and comment characters to try, including ones the reader must
// reject ('"', '\n', and the comment character itself).
constexpr char delimiter_choices[] = {'\0', ',', '\t', ';', ' ',
                                      '|',  '"', '\n', '#'};
constexpr char comment_choices[] = {'#', '\0', '%', ','};
constexpr CsvOptions::Header header_choices[] = {CsvOptions::Header::detect,
                                                 CsvOptions::Header::present,
                                                 CsvOptions::Header::absent};

// Picks non-default options from an FNV-1a hash of the input, so that the
// text itself stays a plain file that the seed corpus can supply.
CsvOptions pick_options(std::string_view text)
{
    std::uint64_t hash = 0xcbf29ce484222325;
    for (const char c : text) {
        hash = (hash ^ static_cast<unsigned char>(c)) * 0x100000001b3;
    }
    CsvOptions options;
    options.delimiter = delimiter_choices[hash % std::size(delimiter_choices)];
    hash /= std::size(delimiter_choices);
    options.comment = comment_choices[hash % std::size(comment_choices)];
    hash /= std::size(comment_choices);
    options.header = header_choices[hash % std::size(header_choices)];
    return options;
}

// Scans `text` with `options`, checks the shape and reads the same text
// through open_csv.
void check_scan(std::string_view text, const CsvOptions& options)
{
    CsvShape shape;
    try {
        shape = covdefl::io::scan_csv_text(text, "fuzz.csv", options);
    } catch (const covdefl::Error&) {
        return;
    }

    COVDEFL_FUZZ_CHECK(shape.rows >= 1);
    COVDEFL_FUZZ_CHECK(shape.cols >= 1);
    // Every value takes at least one byte of the text.
    std::int64_t values = 0;
    COVDEFL_FUZZ_CHECK(
        !__builtin_mul_overflow(shape.rows, shape.cols, &values));
    COVDEFL_FUZZ_CHECK(static_cast<std::uint64_t>(values) <= text.size());
    if (options.delimiter != '\0') {
        COVDEFL_FUZZ_CHECK(shape.delimiter == options.delimiter);
    } else {
        COVDEFL_FUZZ_CHECK(shape.delimiter == ',' || shape.delimiter == '\t' ||
                           shape.delimiter == ';' || shape.delimiter == ' ');
    }
    COVDEFL_FUZZ_CHECK(!(shape.delimiter == ' ' && shape.trailing_delimiter));
    if (options.header == CsvOptions::Header::present) {
        COVDEFL_FUZZ_CHECK(shape.has_header);
    }
    if (options.header == CsvOptions::Header::absent) {
        COVDEFL_FUZZ_CHECK(!shape.has_header);
    }

    // The file reader must agree with the scan and read every row without
    // an error: any exception escapes and is reported as a crash.
    const covdefl::fuzz::MemoryFile file(
        reinterpret_cast<const unsigned char*>(text.data()), text.size());
    const auto source = covdefl::io::open_csv(file.path(), options);
    COVDEFL_FUZZ_CHECK(source->rows() == shape.rows);
    COVDEFL_FUZZ_CHECK(source->cols() == shape.cols);
    std::vector<double> rows(static_cast<std::size_t>(values));
    source->read_rows(0, shape.rows, rows.data());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size)
{
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    check_scan(text, CsvOptions{});
    check_scan(text, pick_options(text));
    return 0;
}
