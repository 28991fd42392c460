// Reader and writer for NumPy `.npy` files. A file starts with the magic
// string "\x93NUMPY", a major and a minor version byte and the header length
// as a little-endian integer (2 bytes in version 1.0, 4 bytes in 2.0 and
// 3.0). The header is a Python dict literal padded with spaces and ending in
// '\n'. The array data follows it.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string_view>
#include <utility>

#include "covdefl/binary_input.hpp"
#include "covdefl/io.hpp"

namespace covdefl::io {
namespace {

constexpr std::string_view npy_magic = "\x93NUMPY";

// Headers longer than this are rejected before any memory is allocated for
// them. numpy 1.24 itself rejects headers over 10000 bytes unless the caller
// raises max_header_size (numpy/lib/format.py).
constexpr std::uint64_t max_npy_header_bytes = 1 << 20;

// Bytes converted per pass when the data needs a byte swap or a widening.
constexpr std::size_t read_chunk_bytes = 1 << 20;

constexpr bool host_is_big_endian = std::endian::native == std::endian::big;

std::string format_shape(const std::vector<std::int64_t>& shape)
{
    std::string text = "(";
    for (std::size_t i = 0; i < shape.size(); ++i) {
        if (i > 0) {
            text += ", ";
        }
        text += std::to_string(shape[i]);
    }
    if (shape.size() == 1) {
        text += ",";
    }
    return text + ")";
}

[[noreturn]] void throw_unsupported_dtype(const std::string& path,
                                          const std::string& descr)
{
    throw InputError(path + " has the unsupported dtype '" + descr +
                     "'; float64 or float32 is required (<f8, >f8, <f4 or "
                     ">f4), so convert the array with "
                     "numpy.ndarray.astype(numpy.float64)");
}

std::size_t element_size(ElementType type)
{
    switch (type) {
    case ElementType::uint8:
    case ElementType::int8:
        return 1;
    case ElementType::int16:
        return 2;
    case ElementType::int32:
    case ElementType::float32:
        return 4;
    case ElementType::float64:
        return 8;
    }
    return 0;
}

// Fills `header.type` and `header.big_endian` from a dtype string such as
// "<f8". The byte order '=' means the host's order, and '|' (not
// applicable) is accepted for one-byte types only.
void set_element_type(NpyHeader& header, const std::string& path)
{
    const std::string& descr = header.descr;
    if (descr.size() != 3) {
        throw_unsupported_dtype(path, descr);
    }
    const char order = descr[0];
    const std::string_view code = std::string_view(descr).substr(1);
    if (code == "f8") {
        header.type = ElementType::float64;
    } else if (code == "f4") {
        header.type = ElementType::float32;
    } else if (code == "i4") {
        header.type = ElementType::int32;
    } else if (code == "i2") {
        header.type = ElementType::int16;
    } else if (code == "i1") {
        header.type = ElementType::int8;
    } else if (code == "u1") {
        header.type = ElementType::uint8;
    } else {
        throw_unsupported_dtype(path, descr);
    }

    const bool one_byte = element_size(header.type) == 1;
    if (order == '<') {
        header.big_endian = false;
    } else if (order == '>') {
        header.big_endian = !one_byte;
    } else if (order == '=') {
        header.big_endian = !one_byte && host_is_big_endian;
    } else if (order == '|' && one_byte) {
        header.big_endian = false;
    } else {
        throw_unsupported_dtype(path, descr);
    }
}

// Parser for the subset of Python literal syntax that numpy writes in a
// `.npy` header: a dict with string keys, string, bool and tuple-of-int
// values, arbitrary whitespace and optional trailing commas.
class NpyDictParser {
public:
    NpyDictParser(std::string_view text, std::size_t file_offset,
                  const std::string& path)
        : text_(text)
        , file_offset_(file_offset)
        , path_(path)
    {
    }

