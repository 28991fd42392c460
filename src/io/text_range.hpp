// Line-by-line reading of one byte range of a text file, so that P ranks
// can each read a share of the file and together read every line once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace covdefl::io {

// Half-open byte range [begin, end) of a file.
struct ByteRange {
    std::int64_t begin = 0;
    std::int64_t end = 0;
};

// Returns the byte range of rank `rank` of `nranks` in [data_begin,
// data_end): rank r starts at data_begin + r·(data_end − data_begin)/P,
// rounded down, and ends where rank r + 1 starts.
ByteRange split_byte_range(std::int64_t data_begin, std::int64_t data_end,
                           int rank, int nranks);

// Bytes read per system call by default (16 MiB).
constexpr std::size_t default_chunk_bytes = std::size_t{16} << 20;

// Maximum line length (64 MiB). A longer one is rejected, so a
// file without line ends is not read into memory whole.
constexpr std::size_t max_line_bytes = std::size_t{64} << 20;

// Reads the lines of `path` whose first byte lies in a byte range. A line
// starts at `data_begin` or right after a '\n'. The reader starts at the
// first line that begins at or after range.begin and stops after the last
// line that begins before range.end, reading that line to its end even past
// range.end. So the ranges of split_byte_range give every line that starts
// at or after data_begin to exactly one rank. Memory use is one chunk plus
// the part of a line that spans two chunks.
class TextRangeReader {
public:
    // Opens `path`. Throws InputError naming it when it cannot be opened.
    TextRangeReader(const std::string& path, std::int64_t data_begin,
                    ByteRange range,
                    std::size_t chunk_bytes = default_chunk_bytes);
    ~TextRangeReader();
    TextRangeReader(const TextRangeReader&) = delete;
    TextRangeReader& operator=(const TextRangeReader&) = delete;

    // Stores the next line in `line`, without its '\n' and a '\r' before
    // it. The view is valid until the next call. Returns false after the
    // last line of the range. Throws InputError on a read error or a line
    // longer than max_line_bytes.
    bool next(std::string_view& line);

    // Byte offset of the first byte of the line last returned by next().
    std::int64_t line_start() const { return line_start_; }

    // Byte offset just past the line last returned by next(), or past the
    // skipped start of the range before the first call.
    std::int64_t next_offset() const { return offset_; }

    // Number of lines next() has returned.
    std::int64_t lines_read() const { return lines_read_; }

private:
    // Reads from offset_ through the next '\n' or to the end of the file.
    // With `keep`, the line goes to `line`. Returns false when offset_ is
    // at the end of the file.
    bool read_line(std::string_view& line, bool keep);

    // Reads the chunk at offset_. Returns false at the end of the file.
    bool refill();

    std::string path_;
    int fd_ = -1;
    ByteRange range_;
    std::vector<char> buffer_;
    std::size_t filled_ = 0;   // bytes of buffer_ that hold file data
    std::size_t pos_ = 0;      // next unread byte of buffer_
    std::int64_t offset_ = 0;  // file offset of buffer_[pos_]
    std::string carry_;  // start of a line that continues in the next chunk
    std::int64_t line_start_ = 0;
    std::int64_t lines_read_ = 0;
};

}  // namespace covdefl::io
