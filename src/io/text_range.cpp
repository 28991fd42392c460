#include "io/text_range.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "covdefl/error.hpp"

namespace covdefl::io {

ByteRange split_byte_range(std::int64_t data_begin, std::int64_t data_end,
                           int rank, int nranks)
{
    // length·r/P computed as q·r + (m·r)/P with length = q·P + m, which
    // cannot overflow for any file size.
    const std::int64_t length =
        std::max<std::int64_t>(0, data_end - data_begin);
    const auto start = [&](int r) {
        const std::int64_t q = length / nranks;
        const std::int64_t m = length % nranks;
        return data_begin + q * r + (m * r) / nranks;
    };
    return ByteRange{start(rank), start(rank + 1)};
}

TextRangeReader::TextRangeReader(const std::string& path,
                                 std::int64_t data_begin, ByteRange range,
                                 std::size_t chunk_bytes)
    : path_(path)
    , range_(range)
    , buffer_(std::max<std::size_t>(chunk_bytes, 1))
{
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) {
        throw InputError("cannot open " + path + ": " + std::strerror(errno) +
                         "; check the path");
    }
    offset_ = range.begin;
    if (range.begin > data_begin) {
        // A line starts at range.begin only when the byte before it is a
        // '\n'. Reading from that byte through the next '\n' skips the rest
        // of a line that began in the previous range.
        offset_ = range.begin - 1;
        std::string_view ignored;
        read_line(ignored, /*keep=*/false);
    }
}

TextRangeReader::~TextRangeReader()
{
    ::close(fd_);
}

bool TextRangeReader::next(std::string_view& line)
{
    if (offset_ >= range_.end) {
        return false;
    }
    line_start_ = offset_;
    if (!read_line(line, /*keep=*/true)) {
        return false;
    }
    if (line.ends_with('\r')) {
        line.remove_suffix(1);
    }
    ++lines_read_;
    return true;
}

bool TextRangeReader::read_line(std::string_view& line, bool keep)
{
    carry_.clear();
    bool found_bytes = false;
    for (;;) {
        if (pos_ == filled_ && !refill()) {
            line = carry_;
            return found_bytes;
        }
        found_bytes = true;
        const char* begin = buffer_.data() + pos_;
        const std::size_t available = filled_ - pos_;
        const auto* newline =
            static_cast<const char*>(std::memchr(begin, '\n', available));
        const std::size_t length =
            newline != nullptr ? static_cast<std::size_t>(newline - begin)
                               : available;
        if (keep && carry_.size() + length > max_line_bytes) {
            throw InputError(path_ + ": the line that starts at byte " +
                             std::to_string(line_start_) + " is longer than " +
                             std::to_string(max_line_bytes >> 20) +
                             " MiB, so the file is not line-based text; "
                             "check the path and the format");
        }
        if (newline == nullptr) {
            if (keep) {
                carry_.append(begin, length);
            }
            pos_ = filled_;
            offset_ += static_cast<std::int64_t>(length);
            continue;
        }
        pos_ += length + 1;
        offset_ += static_cast<std::int64_t>(length) + 1;
        if (carry_.empty()) {
            line = std::string_view(begin, length);
        } else {
            carry_.append(begin, length);
            line = carry_;
        }
        return true;
    }
}

bool TextRangeReader::refill()
{
    ssize_t count = 0;
    do {
        count = ::pread(fd_, buffer_.data(), buffer_.size(), offset_);
    } while (count < 0 && errno == EINTR);
    if (count < 0) {
        throw InputError("reading " + path_ + " failed at byte " +
                         std::to_string(offset_) + ": " + std::strerror(errno) +
                         "; check the file and the disk");
    }
    filled_ = static_cast<std::size_t>(count);
    pos_ = 0;
    return count > 0;
}

}  // namespace covdefl::io
