// Reader for IDX files, the format of the MNIST data sets. A file starts with
// a magic number of two zero bytes, a type code and the number of dimensions
// N, followed by N big-endian 32-bit sizes and then the big-endian elements.
// The files are often distributed gzip-compressed, so the reader goes
// through zlib, which also reads uncompressed files as they are.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <utility>

#include "covdefl/io.hpp"

namespace covdefl::io {
namespace {

// Bytes read from the stream and converted per pass.
constexpr std::size_t read_chunk_bytes = 1 << 20;

// A deflate match copies at most 258 bytes (zlib.h) and its length and
// distance codes take at least 1 bit each, so one compressed byte expands to
// at most 1032 bytes.
constexpr std::uint64_t max_gzip_expansion = 1032;

struct IdxType {
    unsigned char code;
    ElementType type;
    std::size_t size;
    const char* name;
};

constexpr IdxType idx_types[] = {
    {0x08, ElementType::uint8, 1, "uint8"},
    {0x09, ElementType::int8, 1, "int8"},
    {0x0B, ElementType::int16, 2, "int16"},
    {0x0C, ElementType::int32, 4, "int32"},
    {0x0D, ElementType::float32, 4, "float32"},
    {0x0E, ElementType::float64, 8, "float64"},
};

const IdxType& idx_type_of(ElementType type)
{
    for (const IdxType& entry : idx_types) {
        if (entry.type == type) {
            return entry;
        }
    }
    throw std::logic_error("idx_type_of: element type without an IDX code");
}

std::string format_hex(std::uint32_t value, int digits)
{
    char text[16];
    std::snprintf(text, sizeof text, "0x%0*X", digits, value);
    return text;
}

std::string format_dims(const std::vector<std::int64_t>& dims)
{
    std::string text;
    for (std::size_t i = 0; i < dims.size(); ++i) {
        if (i > 0) {
            text += " x ";
        }
        text += std::to_string(dims[i]);
    }
    return text;
}

std::uint64_t read_big_endian(const unsigned char* bytes, std::size_t size)
{
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < size; ++i) {
        value = (value << 8) | bytes[i];
    }
    return value;
}

// Converts `count` big-endian elements of `type` to doubles.
void decode_big_endian(ElementType type, const unsigned char* bytes,
                       std::size_t count, double* out)
{
    const std::size_t size = idx_type_of(type).size;
    for (std::size_t i = 0; i < count; ++i) {
        const std::uint64_t bits = read_big_endian(bytes + i * size, size);
        switch (type) {
        case ElementType::uint8:
            out[i] = static_cast<double>(bits);
            break;
        case ElementType::int8:
            out[i] = static_cast<std::int8_t>(bits);
            break;
        case ElementType::int16:
            out[i] = static_cast<std::int16_t>(bits);
            break;
        case ElementType::int32:
            out[i] = static_cast<std::int32_t>(bits);
            break;
        case ElementType::float32:
            out[i] = std::bit_cast<float>(static_cast<std::uint32_t>(bits));
            break;
        case ElementType::float64:
            out[i] = std::bit_cast<double>(bits);
            break;
        }
    }
}

struct GzipCloser {
    void operator()(gzFile file) const { gzclose(file); }
};
using GzipFile = std::unique_ptr<gzFile_s, GzipCloser>;

// Rows of an IDX file of at least 2 dimensions, read forward through zlib.
class IdxRowSource final : public RowSource {
public:
    IdxRowSource(std::string path, GzipFile file, const IdxHeader& header,
                 std::int64_t cols, std::uint64_t data_bytes)
        : path_(std::move(path))
        , file_(std::move(file))
        , type_(header.type)
        , element_size_(idx_type_of(header.type).size)
        , rows_(header.dims[0])
        , cols_(cols)
        , data_offset_(header.data_offset)
        , data_bytes_(data_bytes)
    {
    }

    std::int64_t rows() const override { return rows_; }
    std::int64_t cols() const override { return cols_; }

