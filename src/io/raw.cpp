// Raw binary matrix files, whose layout comes from the command line, and
// the choice between the binary readers and the row readers.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>

#include "covdefl/binary_input.hpp"

namespace covdefl::io {

namespace {

// Parses one positive size of a --shape value.
std::int64_t parse_shape_size(std::string_view text, const std::string& shape)
{
    std::int64_t value = 0;
    const char* end = text.data() + text.size();
    const auto [stop, error] = std::from_chars(text.data(), end, value);
    if (text.empty() || error == std::errc::invalid_argument || stop != end) {
        throw InputError("invalid --shape '" + shape +
                         "': expected n,d with two positive integers (rows, "
                         "columns), for example --shape 60000,784");
    }
    if (error == std::errc::result_out_of_range) {
        throw InputError("invalid --shape '" + shape + "': the size '" +
                         std::string(text) + "' exceeds 2^63 - 1");
    }
    if (value < 1) {
        throw InputError("invalid --shape '" + shape +
                         "': both sizes must be at least 1, but one is " +
                         std::to_string(value));
    }
    return value;
}

std::uint64_t file_size_of(const std::string& path)
{
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        throw InputError("cannot open " + path + ": " + std::strerror(errno) +
                         "; check the path");
    }
    struct stat status {};
    const int rc = ::fstat(fd, &status);
    const int fstat_error = errno;
    ::close(fd);
    if (rc != 0) {
        throw InputError("cannot open " + path + ": " +
                         std::strerror(fstat_error) + "; check the path");
    }
    if (!S_ISREG(status.st_mode)) {
        throw InputError("cannot open " + path +
                         ": not a regular file; check the path");
    }
    return static_cast<std::uint64_t>(status.st_size);
}

bool has_raw_extension(const std::string& path)
{
    const std::string name = std::filesystem::path(path).filename().string();
    return name.ends_with(".bin") || name.ends_with(".raw");
}

}  // namespace

RawShape parse_raw_shape(const std::string& text)
{
    const std::size_t comma = text.find(',');
    if (comma == std::string::npos) {
        throw InputError("invalid --shape '" + text +
                         "': expected n,d with two positive integers (rows, "
                         "columns), for example --shape 60000,784");
    }
    const std::string_view view(text);
    RawShape shape;
    shape.rows = parse_shape_size(view.substr(0, comma), text);
    shape.cols = parse_shape_size(view.substr(comma + 1), text);
    return shape;
}

BinaryMatrixFile describe_raw_matrix(const std::string& path,
                                     const RawOptions& options)
{
    // A missing file is reported before the options that describe it.
    const std::uint64_t actual = file_size_of(path);
    if (options.shape.empty()) {
        throw InputError(path +
                         " is raw binary, which stores no shape; pass "
                         "--shape n,d (rows, columns) and, unless the values "
                         "are little-endian float64 in row-major order, "
                         "--dtype, --byte-order and --layout");
    }
    const RawShape shape = parse_raw_shape(options.shape);

    BinaryMatrixFile file;
    file.path = path;
    file.rows = shape.rows;
    file.cols = shape.cols;
    if (options.dtype.empty() || options.dtype == "float64") {
        file.type = ElementType::float64;
    } else if (options.dtype == "float32") {
        file.type = ElementType::float32;
    } else {
        throw InputError("invalid --dtype '" + options.dtype +
                         "': expected float64 or float32");
    }
    if (options.byte_order.empty() || options.byte_order == "little") {
        file.big_endian = false;
    } else if (options.byte_order == "big") {
        file.big_endian = true;
    } else {
        throw InputError("invalid --byte-order '" + options.byte_order +
                         "': expected little or big");
    }
    if (options.layout.empty() || options.layout == "row") {
        file.column_major = false;
    } else if (options.layout == "column") {
        file.column_major = true;
    } else {
        throw InputError("invalid --layout '" + options.layout +
                         "': expected row (C order) or column (Fortran "
                         "order)");
    }

    // Checked before any allocation, in 64 bits with overflow checks, so a
    // shape whose byte count wraps around cannot match a short file.
    const std::uint64_t item_size = file.type == ElementType::float64 ? 8 : 4;
    const std::string what =
        "the data size of " + path + " for --shape " + options.shape;
    const std::uint64_t expected = checked_multiply(
        checked_multiply(static_cast<std::uint64_t>(shape.rows),
                         static_cast<std::uint64_t>(shape.cols), what),
        item_size, what);
    if (actual != expected) {
        throw InputError(
            path + " has " + std::to_string(actual) + " bytes, but --shape " +
            options.shape + " of " +
            (file.type == ElementType::float64 ? "float64" : "float32") +
            " needs exactly " + std::to_string(expected) +
            (actual < expected ? " (the file is truncated)" : "") +
            "; check --shape and --dtype, or re-create the file");
    }
    return file;
}

std::optional<BinaryMatrixFile> describe_binary_input(const std::string& path,
                                                      const std::string& format,
                                                      const RawOptions& raw)
{
    const std::string name = std::filesystem::path(path).filename().string();
    const bool is_raw =
        format == "raw" || (format == "auto" && has_raw_extension(path));
    const bool is_npy =
        format == "npy" || (format == "auto" && name.ends_with(".npy"));
    if (!is_raw && raw.any_given()) {
        throw InputError("--shape, --dtype, --byte-order and --layout "
                         "describe raw binary input only, but " +
                         path + " is not read as raw binary (--format " +
                         format + "); drop them or pass --format raw");
    }
    if (is_raw) {
        return describe_raw_matrix(path, raw);
    }
    if (is_npy) {
        return describe_npy_matrix(path);
    }
    return std::nullopt;
}

}  // namespace covdefl::io