    // Parses the whole dict into `header`. Every key must appear once.
    void parse(NpyHeader& header)
    {
        bool have_descr = false;
        bool have_fortran_order = false;
        bool have_shape = false;

        expect('{');
        while (!consume('}')) {
            const std::string key = parse_string();
            expect(':');
            if (key == "descr") {
                reject_duplicate(have_descr, key);
                skip_space();
                // A structured dtype is a list of fields. Its text goes
                // into the "unsupported dtype" message.
                header.descr = peek_is_quote() ? parse_string() : skip_value();
            } else if (key == "fortran_order") {
                reject_duplicate(have_fortran_order, key);
                header.fortran_order = parse_bool();
            } else if (key == "shape") {
                reject_duplicate(have_shape, key);
                header.shape = parse_shape();
            } else {
                fail("unknown key '" + key + "'");
            }
            if (!consume(',')) {
                expect('}');
                break;
            }
        }
        skip_space();
        if (pos_ != text_.size()) {
            fail("unexpected text after the closing '}'");
        }
        if (!have_descr) {
            fail("the key 'descr' is missing");
        }
        if (!have_fortran_order) {
            fail("the key 'fortran_order' is missing");
        }
        if (!have_shape) {
            fail("the key 'shape' is missing");
        }
    }

private:
    [[noreturn]] void fail(const std::string& problem) const
    {
        throw InputError(path_ + " has an invalid .npy header: " + problem +
                         " at byte " + std::to_string(file_offset_ + pos_) +
                         "; re-create the file with numpy.save");
    }

    void reject_duplicate(bool& seen, const std::string& key) const
    {
        if (seen) {
            fail("the key '" + key + "' appears twice");
        }
        seen = true;
    }

    void skip_space()
    {
        while (pos_ < text_.size() &&
               (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                text_[pos_] == '\n' || text_[pos_] == '\r')) {
            ++pos_;
        }
    }

    // Skips whitespace, then consumes `c` if it comes next.
    bool consume(char c)
    {
        skip_space();
        if (pos_ < text_.size() && text_[pos_] == c) {
            ++pos_;
            return true;
        }
        return false;
    }

    void expect(char c)
    {
        if (!consume(c)) {
            fail(std::string("expected '") + c + "'");
        }
    }

    bool peek_is_quote() const
    {
        return pos_ < text_.size() &&
               (text_[pos_] == '\'' || text_[pos_] == '"');
    }

    std::string parse_string()
    {
        skip_space();
        if (!peek_is_quote()) {
            fail("expected a quoted string");
        }
        const char quote = text_[pos_++];
        std::string value;
        while (pos_ < text_.size() && text_[pos_] != quote) {
            // A backslash escape keeps the next character as it is, which
            // is enough for dtype strings and key names.
            if (text_[pos_] == '\\' && pos_ + 1 < text_.size()) {
                ++pos_;
            }
            value += text_[pos_++];
        }
        if (pos_ == text_.size()) {
            fail("unterminated string");
        }
        ++pos_;
        return value;
    }

    bool parse_bool()
    {
        skip_space();
        const std::string_view rest = text_.substr(pos_);
        if (rest.starts_with("True")) {
            pos_ += 4;
            return true;
        }
        if (rest.starts_with("False")) {
            pos_ += 5;
            return false;
        }
        fail("expected True or False");
    }

    // Parses a tuple of sizes: "()", "(5,)", "(6, 3)". A parenthesised
    // single number such as "(5)" is an int in Python, not a tuple.
    std::vector<std::int64_t> parse_shape()
    {
        std::vector<std::int64_t> shape;
        expect('(');
        while (!consume(')')) {
            shape.push_back(parse_size());
            if (consume(',')) {
                continue;
            }
            expect(')');
            if (shape.size() == 1) {
                fail("'shape' is not a tuple (a 1-tuple is written (n,))");
            }
            break;
        }
        return shape;
    }

    std::int64_t parse_size()
    {
        skip_space();
        if (pos_ < text_.size() && text_[pos_] == '-') {
            fail("negative size in 'shape'");
        }
        if (pos_ == text_.size() || text_[pos_] < '0' || text_[pos_] > '9') {
            fail("expected a size in 'shape'");
        }
        constexpr std::int64_t max = std::numeric_limits<std::int64_t>::max();
        std::int64_t value = 0;
        while (pos_ < text_.size() && text_[pos_] >= '0' &&
               text_[pos_] <= '9') {
            const int digit = text_[pos_] - '0';
            if (value > (max - digit) / 10) {
                fail("size in 'shape' exceeds 2^63 - 1");
            }
            value = value * 10 + digit;
            ++pos_;
        }
        // Python 2 wrote long integers with an 'L' suffix.
        if (pos_ < text_.size() && (text_[pos_] == 'L' || text_[pos_] == 'l')) {
            ++pos_;
        }
        return value;
    }

