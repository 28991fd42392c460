// Matrix Market header parser: no MPI and no file access, so that a fuzzer
// can call it on any bytes.

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>

#include "covdefl/io.hpp"

namespace covdefl::io {

namespace {

constexpr std::string_view banner = "%%MatrixMarket";

std::vector<std::string_view> split_words(std::string_view line)
{
    std::vector<std::string_view> words;
    std::size_t pos = 0;
    while (pos < line.size()) {
        const std::size_t start = line.find_first_not_of(" \t", pos);
        if (start == std::string_view::npos) {
            break;
        }
        std::size_t end = line.find_first_of(" \t", start);
        end = std::min(end, line.size());
        words.push_back(line.substr(start, end - start));
        pos = end;
    }
    return words;
}

std::string lower_case(std::string_view word)
{
    std::string lower(word);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    return lower;
}

// Returns `word` in single quotes for a message, cut to 40 characters and
// with control characters replaced by '?'.
std::string quote_word(std::string_view word)
{
    std::string quoted = "'";
    for (const char c : word.substr(0, 40)) {
        quoted += std::iscntrl(static_cast<unsigned char>(c)) ? '?' : c;
    }
    return quoted + (word.size() > 40 ? "...'" : "'");
}

// Splits `text` into lines, each without its '\n' and a '\r' before it.
class LineCursor {
public:
    explicit LineCursor(std::string_view text) : text_(text) {}

    bool next(std::string_view& line)
    {
        if (offset_ >= text_.size()) {
            return false;
        }
        const std::size_t newline = text_.find('\n', offset_);
        const std::size_t end =
            newline == std::string_view::npos ? text_.size() : newline;
        line = text_.substr(offset_, end - offset_);
        if (line.ends_with('\r')) {
            line.remove_suffix(1);
        }
        offset_ = newline == std::string_view::npos ? text_.size() : end + 1;
        ++line_number_;
        return true;
    }

