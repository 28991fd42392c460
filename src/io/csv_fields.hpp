// Field splitting and number conversion of delimited text, shared by the
// serial reader (csv.cpp) and the parallel reader (csv_parallel.cpp).
#pragma once

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <iterator>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "covdefl/error.hpp"
#include "covdefl/io.hpp"

namespace covdefl::io::csv_detail {

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

inline bool is_space_or_tab(char c)
{
    return c == ' ' || c == '\t';
}

inline std::string_view trim(std::string_view text)
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
inline std::string quote_field(std::string_view text)
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

inline std::string describe_delimiter(char delimiter)
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
inline std::errc parse_double(std::string_view text, double& value)
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

// Returns the most frequent of comma, tab and semicolon outside double
// quotes in `line` (ties go in that order), or the whitespace delimiter
// when none of them occurs.
inline char detect_delimiter(std::string_view line)
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
inline bool has_text_field(const std::vector<Field>& fields)
{
    double ignored = 0;
    return std::any_of(fields.begin(), fields.end(), [&](const Field& field) {
        const std::errc error = parse_double(field.text, ignored);
        return !field.text.empty() && error != std::errc{} &&
               error != std::errc::result_out_of_range;
    });
}

// Throws InputError naming `path` when `delimiter` is the quote, a line end
// or the comment character.
inline void check_delimiter(char delimiter, char comment,
                            const std::string& path)
{
    if (delimiter == '"' || delimiter == '\n' || delimiter == '\r' ||
        (comment != '\0' && delimiter == comment)) {
        throw InputError("invalid delimiter " + describe_delimiter(delimiter) +
                         " for " + path +
                         "; it must differ from the quote, the line "
                         "end and the comment character");
    }
}

// Returns whether `line` is blank or, after spaces and tabs, starts with
// `comment` ('\0' for no comments).
inline bool is_blank_or_comment(std::string_view line, char comment)
{
    const std::string_view content = trim(line);
    return content.empty() || (comment != '\0' && content.front() == comment);
}

// Returns whether `line`, the first line that is neither blank nor a
// comment, is a header: as `options` sets, or, with Header::detect, when a
// field is neither empty nor a number.
inline bool is_header_line(std::string_view line, const CsvOptions& options,
                           const LineSplitter& splitter,
                           std::int64_t line_number)
{
    if (options.header != CsvOptions::Header::detect) {
        return options.header == CsvOptions::Header::present;
    }
    const char delimiter =
        options.delimiter != '\0' ? options.delimiter : detect_delimiter(line);
    std::vector<Field> fields;
    splitter.split(line, delimiter, line_number, fields);
    return has_text_field(fields);
}

// Delimiter and columns that the first data line fixes for the file.
struct DataLineShape {
    char delimiter = whitespace_delimiter;
    // Whether the line ends with a delimiter, whose empty field is not a
    // column.
    bool trailing_delimiter = false;
    std::int64_t cols = 0;
};

// Returns the shape of the first data line `line`, with the delimiter of
// `options` or, when that is '\0', the detected one.
inline DataLineShape read_data_line_shape(std::string_view line,
                                          const CsvOptions& options,
                                          const LineSplitter& splitter,
                                          std::int64_t line_number)
{
    DataLineShape shape;
    shape.delimiter =
        options.delimiter != '\0' ? options.delimiter : detect_delimiter(line);
    std::vector<Field> fields;
    splitter.split(line, shape.delimiter, line_number, fields);
    shape.trailing_delimiter =
        shape.delimiter != whitespace_delimiter && fields.size() > 1 &&
        fields.back().text.empty() && !fields.back().quoted;
    shape.cols = static_cast<std::int64_t>(fields.size()) -
                 (shape.trailing_delimiter ? 1 : 0);
    return shape;
}

}  // namespace covdefl::io::csv_detail