    void read_rows(std::int64_t first, std::int64_t count, double* out) override
    {
        if (first < 0 || count < 0 || count > rows_ - first) {
            throw std::out_of_range(
                "read_rows: " + std::to_string(count) + " rows from row " +
                std::to_string(first) + " are outside the " +
                std::to_string(rows_) + " rows of " + path_);
        }
        // rows x cols x element size was checked for overflow at open.
        const std::uint64_t row_bytes =
            static_cast<std::uint64_t>(cols_) * element_size_;
        move_to(static_cast<std::uint64_t>(first) * row_bytes);

        const std::uint64_t elements = static_cast<std::uint64_t>(count) *
                                       static_cast<std::uint64_t>(cols_);
        const std::size_t chunk_elements = read_chunk_bytes / element_size_;
        std::vector<unsigned char> buffer(
            std::min<std::uint64_t>(elements, chunk_elements) * element_size_);
        for (std::uint64_t done = 0; done < elements;) {
            const std::size_t n =
                std::min<std::uint64_t>(chunk_elements, elements - done);
            read_exact(buffer.data(), n * element_size_);
            decode_big_endian(type_, buffer.data(), n, out + done);
            done += n;
        }
    }

private:
    // Moves the stream to `position` bytes after the start of the data.
    // Forward moves in a gzip stream decompress and discard.
    void move_to(std::uint64_t position)
    {
        if (position > position_ && !gzdirect(file_.get())) {
            std::vector<unsigned char> scratch(std::min<std::uint64_t>(
                position - position_, read_chunk_bytes));
            while (position_ < position) {
                const std::size_t n = std::min<std::uint64_t>(
                    scratch.size(), position - position_);
                read_exact(scratch.data(), n);
            }
            return;
        }
        if (position != position_) {
            // A plain file was checked to be long enough, and a backward
            // move in a gzip stream rewinds to data already read.
            const auto target = static_cast<z_off_t>(data_offset_ + position);
            if (gzseek(file_.get(), target, SEEK_SET) != target) {
                throw_read_error();
            }
            position_ = position;
        }
    }

    // Reads `size` bytes at the current position. A stream that ends first
    // is an error that gives the data bytes expected and found.
    void read_exact(unsigned char* buffer, std::size_t size)
    {
        std::size_t done = 0;
        while (done < size) {
            const auto request = static_cast<unsigned>(
                std::min<std::size_t>(size - done, INT_MAX));
            const int got = gzread(file_.get(), buffer + done, request);
            if (got < 0) {
                throw_read_error();
            }
            if (got == 0) {
                throw_truncated();
            }
            done += static_cast<std::size_t>(got);
            position_ += static_cast<std::uint64_t>(got);
        }
    }

    [[noreturn]] void throw_read_error()
    {
        int code = Z_OK;
        const char* message = gzerror(file_.get(), &code);
        const std::string reason =
            code == Z_ERRNO ? std::strerror(errno) : message;
        throw InputError("reading " + path_ + " failed: " + reason +
                         "; re-create or re-download the file");
    }

    [[noreturn]] void throw_truncated()
    {
        int code = Z_OK;
        gzerror(file_.get(), &code);
        const std::string detail =
            code == Z_BUF_ERROR ? " (the gzip stream is cut off)" : "";
        throw InputError(path_ + " is truncated: expected " +
                         std::to_string(data_bytes_) + " data bytes, found " +
                         std::to_string(position_) + detail +
                         "; re-create or re-download the file");
    }

    std::string path_;
    GzipFile file_;
    ElementType type_;
    std::size_t element_size_;
    std::int64_t rows_;
    std::int64_t cols_;
    std::uint64_t data_offset_;
    std::uint64_t data_bytes_;
    std::uint64_t position_ = 0;  // uncompressed bytes after data_offset_
};

// Reads up to `size` bytes. Returns fewer only at the end of the stream.
std::size_t read_header_bytes(gzFile file, unsigned char* buffer,
                              std::size_t size, const std::string& path)
{
    std::size_t done = 0;
    while (done < size) {
        const int got =
            gzread(file, buffer + done, static_cast<unsigned>(size - done));
        if (got < 0) {
            int code = Z_OK;
            const char* message = gzerror(file, &code);
            throw InputError(
                "reading " + path + " failed: " +
                (code == Z_ERRNO ? std::strerror(errno) : message) +
                "; re-create or re-download the file");
        }
        if (got == 0) {
            break;
        }
        done += static_cast<std::size_t>(got);
    }
    return done;
}

[[noreturn]] void throw_open_error(const std::string& path,
                                   const std::string& reason)
{
    throw InputError("cannot open " + path + ": " + reason +
                     "; check the path");
}

}  // namespace

