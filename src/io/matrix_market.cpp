// Parallel reader of Matrix Market files. Rank 0 parses the header and
// broadcasts it with the byte offset where the entries begin. Every rank
// parses the entry lines that start in its byte range of the rest of the
// file, and each entry (mirrored too, for symmetric storage) goes to the
// rank that owns its position in the block-cyclic matrix.

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <new>
#include <string_view>

#include "covdefl/mpi.hpp"
#include "io/csv_fields.hpp"
#include "io/exchange.hpp"
#include "io/text_matrix.hpp"
#include "io/text_range.hpp"

namespace covdefl::io {

namespace {

using Header = MatrixMarketHeader;

// Maximum header size (64 MiB). A file whose comments run longer is
// rejected.
constexpr std::int64_t max_header_bytes = std::int64_t{64} << 20;

// One matrix entry on its way to its owner, 24 bytes. `line` is the 1-based
// line of the file that gave it, negated for the mirror image of an entry
// of symmetric storage.
struct Entry {
    std::int64_t line;
    std::int32_t row;  // 0-based
    std::int32_t col;  // 0-based
    double value;
};

// An MPI datatype of the bytes of one Entry, freed on destruction. The
// ranks are assumed to share one byte order and layout.
class EntryType {
public:
    EntryType()
    {
        mpi::check(MPI_Type_contiguous(sizeof(Entry), MPI_BYTE, &type_),
                   "MPI_Type_contiguous");
        mpi::check(MPI_Type_commit(&type_), "MPI_Type_commit");
    }
    ~EntryType() { MPI_Type_free(&type_); }
    EntryType(const EntryType&) = delete;
    EntryType& operator=(const EntryType&) = delete;
    MPI_Datatype get() const { return type_; }

private:
    MPI_Datatype type_ = MPI_DATATYPE_NULL;
};

// Reads the lines of `path` through the size line and parses them.
Header read_header(const std::string& path)
{
    std::error_code error;
    const auto file_size = std::filesystem::file_size(path, error);
    if (error) {
        throw InputError("cannot open " + path + ": " + error.message() +
                         "; check the path");
    }
    // Find where the size line ends, then parse the raw bytes up to there.
    TextRangeReader reader(path, 0,
                           ByteRange{0, static_cast<std::int64_t>(file_size)});
    std::string_view line;
    std::int64_t header_end = static_cast<std::int64_t>(file_size);
    while (reader.next(line)) {
        const std::size_t first = line.find_first_not_of(" \t");
        const bool comment_or_blank =
            first == std::string_view::npos || line[first] == '%';
        if (reader.lines_read() > 1 && !comment_or_blank) {
            header_end = reader.next_offset();
            break;
        }
        if (reader.next_offset() > max_header_bytes) {
            throw InputError(path + ": no size line in the first " +
                             std::to_string(max_header_bytes >> 20) +
                             " MiB; check the format");
        }
    }
    std::string text(static_cast<std::size_t>(header_end), '\0');
    std::ifstream file(path, std::ios::binary);
    if (!file.read(text.data(), header_end)) {
        throw InputError("reading the header of " + path +
                         " failed; check the file and the disk");
    }
    return parse_matrix_market_header(text, path);
}

// Header and file size, read on rank 0 and broadcast. Collective.
struct Layout {
    Header header;
    std::int64_t file_size = 0;
};

Layout agree_on_layout(const ProcessGrid& grid, const std::string& path)
{
    Layout layout;
    bool failed = false;
    std::string message;
    if (grid.rank() == 0) {
        try {
            layout.header = read_header(path);
            layout.file_size =
                static_cast<std::int64_t>(std::filesystem::file_size(path));
        } catch (const std::exception& e) {
            failed = true;
            message = e.what();
        }
    }
    mpi::agree_on_error(grid.comm(), failed, message);
    Header& h = layout.header;
    std::int64_t packed[9] = {static_cast<std::int64_t>(h.format),
                              static_cast<std::int64_t>(h.field),
                              static_cast<std::int64_t>(h.symmetry),
                              h.rows,
                              h.cols,
                              h.entries,
                              static_cast<std::int64_t>(h.data_offset),
                              h.header_lines,
                              layout.file_size};
    mpi::check(MPI_Bcast(packed, 9, MPI_INT64_T, 0, grid.comm()), "MPI_Bcast");
    h.format = static_cast<Header::Format>(packed[0]);
    h.field = static_cast<Header::Field>(packed[1]);
    h.symmetry = static_cast<Header::Symmetry>(packed[2]);
    h.rows = packed[3];
    h.cols = packed[4];
    h.entries = packed[5];
    h.data_offset = static_cast<std::uint64_t>(packed[6]);
    h.header_lines = packed[7];
    layout.file_size = packed[8];
    return layout;
}

bool is_blank_or_comment(std::string_view line)
{
    return csv_detail::is_blank_or_comment(line, '%');
}

std::vector<std::string_view> split_words(std::string_view line)
{
    std::vector<std::string_view> words;
    std::size_t pos = 0;
    for (;;) {
        const std::size_t start = line.find_first_not_of(" \t", pos);
        if (start == std::string_view::npos) {
            return words;
        }
        const std::size_t end =
            std::min(line.find_first_of(" \t", start), line.size());
        words.push_back(line.substr(start, end - start));
        pos = end;
    }
}

// Converts the value field of an entry line, throwing InputError with
// `where` (path and line) when it is not a finite number, or not a whole
// number in an integer file.
double parse_value(std::string_view word, const Header& header,
                   const std::string& where)
{
    double value = 0.0;
    const std::errc error = csv_detail::parse_double(word, value);
    if (error == std::errc::result_out_of_range) {
        throw InputError(where + "the value " + csv_detail::quote_field(word) +
                         " is outside the range of a double");
    }
    if (error != std::errc{}) {
        throw InputError(where + "the value " + csv_detail::quote_field(word) +
                         " is not a number");
    }
    if (!std::isfinite(value)) {
        throw InputError(where + "the value " + csv_detail::quote_field(word) +
                         " is not finite; covdefl needs finite values, so "
                         "remove or impute it");
    }
    if (header.field == Header::Field::integer && std::trunc(value) != value) {
        throw InputError(where + "the value " + csv_detail::quote_field(word) +
                         " is not an integer, but the header declares the "
                         "field 'integer'");
    }
    return value;
}

// Parses a 1-based index in [1, limit] and returns it 0-based.
std::int32_t parse_index(std::string_view word, std::int64_t limit,
                         const char* what, const std::string& where)
{
    std::int64_t index = 0;
    const char* end = word.data() + word.size();
    const auto [ptr, error] = std::from_chars(word.data(), end, index);
    if (error != std::errc{} || ptr != end) {
        throw InputError(where + "the " + what + " index " +
                         csv_detail::quote_field(word) + " is not an integer");
    }
    if (index < 1 || index > limit) {
        throw InputError(where + "the " + what + " index " +
                         std::to_string(index) + " is outside 1.." +
                         std::to_string(limit) +
                         " (the size line gives the matrix size)");
    }
    return static_cast<std::int32_t>(index - 1);
}

// Parses one entry line. A coordinate entry goes to `entry` (with `line`
// left for the caller), an array value to `value`.
void parse_entry_line(std::string_view line, const Header& header,
                      std::int64_t line_number, const std::string& path,
                      Entry& entry, double& value)
{
    const std::string where =
        path + ": line " + std::to_string(line_number) + ": ";
    const std::vector<std::string_view> words = split_words(line);
    if (header.format == Header::Format::array) {
        if (words.size() != 1) {
            throw InputError(where +
                             "expected one value (an array file has "
                             "one value per line), but found " +
                             std::to_string(words.size()) + " fields");
        }
        value = parse_value(words[0], header, where);
        return;
    }
    if (words.size() != 3) {
        throw InputError(where +
                         "expected 'ROW COLUMN VALUE' (3 fields), but "
                         "found " +
                         std::to_string(words.size()));
    }
    entry.row = parse_index(words[0], header.rows, "row", where);
    entry.col = parse_index(words[1], header.cols, "column", where);
    entry.value = parse_value(words[2], header, where);
}

// Result of parsing one rank's byte range, up to its first error.
struct RangeParse {
    std::vector<Entry> entries;  // coordinate files; `line` is 0-based local
    std::vector<double> values;  // array files
    // For each blank or comment line among the entry lines of an array
    // file, the number of values before it, to recover a value's line.
    std::vector<std::int64_t> skipped_after;
    std::int64_t lines = 0;  // lines that start in the range
    bool failed = false;
    std::string failed_line;  // to parse again with its global line number
    std::int64_t failed_line_index = 0;
    std::string message;  // a failure that is not about one line's content