    // Skips one value of any kind (nested brackets and strings included) and
    // returns its text.
    std::string skip_value()
    {
        skip_space();
        const std::size_t start = pos_;
        int depth = 0;
        while (pos_ < text_.size()) {
            const char c = text_[pos_];
            if (c == '\'' || c == '"') {
                parse_string();
                continue;
            }
            if (c == '(' || c == '[' || c == '{') {
                ++depth;
            } else if (c == ')' || c == ']' || c == '}') {
                if (depth == 0) {
                    break;
                }
                --depth;
            } else if (c == ',' && depth == 0) {
                break;
            }
            ++pos_;
        }
        if (depth != 0) {
            fail("unbalanced brackets");
        }
        std::string_view value = text_.substr(start, pos_ - start);
        while (!value.empty() && value.back() == ' ') {
            value.remove_suffix(1);
        }
        return std::string(value);
    }

    std::string_view text_;
    std::size_t pos_ = 0;
    std::size_t file_offset_;  // file offset of text_[0], for messages
    const std::string& path_;
};

struct NpyPreamble {
    int major_version = 0;
    std::uint64_t header_offset = 0;  // offset of the dict text
    std::uint64_t data_offset = 0;
};

// Reads the magic string, the version and the header length.
NpyPreamble parse_npy_preamble(const unsigned char* bytes, std::size_t size,
                               const std::string& path)
{
    if (size == 0) {
        throw InputError(path + " is empty; expected a .npy file");
    }
    if (size < npy_magic.size() ||
        std::memcmp(bytes, npy_magic.data(), npy_magic.size()) != 0) {
        throw InputError(path +
                         " is not a .npy file (it does not start with "
                         "the magic string \\x93NUMPY); check the path and "
                         "the format");
    }
    if (size < 8) {
        throw InputError(path + " ends inside the .npy header (" +
                         std::to_string(size) + " bytes); re-create the file");
    }

    NpyPreamble preamble;
    preamble.major_version = bytes[6];
    const int minor_version = bytes[7];
    if (preamble.major_version < 1 || preamble.major_version > 3 ||
        minor_version != 0) {
        throw InputError(path + " has .npy format version " +
                         std::to_string(preamble.major_version) + "." +
                         std::to_string(minor_version) +
                         "; supported versions are 1.0, 2.0 and 3.0");
    }

    const std::size_t length_bytes = preamble.major_version == 1 ? 2 : 4;
    preamble.header_offset = 8 + length_bytes;
    if (size < preamble.header_offset) {
        throw InputError(path + " ends inside the .npy header (" +
                         std::to_string(size) + " bytes); re-create the file");
    }
    std::uint64_t header_length = 0;
    for (std::size_t i = 0; i < length_bytes; ++i) {
        header_length |= std::uint64_t{bytes[8 + i]} << (8 * i);
    }
    if (header_length > max_npy_header_bytes) {
        throw InputError(path + " has a .npy header of " +
                         std::to_string(header_length) +
                         " bytes, more than the maximum of " +
                         std::to_string(max_npy_header_bytes) +
                         "; the file is damaged or not a plain array");
    }
    preamble.data_offset = preamble.header_offset + header_length;
    return preamble;
}

// Owns a POSIX file descriptor.
class FileDescriptor {
public:
    explicit FileDescriptor(int fd) : fd_(fd) {}
    FileDescriptor(FileDescriptor&& other) noexcept
        : fd_(std::exchange(other.fd_, -1))
    {
    }
    FileDescriptor& operator=(FileDescriptor&&) = delete;
    ~FileDescriptor()
    {
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }

    int get() const { return fd_; }