IdxHeader parse_idx_header(const unsigned char* bytes, std::size_t size,
                           const std::string& path)
{
    if (size == 0) {
        throw InputError(path + " is empty; expected an IDX file");
    }
    if (size >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B) {
        throw InputError(path +
                         " has an invalid IDX magic number (it starts "
                         "with the bytes 1F 8B); the file looks "
                         "gzip-compressed, so decompress it with gunzip");
    }
    if (size < 4) {
        throw InputError(path +
                         " ends inside the IDX header (the magic "
                         "number needs 4 bytes, the file has " +
                         std::to_string(size) + "); re-create the file");
    }
    if (bytes[0] != 0 || bytes[1] != 0) {
        throw InputError(
            path + " has an invalid IDX magic number " +
            format_hex(static_cast<std::uint32_t>(read_big_endian(bytes, 4)),
                       8) +
            " (expected two zero bytes, a type code and the number of "
            "dimensions); check the path and the format");
    }

    IdxHeader header;
    const IdxType* type = nullptr;
    for (const IdxType& entry : idx_types) {
        if (entry.code == bytes[2]) {
            type = &entry;
        }
    }
    if (type == nullptr) {
        throw InputError(path + " has an unknown IDX type code " +
                         format_hex(bytes[2], 2) +
                         "; expected 0x08 (uint8), 0x09 (int8), 0x0B (int16), "
                         "0x0C (int32), 0x0D (float32) or 0x0E (float64)");
    }
    header.type = type->type;

    const std::size_t dim_count = bytes[3];
    if (dim_count == 0) {
        throw InputError(path + " has an IDX header with 0 dimensions; the "
                                "file is damaged, so re-create it");
    }
    header.data_offset = 4 + 4 * dim_count;
    if (size < header.data_offset) {
        throw InputError(path + " ends inside the IDX header (" +
                         std::to_string(dim_count) + " dimensions need " +
                         std::to_string(header.data_offset) +
                         " header bytes, the file has " + std::to_string(size) +
                         "); re-create the file");
    }
    for (std::size_t i = 0; i < dim_count; ++i) {
        header.dims.push_back(
            static_cast<std::int64_t>(read_big_endian(bytes + 4 + 4 * i, 4)));
    }
    return header;
}

std::unique_ptr<RowSource> open_idx(const std::string& path)
{
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        throw_open_error(path, std::strerror(errno));
    }
    struct stat status {};
    if (::fstat(fd, &status) != 0) {
        const int error = errno;
        ::close(fd);
        throw_open_error(path, std::strerror(error));
    }
    if (!S_ISREG(status.st_mode)) {
        ::close(fd);
        throw_open_error(path, "not a regular file");
    }
    const auto file_size = static_cast<std::uint64_t>(status.st_size);
    GzipFile file(gzdopen(fd, "rb"));
    if (!file) {
        ::close(fd);
        throw_open_error(path, "zlib could not allocate its buffers");
    }

    // The magic number gives the count of sizes that follow it.
    unsigned char bytes[4 + 4 * 255];
    std::size_t size = read_header_bytes(file.get(), bytes, 4, path);
    if (size == 4 && bytes[0] == 0 && bytes[1] == 0) {
        size += read_header_bytes(file.get(), bytes + 4, 4 * bytes[3], path);
    }
    const IdxHeader header = parse_idx_header(bytes, size, path);
    const std::string dims = format_dims(header.dims);
    const IdxType& type = idx_type_of(header.type);

    if (header.dims.size() < 2) {
        throw InputError(path + " is a 1-D IDX file of " + dims +
                         " entries, such as a labels file; a data file with "
                         "at least 2 dimensions is needed, such as an "
                         "images file");
    }
    for (const std::int64_t dim : header.dims) {
        if (dim == 0) {
            throw InputError(path + " has an IDX dimension of size 0 (" + dims +
                             "); every dimension must be at least 1");
        }
    }

    const std::string size_description =
        "the data size of " + path + " (" + dims + " " + type.name + ")";
    std::uint64_t cols = 1;
    for (std::size_t i = 1; i < header.dims.size(); ++i) {
        cols = checked_multiply(
            cols, static_cast<std::uint64_t>(header.dims[i]), size_description);
    }
    const std::uint64_t elements = checked_multiply(
        static_cast<std::uint64_t>(header.dims[0]), cols, size_description);
    const std::uint64_t data_bytes =
        checked_multiply(elements, type.size, size_description);
    if (data_bytes > std::numeric_limits<std::int64_t>::max()) {
        throw InputError(size_description +
                         " exceeds 2^63 - 1 bytes; the "
                         "sizes in the header are invalid, so re-create the "
                         "file");
    }

    if (gzdirect(file.get())) {
        const std::uint64_t found = file_size - header.data_offset;
        if (found < data_bytes) {
            throw InputError(
                path + " is truncated: expected " + std::to_string(data_bytes) +
                " data bytes for " + dims + " " + type.name + ", found " +
                std::to_string(found) + "; re-create or re-download the file");
        }
    } else {
        // The uncompressed length is known only after decompressing, so
        // this bound catches impossible headers and read_rows reports a
        // stream that ends early.
        std::uint64_t max_bytes = 0;
        if (!__builtin_mul_overflow(file_size, max_gzip_expansion,
                                    &max_bytes) &&
            max_bytes < data_bytes) {
            throw InputError(
                path + " is truncated: expected " + std::to_string(data_bytes) +
                " data bytes for " + dims + " " + type.name +
                ", but a gzip file of " + std::to_string(file_size) +
                " bytes decompresses to at most " + std::to_string(max_bytes) +
                "; re-create or re-download the file");
        }
    }

    return std::make_unique<IdxRowSource>(path, std::move(file), header,
                                          static_cast<std::int64_t>(cols),
                                          data_bytes);
}

}  // namespace covdefl::io
