// Parallel reader of delimited text. Rank 0 reads the dialect (delimiter,
// header, columns) from the start of the file and broadcasts it with the
// byte offset where data begins. Then every rank parses the lines that start
// in its byte range of the data, and the rows go to their block-cyclic
// owners.

#include <cmath>
#include <filesystem>
#include <new>
#include <optional>
#include <string_view>
#include <system_error>

#include "covdefl/mpi.hpp"
#include "io/csv_fields.hpp"
#include "io/exchange.hpp"
#include "io/text_matrix.hpp"
#include "io/text_range.hpp"

namespace covdefl::io {

namespace {

using csv_detail::Field;
using csv_detail::is_blank_or_comment;
using csv_detail::LineSplitter;
using csv_detail::utf8_bom;
using csv_detail::whitespace_delimiter;

// Dialect of a file and where its data begins, decided on rank 0.
struct CsvLayout {
    char delimiter = whitespace_delimiter;
    bool trailing_delimiter = false;
    std::int64_t cols = 0;
    // Byte offset of the first line after the header (or of the first data
    // line when there is no header), and the number of lines before it.
    std::int64_t data_offset = 0;
    std::int64_t lines_before = 0;
    std::int64_t file_size = 0;
};

std::int64_t regular_file_size(const std::string& path)
{
    std::error_code error;
    if (!std::filesystem::is_regular_file(path, error)) {
        const std::string reason =
            error ? error.message() : "not a regular file";
        throw InputError("cannot open " + path + ": " + reason +
                         "; check the path");
    }
    const auto size = std::filesystem::file_size(path, error);
    if (error) {
        throw InputError("cannot read the size of " + path + ": " +
                         error.message() + "; check the path");
    }
    return static_cast<std::int64_t>(size);
}

std::string nul_byte_message(const std::string& path, std::int64_t line_number)
{
    return path + ": line " + std::to_string(line_number) +
           " contains a NUL byte, so the file is not text; check the path "
           "and the format";
}

// Reads the start of the file the way the serial reader does: skips blank
// and comment lines, decides whether the first remaining line is a header,
// and takes the delimiter and the columns from the first data line.
CsvLayout detect_layout(const std::string& path, const CsvOptions& options)
{
    csv_detail::check_delimiter(options.delimiter, options.comment, path);
    CsvLayout layout;
    layout.file_size = regular_file_size(path);
    TextRangeReader reader(path, 0, ByteRange{0, layout.file_size});
    std::size_t bom_bytes = 0;

    // Stores the next line that is neither blank nor a comment in `line`.
    const auto next_content = [&](std::string_view& line) {
        while (reader.next(line)) {
            if (reader.line_start() == 0) {
                if (line.starts_with("\xFF\xFE") ||
                    line.starts_with("\xFE\xFF")) {
                    throw InputError(path +
                                     " starts with a UTF-16 byte-order mark; "
                                     "save the file as UTF-8 or ASCII text");
                }
                if (line.starts_with(utf8_bom)) {
                    line.remove_prefix(utf8_bom.size());
                    bom_bytes = utf8_bom.size();
                }
            }
            if (is_blank_or_comment(line, options.comment)) {
                continue;
            }
            if (line.find('\0') != std::string_view::npos) {
                throw InputError(nul_byte_message(path, reader.lines_read()));
            }
            return true;
        }
        return false;
    };

    std::string_view line;
    if (!next_content(line)) {
        throw InputError(path + ": no data rows (the file is empty or "
                                "contains only blank and comment lines)");
    }
    const LineSplitter splitter(path);
    const bool has_header = csv_detail::is_header_line(line, options, splitter,
                                                       reader.lines_read());
    if (has_header) {
        layout.data_offset = reader.next_offset();
        layout.lines_before = reader.lines_read();
        if (!next_content(line)) {
            throw InputError(path + ": no data rows (the file contains a "
                                    "header line only)");
        }
    } else {
        layout.data_offset =
            reader.line_start() + (reader.line_start() == 0
                                       ? static_cast<std::int64_t>(bom_bytes)
                                       : 0);
        layout.lines_before = reader.lines_read() - 1;
    }

    const csv_detail::DataLineShape shape = csv_detail::read_data_line_shape(
        line, options, splitter, reader.lines_read());
    layout.delimiter = shape.delimiter;
    layout.trailing_delimiter = shape.trailing_delimiter;
    layout.cols = shape.cols;
    return layout;
}

// Detects the layout on rank 0 and broadcasts it. Collective.
CsvLayout agree_on_layout(const ProcessGrid& grid, const std::string& path,
                          const CsvOptions& options)
{
    CsvLayout layout;
    bool failed = false;
    std::string message;
    if (grid.rank() == 0) {
        try {
            layout = detect_layout(path, options);
        } catch (const std::exception& e) {
            failed = true;
            message = e.what();
        }
    }
    mpi::agree_on_error(grid.comm(), failed, message);
    std::int64_t packed[6] = {layout.delimiter,    layout.trailing_delimiter,
                              layout.cols,         layout.data_offset,
                              layout.lines_before, layout.file_size};
    mpi::check(MPI_Bcast(packed, 6, MPI_INT64_T, 0, grid.comm()), "MPI_Bcast");
    layout.delimiter = static_cast<char>(packed[0]);
    layout.trailing_delimiter = packed[1] != 0;
    layout.cols = packed[2];
    layout.data_offset = packed[3];
    layout.lines_before = packed[4];
    layout.file_size = packed[5];
    return layout;
}

// Converts one data line into `out` (layout.cols values). Throws
// InputError naming `line_number` for a NUL byte, a ragged row or a field
// that is not a number, and `row_number` (1-based) for NaN or infinity.
void parse_data_line(std::string_view line, const CsvLayout& layout,
                     const LineSplitter& splitter, std::vector<Field>& fields,
                     std::int64_t line_number, std::int64_t row_number,
                     const std::string& path, double* out)
{
    if (line.find('\0') != std::string_view::npos) {
        throw InputError(nul_byte_message(path, line_number));
    }
    splitter.split(line, layout.delimiter, line_number, fields);
    splitter.convert(fields, layout.cols, layout.trailing_delimiter,
                     line_number, out);
    for (std::int64_t j = 0; j < layout.cols; ++j) {
        if (!std::isfinite(out[j])) {
            throw InputError(
                path + ": non-finite value (" +
                (std::isnan(out[j])
                     ? "NaN"
                     : (out[j] > 0 ? "+infinity" : "-infinity")) +
                ") at row " + std::to_string(row_number) + ", column " +
                std::to_string(j + 1) + " (1-based, line " +
                std::to_string(line_number) +
                "); covdefl needs finite data, so remove or impute the value");
        }
    }
}

// Result of parsing one rank's byte range, up to its first error.
struct RangeParse {
    explicit RangeParse(std::int64_t cols) : rows(cols) {}

