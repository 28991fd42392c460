// Reader for delimited text: one sample per line, numeric fields separated
// by a comma, tab, semicolon or whitespace. open_csv streams through the
// file once to find the dialect and the shape and to validate every line.
// read_rows streams through it again and converts only the requested rows,
// so memory use is one line plus the rows requested.

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "covdefl/io.hpp"

namespace covdefl::io {
namespace {

// Buffer of the std::ifstream that reads the file line by line.
constexpr std::size_t read_buffer_bytes = 1 << 20;

// Maximum length of field text quoted in an error message. Longer text is cut,
// so a binary file read as text still gives a one-line message.
constexpr std::size_t max_quoted_field_chars = 40;

// Delimiter value that means runs of spaces and tabs.
constexpr char whitespace_delimiter = ' ';

constexpr std::string_view utf8_bom = "\xEF\xBB\xBF";

// One field of a line: the text between delimiters with the surrounding
// spaces removed, or the text inside double quotes (with any "" escapes
// left as they are, because a field that contains them is never a number).
struct Field {
    std::string_view text;
    bool quoted = false;
};

bool is_space_or_tab(char c)
{
    return c == ' ' || c == '\t';
}

std::string_view trim(std::string_view text)
{
    while (!text.empty() && is_space_or_tab(text.front())) {
        text.remove_prefix(1);
    }
    while (!text.empty() && is_space_or_tab(text.back())) {
        text.remove_suffix(1);
    }
    return text;
}

// Returns `text` in single quotes for a message, cut to
// max_quoted_field_chars and with control characters written as \xNN.
std::string quote_field(std::string_view text)
{
    const std::size_t size = text.size();
    std::string quoted = "'";
    for (const char c : text.substr(0, max_quoted_field_chars)) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7F) {
            char escape[8];
            std::snprintf(escape, sizeof escape, "\\x%02X", byte);
            quoted += escape;
        } else {
            quoted += c;
        }
    }
    if (size > max_quoted_field_chars) {
        return quoted + "...' (" + std::to_string(size) + " characters)";
    }
    return quoted + "'";
}

std::string describe_delimiter(char delimiter)
{
    switch (delimiter) {
    case whitespace_delimiter:
        return "whitespace";
    case '\t':
        return "tab";
    default:
        return std::string("'") + delimiter + "'";
    }
}

// Parses `text` as a double, accepting what std::from_chars accepts
// (including nan, inf and infinity in any case) plus a leading '+'.
std::errc parse_double(std::string_view text, double& value)
{
    if (text.size() > 1 && text.front() == '+' && text[1] != '-') {
        text.remove_prefix(1);
    }
    const char* end = text.data() + text.size();
    const auto [ptr, error] = std::from_chars(text.data(), end, value);
    if (error != std::errc{}) {
        return error;
    }
    return ptr == end ? std::errc{} : std::errc::invalid_argument;
}

// Splits lines into fields and converts them, throwing InputError with the
// path, the 1-based line number and, for a field, its 1-based column.
class LineSplitter {
public:
    explicit LineSplitter(std::string path) : path_(std::move(path)) {}

    // Splits `line` into `fields`. A space delimiter splits at runs of spaces
    // and tabs, and any other delimiter at each occurrence, so "1,,3" has an
    // empty second field. A double quote at the start of a field opens a
    // quoted field, which may contain the delimiter and must close on the
    // same line.
    void split(std::string_view line, char delimiter, std::int64_t line_number,
               std::vector<Field>& fields) const
    {
        fields.clear();
        const bool whitespace = delimiter == whitespace_delimiter;
        std::size_t pos = 0;
        for (;;) {
            pos = skip_blanks(line, pos, delimiter);
            if (whitespace && pos == line.size()) {
                return;
            }
            Field field;
            if (pos < line.size() && line[pos] == '"') {
                pos = read_quoted(line, pos, line_number, fields.size() + 1,
                                  field);
                pos = skip_blanks(line, pos, delimiter);
                const bool at_separator =
                    pos == line.size() || line[pos] == delimiter ||
                    (whitespace && is_space_or_tab(line[pos - 1]));
                if (!at_separator) {
                    fail(line_number, fields.size() + 1,
                         "text follows the closing quote of a quoted field");
                }
            } else {
                std::size_t end = whitespace ? line.find_first_of(" \t", pos)
                                             : line.find(delimiter, pos);
                end = std::min(end, line.size());
                field.text = trim(line.substr(pos, end - pos));
                pos = end;
            }
            fields.push_back(field);
            if (!whitespace) {
                if (pos == line.size()) {
                    return;
                }
                ++pos;  // the delimiter
            }
        }
    }