    // Closes the descriptor and returns close()'s result.
    int close()
    {
        const int result = ::close(fd_);
        fd_ = -1;
        return result;
    }

private:
    int fd_;
};

// Reads `size` bytes at `offset`. Returns fewer only at the end of the file.
std::size_t read_at(int fd, std::uint64_t offset, void* buffer,
                    std::size_t size, const std::string& path)
{
    auto* bytes = static_cast<unsigned char*>(buffer);
    std::size_t done = 0;
    while (done < size) {
        const ssize_t got = ::pread(fd, bytes + done, size - done,
                                    static_cast<off_t>(offset + done));
        if (got < 0) {
            if (errno == EINTR) {
                continue;
            }
            throw InputError("reading " + path +
                             " failed: " + std::strerror(errno));
        }
        if (got == 0) {
            break;
        }
        done += static_cast<std::size_t>(got);
    }
    return done;
}

double decode_float64(const unsigned char* bytes, bool swap)
{
    std::uint64_t bits = 0;
    std::memcpy(&bits, bytes, sizeof bits);
    if (swap) {
        bits = __builtin_bswap64(bits);
    }
    return std::bit_cast<double>(bits);
}

double decode_float32(const unsigned char* bytes, bool swap)
{
    std::uint32_t bits = 0;
    std::memcpy(&bits, bytes, sizeof bits);
    if (swap) {
        bits = __builtin_bswap32(bits);
    }
    return static_cast<double>(std::bit_cast<float>(bits));
}

// Rows of a C-order float64 or float32 `.npy` file, read with pread.
class NpyRowSource final : public RowSource {
public:
    NpyRowSource(std::string path, FileDescriptor file, const NpyHeader& header)
        : path_(std::move(path))
        , file_(std::move(file))
        , type_(header.type)
        , swap_(header.big_endian != host_is_big_endian)
        , rows_(header.shape[0])
        , cols_(header.shape[1])
        , element_size_(element_size(header.type))
        , data_offset_(header.data_offset)
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
        // The file size was checked against rows x cols when it was opened,
        // so these products cannot overflow.
        const auto elements = static_cast<std::uint64_t>(count) *
                              static_cast<std::uint64_t>(cols_);
        const std::uint64_t offset =
            data_offset_ + static_cast<std::uint64_t>(first) *
                               static_cast<std::uint64_t>(cols_) *
                               element_size_;

        if (type_ == ElementType::float64 && !swap_) {
            read_exact(offset, out, elements * sizeof(double));
            return;
        }
        const std::size_t chunk_elements = read_chunk_bytes / element_size_;
        std::vector<unsigned char> buffer(
            std::min<std::uint64_t>(elements, chunk_elements) * element_size_);
        for (std::uint64_t done = 0; done < elements;) {
            const std::size_t n =
                std::min<std::uint64_t>(chunk_elements, elements - done);
            read_exact(offset + done * element_size_, buffer.data(),
                       n * element_size_);
            for (std::size_t i = 0; i < n; ++i) {
                const unsigned char* bytes = &buffer[i * element_size_];
                out[done + i] = type_ == ElementType::float64
                                    ? decode_float64(bytes, swap_)
                                    : decode_float32(bytes, swap_);
            }
            done += n;
        }
    }

private:
    // Reads exactly `size` bytes at `offset`. The file may have shrunk since
    // its size was checked.
    void read_exact(std::uint64_t offset, void* buffer, std::size_t size)
    {
        const std::size_t got =
            read_at(file_.get(), offset, buffer, size, path_);
        if (got < size) {
            const std::uint64_t expected = static_cast<std::uint64_t>(rows_) *
                                           static_cast<std::uint64_t>(cols_) *
                                           element_size_;
            throw InputError(
                path_ + " is truncated: expected " + std::to_string(expected) +
                " data bytes, found " +
                std::to_string(offset + got - data_offset_) +
                " (the file shrank while it was read); re-create the file");
        }
    }