    std::size_t offset() const { return offset_; }
    std::int64_t line_number() const { return line_number_; }

private:
    std::string_view text_;
    std::size_t offset_ = 0;
    std::int64_t line_number_ = 0;
};

void parse_banner(std::string_view line, const std::string& path,
                  MatrixMarketHeader& header)
{
    const std::string expected =
        "the first line must be '%%MatrixMarket matrix coordinate|array "
        "real|integer general|symmetric'";
    const std::vector<std::string_view> words = split_words(line);
    if (words.empty() || lower_case(words[0]) != lower_case(banner)) {
        throw InputError(path + ": line 1 does not start with " +
                         std::string(banner) +
                         ", so it is not a Matrix "
                         "Market file; " +
                         expected);
    }
    if (words.size() != 5) {
        throw InputError(path + ": line 1 has " + std::to_string(words.size()) +
                         " words, but " + expected);
    }
    const std::string object = lower_case(words[1]);
    const std::string format = lower_case(words[2]);
    const std::string field = lower_case(words[3]);
    const std::string symmetry = lower_case(words[4]);
    const std::string where = path + ": line 1: Matrix Market ";

    if (object != "matrix") {
        throw InputError(where + "object " + quote_word(words[1]) +
                         " is not supported; covdefl reads 'matrix' files");
    }

    if (format == "coordinate") {
        header.format = MatrixMarketHeader::Format::coordinate;
    } else if (format == "array") {
        header.format = MatrixMarketHeader::Format::array;
    } else {
        throw InputError(where + "format " + quote_word(words[2]) +
                         " is invalid; expected coordinate or array");
    }

    if (field == "real" || field == "double") {
        header.field = MatrixMarketHeader::Field::real;
    } else if (field == "integer") {
        header.field = MatrixMarketHeader::Field::integer;
    } else if (field == "pattern") {
        throw InputError(where +
                         "field 'pattern' is not supported: a pattern file "
                         "gives positions without values; write the values "
                         "as a real or integer file");
    } else if (field == "complex") {
        throw InputError(where +
                         "field 'complex' is not supported: covdefl reads "
                         "real matrices only; write a real or integer file");
    } else {
        throw InputError(where + "field " + quote_word(words[3]) +
                         " is invalid; expected real or integer");
    }

    if (symmetry == "general") {
        header.symmetry = MatrixMarketHeader::Symmetry::general;
    } else if (symmetry == "symmetric") {
        header.symmetry = MatrixMarketHeader::Symmetry::symmetric;
    } else if (symmetry == "skew-symmetric") {
        throw InputError(where +
                         "symmetry 'skew-symmetric' is not supported: a "
                         "skew-symmetric matrix (A = -Aᵀ) is not symmetric, "
                         "so it is not a covariance; store a data matrix as "
                         "'general'");
    } else if (symmetry == "hermitian") {
        throw InputError(where +
                         "symmetry 'hermitian' is not supported: it applies "
                         "to complex matrices, and covdefl reads real ones; "
                         "use general or symmetric");
    } else {
        throw InputError(where + "symmetry " + quote_word(words[4]) +
                         " is invalid; expected general or symmetric");
    }
}

// Parses a decimal integer in [minimum, 2^63), naming `what` in the error.
std::int64_t parse_size(std::string_view word, std::int64_t minimum,
                        const char* what, const std::string& where)
{
    std::int64_t value = 0;
    const char* end = word.data() + word.size();
    const auto [ptr, error] = std::from_chars(word.data(), end, value);
    if (error != std::errc{} || ptr != end || value < minimum) {
        throw InputError(where + what + " " + quote_word(word) +
                         " is not an integer of at least " +
                         std::to_string(minimum));
    }
    return value;
}

void parse_size_line(std::string_view line, std::int64_t line_number,
                     const std::string& path, MatrixMarketHeader& header)
{
    const bool coordinate =
        header.format == MatrixMarketHeader::Format::coordinate;
    const std::string where =
        path + ": line " + std::to_string(line_number) + " (the size line): ";
    const std::vector<std::string_view> words = split_words(line);
    const std::size_t expected_words = coordinate ? 3 : 2;
    if (words.size() != expected_words) {
        throw InputError(where + "expected " +
                         (coordinate ? std::string("'ROWS COLS ENTRIES'")
                                     : std::string("'ROWS COLS'")) +
                         " for a " + (coordinate ? "coordinate" : "array") +
                         " file, but it has " + std::to_string(words.size()) +
                         " words");
    }
    header.rows = parse_size(words[0], 1, "the row count", where);
    header.cols = parse_size(words[1], 1, "the column count", where);
    const bool symmetric =
        header.symmetry == MatrixMarketHeader::Symmetry::symmetric;
    if (symmetric && header.rows != header.cols) {
        throw InputError(where +
                         "a symmetric matrix must be square, but it "
                         "is " +
                         std::to_string(header.rows) + " x " +
                         std::to_string(header.cols));
    }

    // Positions a file may list: every entry, or one triangle with the
    // diagonal for symmetric storage.
    const std::uint64_t rows = static_cast<std::uint64_t>(header.rows);
    const std::uint64_t positions =
        symmetric
            ? checked_multiply(rows, rows + 1, "the matrix size") / 2
            : checked_multiply(rows, static_cast<std::uint64_t>(header.cols),
                               "the matrix size");
    if (positions >
        static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        throw InputError(where + "the matrix has more than 2^63 entries");
    }
    if (!coordinate) {
        header.entries = static_cast<std::int64_t>(positions);
        return;
    }
    header.entries = parse_size(words[2], 0, "the entry count", where);
    if (static_cast<std::uint64_t>(header.entries) > positions) {
        throw InputError(
            where + "the entry count " + std::to_string(header.entries) +
            " exceeds the " + std::to_string(positions) +
            (symmetric ? " positions of the lower triangle" : " positions") +
            " of a " + std::to_string(header.rows) + " x " +
            std::to_string(header.cols) + " matrix");
    }
}

}  // namespace

MatrixMarketHeader parse_matrix_market_header(std::string_view text,
                                              const std::string& path)
{
    MatrixMarketHeader header;
    LineCursor cursor(text);
    std::string_view line;
    if (!cursor.next(line)) {
        throw InputError(path + " is empty; a Matrix Market file starts with "
                                "a %%MatrixMarket line");
    }
    parse_banner(line, path, header);

    while (cursor.next(line)) {
        const std::size_t first = line.find_first_not_of(" \t");
        if (first == std::string_view::npos || line[first] == '%') {
            continue;
        }
        parse_size_line(line, cursor.line_number(), path, header);
        header.data_offset = cursor.offset();
        header.header_lines = cursor.line_number();
        return header;
    }
    throw InputError(path + ": the file ends after line " +
                     std::to_string(cursor.line_number()) +
                     " without a size line; a Matrix Market file gives "
                     "'ROWS COLS ENTRIES' (coordinate) or 'ROWS COLS' (array) "
                     "after its comments");
}

}  // namespace covdefl::io