    // Converts `fields` to `cols` doubles in `out`. With
    // `trailing_delimiter`, the line must end with a delimiter, so it has
    // cols + 1 fields and the last one is empty.
    void convert(const std::vector<Field>& fields, std::int64_t cols,
                 bool trailing_delimiter, std::int64_t line_number,
                 double* out) const
    {
        const auto expected_fields =
            static_cast<std::size_t>(cols + (trailing_delimiter ? 1 : 0));
        if (fields.size() != expected_fields) {
            throw InputError(path_ + ": line " + std::to_string(line_number) +
                             " has " + std::to_string(fields.size()) +
                             " fields, but the first data line has " +
                             std::to_string(expected_fields) +
                             "; every row must have the same number of "
                             "fields");
        }
        if (trailing_delimiter && !is_empty_field(fields.back())) {
            fail(line_number, fields.size(),
                 "the first data line ends with a delimiter, so this last "
                 "field must be empty too, but it is " +
                     quote_field(fields.back().text));
        }
        for (std::size_t j = 0; j < static_cast<std::size_t>(cols); ++j) {
            const std::errc error = parse_double(fields[j].text, out[j]);
            if (error == std::errc::result_out_of_range) {
                fail(line_number, j + 1,
                     quote_field(fields[j].text) +
                         " is outside the range of a double");
            }
            if (error != std::errc{}) {
                fail(line_number, j + 1,
                     quote_field(fields[j].text) + " is not a number");
            }
        }
    }

    [[noreturn]] void fail(std::int64_t line_number, std::size_t column,
                           const std::string& problem) const
    {
        throw InputError(path_ + ": line " + std::to_string(line_number) +
                         ", column " + std::to_string(column) + ": " + problem);
    }

private:
    static bool is_empty_field(const Field& field)
    {
        return field.text.empty() && !field.quoted;
    }

    // Skips spaces and tabs that are not the delimiter.
    static std::size_t skip_blanks(std::string_view line, std::size_t pos,
                                   char delimiter)
    {
        while (pos < line.size() && is_space_or_tab(line[pos]) &&
               (line[pos] != delimiter || delimiter == whitespace_delimiter)) {
            ++pos;
        }
        return pos;
    }

    // Reads the quoted field that opens at `line[open]` into `field` and
    // returns the position after its closing quote. Inside the quotes, ""
    // is an escaped quote.
    std::size_t read_quoted(std::string_view line, std::size_t open,
                            std::int64_t line_number, std::size_t column,
                            Field& field) const
    {
        for (std::size_t pos = open + 1; pos < line.size(); ++pos) {
            if (line[pos] != '"') {
                continue;
            }
            if (pos + 1 < line.size() && line[pos + 1] == '"') {
                ++pos;
                continue;
            }
            field.text = trim(line.substr(open + 1, pos - open - 1));
            field.quoted = true;
            return pos + 1;
        }
        fail(line_number, column,
             "a quoted field has no closing quote (quoted fields must end "
             "on the line where they start)");
    }

    std::string path_;
};

// Reads the lines of a text file that are neither blank nor comments,
// through a large buffer, counting every physical line.
class LineReader {
public:
    LineReader(const std::string& path, char comment)
        : path_(path)
        , comment_(comment)
        , buffer_(read_buffer_bytes)
    {
        std::error_code error;
        if (!std::filesystem::is_regular_file(path, error)) {
            const std::string reason =
                error ? error.message() : "not a regular file";
            throw InputError("cannot open " + path + ": " + reason +
                             "; check the path");
        }
        // The buffer must be set before the file is opened to take effect.
        file_.rdbuf()->pubsetbuf(buffer_.data(),
                                 static_cast<std::streamsize>(buffer_.size()));
        file_.open(path, std::ios::binary);
        if (!file_) {
            throw InputError("cannot open " + path + ": " +
                             std::strerror(errno) + "; check the path");
        }
    }