    std::string path_;
    FileDescriptor file_;
    ElementType type_;
    bool swap_;
    std::int64_t rows_;
    std::int64_t cols_;
    std::size_t element_size_;
    std::uint64_t data_offset_;
};

// Checks everything a reader needs before any data is read: dtype, rank,
// sizes and that the file contains all the data the header promises.
void validate_npy_matrix(const NpyHeader& header, std::uint64_t file_size,
                         const std::string& path)
{
    if (header.type != ElementType::float64 &&
        header.type != ElementType::float32) {
        throw_unsupported_dtype(path, header.descr);
    }
    const std::string shape = format_shape(header.shape);
    if (header.shape.size() != 2) {
        throw InputError(path + " contains an array of shape " + shape +
                         ", but a 2-D array n x d (samples x features) is "
                         "required; reshape it with numpy.reshape");
    }
    if (header.shape[0] == 0 || header.shape[1] == 0) {
        throw InputError(path + " contains an empty array of shape " + shape +
                         "; at least one row and one column are "
                         "required");
    }

    const std::string size_description = "the data size of " + path +
                                         " (shape " + shape + ", dtype '" +
                                         header.descr + "')";
    const std::uint64_t elements = checked_multiply(
        static_cast<std::uint64_t>(header.shape[0]),
        static_cast<std::uint64_t>(header.shape[1]), size_description);
    const std::uint64_t expected =
        checked_multiply(elements, element_size(header.type), size_description);
    const std::uint64_t found = file_size - header.data_offset;
    if (found < expected) {
        throw InputError(path + " is truncated: expected " +
                         std::to_string(expected) + " data bytes for shape " +
                         shape + " and dtype '" + header.descr + "', found " +
                         std::to_string(found) + "; re-create the file");
    }
}

[[noreturn]] void throw_write_error(const std::string& path, int error)
{
    throw Error("cannot write " + path + ": " + std::strerror(error) +
                "; check that the folder exists, is writable and has free "
                "space");
}

void write_all(int fd, const void* buffer, std::size_t size,
               const std::string& path)
{
    const auto* bytes = static_cast<const unsigned char*>(buffer);
    std::size_t done = 0;
    while (done < size) {
        const ssize_t written = ::write(fd, bytes + done, size - done);
        if (written < 0) {
            if (errno == EINTR) {
                continue;
            }
            throw_write_error(path, errno);
        }
        done += static_cast<std::size_t>(written);
    }
}

// Writes the elements as little-endian float64.
void write_float64_le(int fd, const double* data, std::uint64_t count,
                      const std::string& path)
{
    if constexpr (!host_is_big_endian) {
        write_all(fd, data, count * sizeof(double), path);
    } else {
        const std::size_t chunk = read_chunk_bytes / sizeof(double);
        std::vector<std::uint64_t> buffer(
            std::min<std::uint64_t>(count, chunk));
        for (std::uint64_t done = 0; done < count;) {
            const std::size_t n = std::min<std::uint64_t>(chunk, count - done);
            for (std::size_t i = 0; i < n; ++i) {
                buffer[i] = __builtin_bswap64(
                    std::bit_cast<std::uint64_t>(data[done + i]));
            }
            write_all(fd, buffer.data(), n * sizeof(double), path);
            done += n;
        }
    }
}

}  // namespace

// Returns the complete version 1.0 header: magic, version, length and the
// dict padded with spaces so that the data starts at a multiple of 64 bytes.
std::string make_npy_header(const std::vector<std::int64_t>& shape,
                            const std::string& path)
{
    std::string dict = "{'descr': '<f8', 'fortran_order': False, 'shape': " +
                       format_shape(shape) + ", }";
    const std::size_t preamble_size = 10;
    // One byte is kept for the closing '\n'.
    std::size_t total = preamble_size + dict.size() + 1;
    total = (total + 63) / 64 * 64;
    const std::size_t header_length = total - preamble_size;
    if (header_length > 0xFFFF) {
        throw Error("cannot write " + path + ": the shape " +
                    format_shape(shape) +
                    " does not fit a version 1.0 .npy "
                    "header");
    }
    dict.resize(header_length - 1, ' ');
    dict += '\n';

    std::string header(npy_magic);
    header += '\x01';
    header += '\x00';
    header += static_cast<char>(header_length & 0xFF);
    header += static_cast<char>(header_length >> 8);
    return header + dict;
}