    std::int64_t items() const
    {
        return static_cast<std::int64_t>(
            std::max(entries.size(), values.size()));
    }

    // 0-based index among the range's lines of item `index`.
    std::int64_t line_index_of(std::int64_t index) const
    {
        if (!entries.empty()) {
            return entries[static_cast<std::size_t>(index)].line;
        }
        return index + (std::upper_bound(skipped_after.begin(),
                                         skipped_after.end(), index) -
                        skipped_after.begin());
    }
};

void parse_range(const std::string& path, const Layout& layout, ByteRange range,
                 RangeParse& parse)
{
    const Header& header = layout.header;
    std::string_view line;
    try {
        TextRangeReader reader(
            path, static_cast<std::int64_t>(header.data_offset), range);
        while (reader.next(line)) {
            parse.lines = reader.lines_read();
            const std::int64_t line_index = parse.lines - 1;
            if (is_blank_or_comment(line)) {
                parse.skipped_after.push_back(
                    static_cast<std::int64_t>(parse.values.size()));
                continue;
            }
            Entry entry{line_index, 0, 0, 0.0};
            double value = 0.0;
            try {
                parse_entry_line(line, header, line_index + 1, path, entry,
                                 value);
            } catch (const InputError&) {
                parse.failed = true;
                parse.failed_line = line;
                parse.failed_line_index = line_index;
                return;
            }
            if (header.format == Header::Format::array) {
                parse.values.push_back(value);
            } else {
                parse.entries.push_back(entry);
            }
        }
    } catch (const std::bad_alloc&) {
        parse.failed = true;
        parse.message = "cannot allocate memory for the entries of " + path +
                        " on one rank; run on more ranks or nodes";
    } catch (const std::exception& e) {
        parse.failed = true;
        parse.message = e.what();
    }
}

// Checks the number of entries against the size line. Collective.
void check_entry_count(const ProcessGrid& grid, const std::string& path,
                       const Layout& layout, const RangeParse& parse,
                       const std::vector<std::int64_t>& before)
{
    const Header& header = layout.header;
    const std::int64_t total = sum_over_ranks(grid.comm(), parse.items());
    const std::int64_t lines = sum_over_ranks(grid.comm(), parse.lines);
    const std::string size_line =
        "the size line (line " + std::to_string(header.header_lines) + ")";
    if (total < header.entries) {
        throw Error(path + ": the file ends at line " +
                        std::to_string(header.header_lines + lines) +
                        " after " + std::to_string(total) + " of the " +
                        std::to_string(header.entries) + " entries that " +
                        size_line +
                        " gives; the file is truncated or the size line is "
                        "wrong",
                    /*collective=*/true);
    }
    // The rank that contains entry number header.entries + 1 names its line.
    const std::int64_t extra = header.entries - before[1];
    const bool holds_extra = extra >= 0 && extra < parse.items();
    std::string message;
    if (holds_extra) {
        const std::int64_t line_number =
            header.header_lines + before[0] + parse.line_index_of(extra) + 1;
        message = path + ": line " + std::to_string(line_number) +
                  " contains entry " + std::to_string(header.entries + 1) +
                  ", but " + size_line + " gives " +
                  std::to_string(header.entries) +
                  " entries; fix the size line or remove the extra entries";
    }
    mpi::agree_on_error(grid.comm(), holds_extra, message);
}

// Calls visit(row, col, value, line) for every entry of the range and for
// the mirror image (negated line) of each off-diagonal entry of symmetric
// storage. Lines are global and 1-based.
template <class Visit>
void for_each_entry(const Layout& layout, const RangeParse& parse,
                    const std::vector<std::int64_t>& before, Visit&& visit)
{
    const Header& header = layout.header;
    const bool symmetric = header.symmetry == Header::Symmetry::symmetric;
    const std::int64_t first_line = header.header_lines + before[0] + 1;
    const auto emit = [&](std::int32_t row, std::int32_t col, double value,
                          std::int64_t line) {
        visit(row, col, value, line);
        if (symmetric && row != col) {
            visit(col, row, value, -line);
        }
    };
    if (header.format == Header::Format::coordinate) {
        for (const Entry& entry : parse.entries) {
            emit(entry.row, entry.col, entry.value, first_line + entry.line);
        }
        return;
    }

    // Array values run down the columns: all rows of a general matrix, and
    // rows j..n-1 of column j of symmetric storage.
    if (parse.values.empty()) {
        return;
    }
    const std::int64_t n = header.rows;
    std::int64_t row = 0;
    std::int64_t col = 0;
    std::int64_t remaining = before[1];
    if (symmetric) {
        while (remaining >= n - col) {
            remaining -= n - col;
            ++col;
        }
        row = col + remaining;
    } else {
        row = remaining % n;
        col = remaining / n;
    }
    for (std::size_t k = 0; k < parse.values.size(); ++k) {
        emit(static_cast<std::int32_t>(row), static_cast<std::int32_t>(col),
             parse.values[k], 0);
        if (++row == n) {
            ++col;
            row = symmetric ? col : 0;
        }
    }
}

// Message for two entries that land on one position.
std::string repeated_entry_message(const std::string& path, const Entry& later,
                                   const Entry& earlier)
{
    // The position as the file gave it: a mirror image swaps it back.
    const auto as_given = [](const Entry& e) {
        const std::int32_t row = e.line < 0 ? e.col : e.row;
        const std::int32_t col = e.line < 0 ? e.row : e.col;
        std::string text = std::to_string(row + 1) + ", ";
        text += std::to_string(col + 1);
        return std::string(1, '(') + text + ')';
    };
    const std::string later_line = std::to_string(std::abs(later.line));
    const std::string earlier_line = std::to_string(std::abs(earlier.line));
    if (as_given(later) == as_given(earlier)) {
        return path + ": line " + later_line + " repeats entry " +
               as_given(later) + " of line " + earlier_line +
               "; each entry may appear once, so remove one or add them up";
    }
    return path + ": line " + later_line + " gives entry " + as_given(later) +
           " and line " + earlier_line + " gives " + as_given(earlier) +
           ", the same entry of a symmetric matrix; symmetric storage lists "
           "each off-diagonal entry once, so remove one of them";
}

}  // namespace

MatrixShape read_matrix_market_shape(const ProcessGrid& grid,
                                     const std::string& path)
{
    const Layout layout = agree_on_layout(grid, path);
    return MatrixShape{layout.header.rows, layout.header.cols};
}

BlockCyclicMatrix read_matrix_market_matrix(const ProcessGrid& grid,
                                            const std::string& path,
                                            int block_size, bool square)
{
    const MPI_Comm comm = grid.comm();
    const Layout layout = agree_on_layout(grid, path);
    const Header& header = layout.header;
    if (square && header.rows != header.cols) {
        throw Error(not_square_message(path, header.rows, header.cols),
                    /*collective=*/true);
    }
    if (header.rows > std::numeric_limits<int>::max() ||
        header.cols > std::numeric_limits<int>::max()) {
        throw Error(path + ": the matrix is " + std::to_string(header.rows) +
                        " x " + std::to_string(header.cols) +
                        ", more than ScaLAPACK's 32-bit indices allow",
                    /*collective=*/true);
    }

    const ByteRange range =
        split_byte_range(static_cast<std::int64_t>(header.data_offset),
                         layout.file_size, grid.rank(), grid.size());
    RangeParse parse;
    parse_range(path, layout, range, parse);

    // Global line and item numbers of this range's first line and item.
    const std::vector<std::int64_t> before =
        exclusive_prefix_sum(comm, {parse.lines, parse.items()});
    if (parse.failed && parse.message.empty()) {
        const std::int64_t line_number =
            header.header_lines + before[0] + parse.failed_line_index + 1;
        Entry entry{};
        double value = 0.0;
        try {
            parse_entry_line(parse.failed_line, header, line_number, path,
                             entry, value);
            parse.message = path + ": line " + std::to_string(line_number) +
                            " could not be parsed";
        } catch (const InputError& e) {
            parse.message = e.what();
        }
    }
    mpi::agree_on_error(comm, parse.failed, parse.message);
    check_entry_count(grid, path, layout, parse, before);

    // Count, then fill, the entries for each destination rank.
    const std::vector<int> rank_of = ranks_by_coordinates(grid);
    const int nranks = grid.size();
    const auto owner = [&](std::int32_t row, std::int32_t col) {
        const int p = (row / block_size) % grid.nprow();
        const int q = (col / block_size) % grid.npcol();
        return rank_of[p * grid.npcol() + q];
    };
    std::vector<std::int64_t> send_counts(static_cast<std::size_t>(nranks));
    for_each_entry(layout, parse, before,
                   [&](std::int32_t row, std::int32_t col, double,
                       std::int64_t) { ++send_counts[owner(row, col)]; });
    std::vector<std::int64_t> cursor;
    std::vector<Entry> send =
        allocate_send_buffer<Entry>(comm, send_counts, cursor);
    for_each_entry(
        layout, parse, before,
        [&](std::int32_t row, std::int32_t col, double value,
            std::int64_t line) {
            send[static_cast<std::size_t>(cursor[owner(row, col)]++)] =
                Entry{line, row, col, value};
        });
    parse = RangeParse{};

    const EntryType entry_type;
    std::vector<Entry> received =
        exchange_by_rank(comm, send, send_counts, entry_type.get());
    std::vector<Entry>().swap(send);

    // The received entries come in file order (by sender rank, and in line
    // order from each sender), so the first repeat found is the earliest
    // one on this rank.
    BlockCyclicMatrix a(grid, header.rows, header.cols, block_size, block_size);
    std::vector<bool> seen(static_cast<std::size_t>(a.local_ld()) *
                           static_cast<std::size_t>(a.local_cols()));
    const Entry* repeat = nullptr;
    for (const Entry& entry : received) {
        const int il = a.local_row(entry.row);
        const int jl = a.local_col(entry.col);
        const std::size_t position =
            static_cast<std::size_t>(jl) * a.local_ld() + il;
        if (seen[position] && repeat == nullptr) {
            repeat = &entry;
        }
        seen[position] = true;
        a.local(il, jl) = entry.value;
    }
    std::string message;
    if (repeat != nullptr) {
        const auto earlier =
            std::find_if(received.begin(), received.end(), [&](const Entry& e) {
                return e.row == repeat->row && e.col == repeat->col;
            });
        message = repeated_entry_message(path, *repeat, *earlier);
    }
    agree_on_first_error(comm, repeat != nullptr,
                         repeat != nullptr ? std::abs(repeat->line) : 0,
                         message);
    return a;
}

}  // namespace covdefl::io