    // Stores the next line that is not blank and not a comment in `line`,
    // without its line end. Returns false at the end of the file.
    // NOTE: a whole line is read into memory, so a large file without
    // newlines (a binary file, say) is read in full before it is rejected.
    bool next(std::string_view& line)
    {
        while (std::getline(file_, text_)) {
            ++line_number_;
            std::string_view view = text_;
            if (line_number_ == 1) {
                reject_utf16(view);
                if (view.starts_with(utf8_bom)) {
                    view.remove_prefix(utf8_bom.size());
                }
            }
            if (view.ends_with('\r')) {
                view.remove_suffix(1);
            }
            const std::string_view content = trim(view);
            if (content.empty() ||
                (comment_ != '\0' && content.front() == comment_)) {
                continue;
            }
            if (view.find('\0') != std::string_view::npos) {
                throw InputError(path_ + ": line " +
                                 std::to_string(line_number_) +
                                 " contains a NUL byte, so the file is not "
                                 "text; check the path and the format");
            }
            line = view;
            return true;
        }
        if (file_.bad()) {
            throw InputError("reading " + path_ + " failed after line " +
                             std::to_string(line_number_) +
                             " (an I/O error); check the file and the disk");
        }
        return false;
    }

    // 1-based number of the line last returned by next().
    std::int64_t line_number() const { return line_number_; }

private:
    void reject_utf16(std::string_view first_line) const
    {
        if (first_line.starts_with("\xFF\xFE") ||
            first_line.starts_with("\xFE\xFF")) {
            throw InputError(path_ + " starts with a UTF-16 byte-order mark; "
                                     "save the file as UTF-8 or ASCII text");
        }
    }

    std::string path_;
    char comment_;
    std::vector<char> buffer_;
    std::ifstream file_;
    std::string text_;
    std::int64_t line_number_ = 0;
};

// Returns the most frequent of comma, tab and semicolon outside double
// quotes in `line` (ties go in that order), or the whitespace delimiter
// when none of them occurs.
char detect_delimiter(std::string_view line)
{
    constexpr char candidates[] = {',', '\t', ';'};
    std::size_t counts[std::size(candidates)] = {};
    bool in_quotes = false;
    for (const char c : line) {
        if (c == '"') {
            in_quotes = !in_quotes;
            continue;
        }
        for (std::size_t i = 0; i < std::size(candidates); ++i) {
            if (!in_quotes && c == candidates[i]) {
                ++counts[i];
            }
        }
    }
    const std::size_t best = static_cast<std::size_t>(
        std::max_element(std::begin(counts), std::end(counts)) -
        std::begin(counts));
    return counts[best] > 0 ? candidates[best] : whitespace_delimiter;
}

// Returns whether a field of `fields` is neither empty nor a number, which
// makes the line a header. Empty fields do not count, so that a data line
// with a missing value or a trailing delimiter is reported as data.
bool has_text_field(const std::vector<Field>& fields)
{
    double ignored = 0;
    return std::any_of(fields.begin(), fields.end(), [&](const Field& field) {
        const std::errc error = parse_double(field.text, ignored);
        return !field.text.empty() && error != std::errc{} &&
               error != std::errc::result_out_of_range;
    });
}

// Dialect and shape of a file, found by the scan in open_csv.
struct CsvLayout {
    char delimiter = whitespace_delimiter;
    bool has_header = false;
    // Whether every data line ends with a delimiter, whose empty field is
    // not a column.
    bool trailing_delimiter = false;
    std::int64_t rows = 0;
    std::int64_t cols = 0;
};

// Rows of a delimited text file, converted while the file is read forward.
class CsvRowSource final : public RowSource {
public:
    CsvRowSource(std::string path, char comment, const CsvLayout& layout)
        : path_(std::move(path))
        , comment_(comment)
        , layout_(layout)
        , splitter_(path_)
    {
    }

    std::int64_t rows() const override { return layout_.rows; }
    std::int64_t cols() const override { return layout_.cols; }