NpyHeader parse_npy_header(const unsigned char* bytes, std::size_t size,
                           const std::string& path)
{
    const NpyPreamble preamble = parse_npy_preamble(bytes, size, path);
    if (size < preamble.data_offset) {
        throw InputError(path +
                         " ends inside the .npy header (the header "
                         "needs " +
                         std::to_string(preamble.data_offset) +
                         " bytes, the file has " + std::to_string(size) +
                         "); re-create the file");
    }

    NpyHeader header;
    header.major_version = preamble.major_version;
    header.data_offset = preamble.data_offset;
    const std::string_view text(
        reinterpret_cast<const char*>(bytes + preamble.header_offset),
        preamble.data_offset - preamble.header_offset);
    NpyDictParser(text, preamble.header_offset, path).parse(header);
    set_element_type(header, path);
    return header;
}

namespace {

// Opens `path`, parses its header and validates it as a 2-D float matrix.
std::pair<FileDescriptor, NpyHeader> open_npy_matrix(const std::string& path)
{
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        throw InputError("cannot open " + path + ": " + std::strerror(errno) +
                         "; check the path");
    }
    FileDescriptor file(fd);
    struct stat status {};
    if (::fstat(fd, &status) != 0) {
        throw InputError("cannot open " + path + ": " + std::strerror(errno) +
                         "; check the path");
    }
    if (!S_ISREG(status.st_mode)) {
        throw InputError("cannot open " + path +
                         ": not a regular file; check the path");
    }
    const auto file_size = static_cast<std::uint64_t>(status.st_size);

    // The header length is checked against a fixed maximum before the
    // buffer for the header is sized from it.
    unsigned char prefix[12] = {};
    const std::size_t prefix_size = read_at(
        fd, 0, prefix, std::min<std::uint64_t>(sizeof prefix, file_size), path);
    const NpyPreamble preamble = parse_npy_preamble(prefix, prefix_size, path);
    std::vector<unsigned char> bytes(std::min(preamble.data_offset, file_size));
    const std::size_t size = read_at(fd, 0, bytes.data(), bytes.size(), path);
    const NpyHeader header = parse_npy_header(bytes.data(), size, path);
    validate_npy_matrix(header, file_size, path);
    return {std::move(file), header};
}

}  // namespace

std::unique_ptr<RowSource> open_npy(const std::string& path)
{
    auto [file, header] = open_npy_matrix(path);
    if (header.fortran_order) {
        throw InputError(path +
                         ": open_npy reads C-order .npy only; read "
                         "Fortran-order files with describe_npy_matrix and "
                         "read_binary_matrix");
    }
    return std::make_unique<NpyRowSource>(path, std::move(file), header);
}

BinaryMatrixFile describe_npy_matrix(const std::string& path)
{
    const NpyHeader header = open_npy_matrix(path).second;
    BinaryMatrixFile file;
    file.path = path;
    file.type = header.type;
    file.big_endian = header.big_endian;
    file.column_major = header.fortran_order;
    file.rows = header.shape[0];
    file.cols = header.shape[1];
    file.data_offset = header.data_offset;
    return file;
}

void write_npy(const std::string& path, const std::vector<std::int64_t>& shape,
               const double* data)
{
    std::uint64_t count = 1;
    for (const std::int64_t size : shape) {
        if (size < 0) {
            throw Error("cannot write " + path + ": the shape " +
                        format_shape(shape) + " has a negative size");
        }
        count = checked_multiply(count, static_cast<std::uint64_t>(size),
                                 "the element count of " + path);
    }
    checked_multiply(count, sizeof(double), "the data size of " + path);
    const std::string header = make_npy_header(shape, path);

    const std::string temporary = path + ".tmp." + std::to_string(::getpid());
    const int fd = ::open(temporary.c_str(),
                          O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) {
        throw_write_error(path, errno);
    }
    FileDescriptor file(fd);
    try {
        write_all(fd, header.data(), header.size(), path);
        write_float64_le(fd, data, count, path);
        if (::fsync(fd) != 0) {
            throw_write_error(path, errno);
        }
        if (file.close() != 0) {
            throw_write_error(path, errno);
        }
        if (std::rename(temporary.c_str(), path.c_str()) != 0) {
            throw_write_error(path, errno);
        }
    } catch (...) {
        ::unlink(temporary.c_str());
        throw;
    }
}

}  // namespace covdefl::io