    RowStore rows;
    std::int64_t lines = 0;  // lines that start in the range
    bool failed = false;
    // The first line that failed to parse, parsed again with its global
    // line and row numbers once the prefix sums are known. A failure with
    // an empty `message` is such a line.
    std::string failed_line;
    std::int64_t failed_line_index = 0;  // 0-based, among the range's lines
    std::int64_t failed_row_index = 0;   // 0-based, among the range's rows
    std::string message;  // a failure that is not about one line's content
};

void parse_range(const std::string& path, const CsvLayout& layout,
                 const CsvOptions& options, ByteRange range, RangeParse& parse)
{
    const LineSplitter splitter(path);
    std::vector<Field> fields;
    std::string_view line;
    try {
        TextRangeReader reader(path, layout.data_offset, range);
        while (reader.next(line)) {
            parse.lines = reader.lines_read();
            if (is_blank_or_comment(line, options.comment)) {
                continue;
            }
            const std::int64_t row_index = parse.rows.rows();
            double* out = parse.rows.append_row();
            try {
                parse_data_line(line, layout, splitter, fields, parse.lines,
                                row_index + 1, path, out);
            } catch (const InputError&) {
                parse.failed = true;
                parse.failed_line = line;
                parse.failed_line_index = parse.lines - 1;
                parse.failed_row_index = row_index;
                return;
            }
        }
    } catch (const std::bad_alloc&) {
        parse.failed = true;
        parse.message = "cannot allocate memory for the parsed rows of " +
                        path + " on one rank; run on more ranks or nodes";
    } catch (const std::exception& e) {
        parse.failed = true;
        parse.message = e.what();
    }
}

}  // namespace

MatrixShape read_csv_shape(const ProcessGrid& grid, const std::string& path,
                           const CsvOptions& options)
{
    const CsvLayout layout = agree_on_layout(grid, path, options);
    const ByteRange range = split_byte_range(
        layout.data_offset, layout.file_size, grid.rank(), grid.size());
    std::int64_t rows = 0;
    mpi::run_agreed(grid.comm(), [&] {
        TextRangeReader reader(path, layout.data_offset, range);
        std::string_view line;
        while (reader.next(line)) {
            rows += is_blank_or_comment(line, options.comment) ? 0 : 1;
        }
    });
    return MatrixShape{sum_over_ranks(grid.comm(), rows), layout.cols};
}

BlockCyclicMatrix read_csv_matrix(const ProcessGrid& grid,
                                  const std::string& path, int block_size,
                                  bool square, const CsvOptions& options)
{
    const CsvLayout layout = agree_on_layout(grid, path, options);
    const ByteRange range = split_byte_range(
        layout.data_offset, layout.file_size, grid.rank(), grid.size());
    RangeParse parse(layout.cols);
    parse_range(path, layout, options, range, parse);

    // Global numbers of the first line and the first row of this range. A
    // rank that failed counted only up to its failure, which shifts the
    // numbers of higher ranks only, and the lowest failing rank's error is
    // the one reported.
    const std::vector<std::int64_t> before =
        exclusive_prefix_sum(grid.comm(), {parse.lines, parse.rows.rows()});
    if (parse.failed && parse.message.empty()) {
        const std::int64_t line_number =
            layout.lines_before + before[0] + parse.failed_line_index + 1;
        const std::int64_t row_number = before[1] + parse.failed_row_index + 1;
        std::vector<Field> fields;
        std::vector<double> values(static_cast<std::size_t>(layout.cols));
        try {
            parse_data_line(parse.failed_line, layout, LineSplitter(path),
                            fields, line_number, row_number, path,
                            values.data());
            parse.message = path + ": line " + std::to_string(line_number) +
                            " could not be parsed";
        } catch (const InputError& e) {
            parse.message = e.what();
        }
    }
    mpi::agree_on_error(grid.comm(), parse.failed, parse.message);

    const std::int64_t total_rows =
        sum_over_ranks(grid.comm(), parse.rows.rows());
    if (square && total_rows != layout.cols) {
        throw Error(not_square_message(path, total_rows, layout.cols),
                    /*collective=*/true);
    }
    return distribute_rows(grid, parse.rows, before[1], total_rows, block_size);
}

}  // namespace covdefl::io