    void read_rows(std::int64_t first, std::int64_t count, double* out) override
    {
        if (first < 0 || count < 0 || count > layout_.rows - first) {
            throw std::out_of_range(
                "read_rows: " + std::to_string(count) + " rows from row " +
                std::to_string(first) + " are outside the " +
                std::to_string(layout_.rows) + " rows of " + path_);
        }
        // A text file has no row offsets, so going back means reading from
        // the start again.
        if (!reader_ || first < next_row_) {
            reader_ = std::make_unique<LineReader>(path_, comment_);
            next_row_ = 0;
            header_pending_ = layout_.has_header;
        }

        std::string_view line;
        while (next_row_ < first + count) {
            if (!reader_->next(line)) {
                throw InputError(
                    path_ + " ended after " + std::to_string(next_row_) +
                    " data rows, but it had " + std::to_string(layout_.rows) +
                    " when it was opened; the file changed while it was "
                    "read, so run again on a file that does not change");
            }
            if (header_pending_) {
                header_pending_ = false;
                continue;
            }
            if (next_row_ >= first) {
                splitter_.split(line, layout_.delimiter, reader_->line_number(),
                                fields_);
                splitter_.convert(fields_, layout_.cols,
                                  layout_.trailing_delimiter,
                                  reader_->line_number(),
                                  out + (next_row_ - first) * layout_.cols);
            }
            ++next_row_;
        }
    }

private:
    std::string path_;
    char comment_;
    CsvLayout layout_;
    LineSplitter splitter_;
    std::unique_ptr<LineReader> reader_;
    std::int64_t next_row_ = 0;  // index of the row on the next data line
    bool header_pending_ = false;
    std::vector<Field> fields_;
};

// Reads the whole file once: detects the delimiter and the header, counts
// the rows and columns and validates every data line.
CsvLayout scan_csv(const std::string& path, const CsvOptions& options)
{
    if (options.delimiter == '"' || options.delimiter == '\n' ||
        options.delimiter == '\r' ||
        (options.comment != '\0' && options.delimiter == options.comment)) {
        throw InputError("invalid delimiter " +
                         describe_delimiter(options.delimiter) + " for " +
                         path +
                         "; it must differ from the quote, the line "
                         "end and the comment character");
    }

    LineReader reader(path, options.comment);
    const LineSplitter splitter(path);
    CsvLayout layout;
    std::vector<Field> fields;
    std::vector<double> values;
    std::string_view line;

    if (!reader.next(line)) {
        throw InputError(path + ": no data rows (the file is empty or "
                                "contains only blank and comment lines)");
    }
    if (options.header == CsvOptions::Header::present) {
        layout.has_header = true;
    } else if (options.header == CsvOptions::Header::detect) {
        const char delimiter = options.delimiter != '\0'
                                   ? options.delimiter
                                   : detect_delimiter(line);
        splitter.split(line, delimiter, reader.line_number(), fields);
        layout.has_header = has_text_field(fields);
    }
    if (layout.has_header && !reader.next(line)) {
        throw InputError(path + ": no data rows (the file contains a "
                                "header line only)");
    }

    // The first data line fixes the delimiter, the columns and whether
    // lines end with a delimiter.
    layout.delimiter =
        options.delimiter != '\0' ? options.delimiter : detect_delimiter(line);
    splitter.split(line, layout.delimiter, reader.line_number(), fields);
    layout.trailing_delimiter =
        layout.delimiter != whitespace_delimiter && fields.size() > 1 &&
        fields.back().text.empty() && !fields.back().quoted;
    layout.cols = static_cast<std::int64_t>(fields.size()) -
                  (layout.trailing_delimiter ? 1 : 0);
    values.resize(static_cast<std::size_t>(layout.cols));

    // Every field takes at least one byte, so rows x cols is bounded by
    // the file size and cannot overflow.
    do {
        splitter.split(line, layout.delimiter, reader.line_number(), fields);
        splitter.convert(fields, layout.cols, layout.trailing_delimiter,
                         reader.line_number(), values.data());
        ++layout.rows;
    } while (reader.next(line));
    return layout;
}

}  // namespace

std::unique_ptr<RowSource> open_csv(const std::string& path,
                                    const CsvOptions& options)
{
    const CsvLayout layout = scan_csv(path, options);
    return std::make_unique<CsvRowSource>(path, options.comment, layout);
}

}  // namespace covdefl::io
