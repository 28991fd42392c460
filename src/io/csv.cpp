// Reader for delimited text: one sample per line, numeric fields separated
// by a comma, tab, semicolon or whitespace. open_csv streams through the
// file once to find the dialect and the shape and to validate every line.
// read_rows streams through it again and converts only the requested rows,
// so memory use is one line plus the rows requested. The parallel reader
// (csv_parallel.cpp) shares the field parsing in csv_fields.hpp.

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "covdefl/io.hpp"
#include "io/csv_fields.hpp"

namespace covdefl::io {
namespace {

using csv_detail::describe_delimiter;
using csv_detail::Field;
using csv_detail::LineSplitter;
using csv_detail::trim;
using csv_detail::utf8_bom;
using csv_detail::whitespace_delimiter;

// Buffer of the std::ifstream that reads the file line by line.
constexpr std::size_t read_buffer_bytes = 1 << 20;

// Reads the lines of a text file or stream that are neither blank nor
// comments, counting every physical line. A file is read through a large
// buffer.
class LineReader {
public:
    // Reads `stream`, which must outlive the reader. Messages name `name` in
    // place of a path.
    LineReader(std::istream& stream, const std::string& name, char comment)
        : path_(name)
        , comment_(comment)
        , stream_(&stream)
    {
    }

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
        stream_ = &file_;
    }

    // Stores the next line that is not blank and not a comment in `line`,
    // without its line end. Returns false at the end of the file.
    // NOTE: a whole line is read into memory, so a large file without
    // newlines (a binary file, say) is read in full before it is rejected.
    bool next(std::string_view& line)
    {
        while (std::getline(*stream_, text_)) {
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
        if (stream_->bad()) {
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
    std::istream* stream_ = nullptr;  // file_ or the stream given
    std::string text_;
    std::int64_t line_number_ = 0;
};

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

// Reads `reader` to its end: detects the delimiter and the header, counts
// the rows and columns and validates every data line.
CsvLayout scan_lines(LineReader& reader, const std::string& path,
                     const CsvOptions& options)
{
    const LineSplitter splitter(path);
    CsvLayout layout;
    std::vector<Field> fields;
    std::vector<double> values;
    std::string_view line;

    if (!reader.next(line)) {
        throw InputError(path + ": no data rows (the file is empty or "
                                "contains only blank and comment lines)");
    }
    layout.has_header = csv_detail::is_header_line(line, options, splitter,
                                                   reader.line_number());
    if (layout.has_header && !reader.next(line)) {
        throw InputError(path + ": no data rows (the file contains a "
                                "header line only)");
    }

    // The first data line fixes the delimiter, the columns and whether
    // lines end with a delimiter.
    const csv_detail::DataLineShape shape = csv_detail::read_data_line_shape(
        line, options, splitter, reader.line_number());
    layout.delimiter = shape.delimiter;
    layout.trailing_delimiter = shape.trailing_delimiter;
    layout.cols = shape.cols;
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

CsvLayout scan_csv(const std::string& path, const CsvOptions& options)
{
    csv_detail::check_delimiter(options.delimiter, options.comment, path);
    LineReader reader(path, options.comment);
    return scan_lines(reader, path, options);
}

}  // namespace

CsvShape scan_csv_text(std::string_view text, const std::string& name,
                       const CsvOptions& options)
{
    csv_detail::check_delimiter(options.delimiter, options.comment, name);
    std::istringstream stream{std::string(text)};
    LineReader reader(stream, name, options.comment);
    const CsvLayout layout = scan_lines(reader, name, options);

    CsvShape shape;
    shape.delimiter = layout.delimiter;
    shape.has_header = layout.has_header;
    shape.trailing_delimiter = layout.trailing_delimiter;
    shape.rows = layout.rows;
    shape.cols = layout.cols;
    return shape;
}

std::unique_ptr<RowSource> open_csv(const std::string& path,
                                    const CsvOptions& options)
{
    const CsvLayout layout = scan_csv(path, options);
    return std::make_unique<CsvRowSource>(path, options.comment, layout);
}

}  // namespace covdefl::io
