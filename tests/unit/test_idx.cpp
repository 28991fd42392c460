// Tests of the IDX header parser and reader, and of open_rows.

#include <catch2/catch.hpp>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include "covdefl/io.hpp"
#include "file_helpers.hpp"

namespace {

using covdefl::testing::read_all;
using covdefl::testing::TemporaryFolder;
using covdefl::testing::write_file;

namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using covdefl::InputError;
using covdefl::io::ElementType;
using covdefl::io::IdxHeader;
using covdefl::io::RowSource;

const std::string idx_dir = std::string(COVDEFL_TEST_DATA) + "/idx/";
const std::string npy_dir = std::string(COVDEFL_TEST_DATA) + "/npy/";

// The 30 pixel bytes of idx/images-5x2x3.idx3-ubyte: 5 images of 2 x 3.
const std::vector<unsigned char> image_pixels = {
    0x00, 0xff, 0x11, 0x22, 0x00, 0xc8,  //
    0x0a, 0xf0, 0x1e, 0x28, 0x05, 0xb4,  //
    0xff, 0x00, 0x00, 0x00, 0xff, 0x00,  //
    0x80, 0x80, 0x80, 0x40, 0x40, 0x40,  //
    0x03, 0xfa, 0x14, 0x1e, 0x0a, 0xbe,
};

// The matrix in idx/matrix-4x3.idx2-float and -double, row-major.
const std::vector<double> matrix_4x3 = {
    1.5,  -2.0, 3.25,  //
    0.0,  4.5,  -1.0,  //
    2.25, 1.0,  0.5,   //
    -3.0, 2.5,  1.75,
};

std::vector<double> image_values()
{
    return {image_pixels.begin(), image_pixels.end()};
}

std::string read_file(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in);
    return {std::istreambuf_iterator<char>(in),
            std::istreambuf_iterator<char>()};
}

IdxHeader parse(const std::string& bytes)
{
    return covdefl::io::parse_idx_header(
        reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
        "test.idx");
}

// Returns an IDX file image: magic number, big-endian sizes and `data`.
std::string make_idx(unsigned char type_code,
                     const std::vector<std::uint32_t>& dims,
                     const std::string& data)
{
    std::string bytes = {'\0', '\0', static_cast<char>(type_code),
                         static_cast<char>(dims.size())};
    for (const std::uint32_t dim : dims) {
        for (int shift = 24; shift >= 0; shift -= 8) {
            bytes += static_cast<char>((dim >> shift) & 0xFF);
        }
    }
    return bytes + data;
}

std::vector<double> slice(const std::vector<double>& values, std::size_t first,
                          std::size_t count)
{
    return {values.begin() + static_cast<std::ptrdiff_t>(first),
            values.begin() + static_cast<std::ptrdiff_t>(first + count)};
}

}  // namespace

TEST_CASE("parse_idx_header reads a 3-D ubyte header", "[idx]")
{
    const IdxHeader header =
        parse(read_file(idx_dir + "images-5x2x3.idx3-ubyte"));
    CHECK(header.type == ElementType::uint8);
    CHECK(header.dims == std::vector<std::int64_t>{5, 2, 3});
    CHECK(header.data_offset == 16);
}

TEST_CASE("parse_idx_header maps type codes", "[idx]")
{
    struct Case {
        unsigned char code;
        ElementType type;
    };
    const std::vector<Case> cases = {
        {0x08, ElementType::uint8},   {0x09, ElementType::int8},
        {0x0B, ElementType::int16},   {0x0C, ElementType::int32},
        {0x0D, ElementType::float32}, {0x0E, ElementType::float64},
    };
    for (const Case& c : cases) {
        INFO("type code " << int{c.code});
        const IdxHeader header = parse(make_idx(c.code, {2, 3}, ""));
        CHECK(header.type == c.type);
        CHECK(header.dims == std::vector<std::int64_t>{2, 3});
        CHECK(header.data_offset == 12);
    }
}

TEST_CASE("parse_idx_header reads sizes above 2^31", "[idx]")
{
    const IdxHeader header = parse(make_idx(0x08, {0xFFFFFFFF, 1}, ""));
    CHECK(header.dims == std::vector<std::int64_t>{4294967295, 1});
}

TEST_CASE("parse_idx_header rejects invalid headers", "[idx]")
{
    CHECK_THROWS_WITH(parse(""), Contains("is empty"));
    CHECK_THROWS_WITH(parse(std::string("\0\0\x08", 3)),
                      Contains("ends inside the IDX header") &&
                          Contains("has 3"));
    CHECK_THROWS_WITH(parse(std::string("\x01\x00\x08\x03", 4)),
                      Contains("invalid IDX magic number 0x01000803"));
    CHECK_THROWS_WITH(parse("P5\n28 28\n255\n"),
                      Contains("invalid IDX magic number 0x50350A32"));
    CHECK_THROWS_WITH(parse(make_idx(0x0A, {2, 3}, "")),
                      Contains("unknown IDX type code 0x0A"));
    CHECK_THROWS_WITH(parse(make_idx(0x08, {}, "")), Contains("0 dimensions"));
    CHECK_THROWS_WITH(parse(read_file(idx_dir + "header-only.idx3-ubyte")),
                      Contains("3 dimensions need 16 header bytes") &&
                          Contains("the file has 8"));
}

TEST_CASE("parse_idx_header detects gzip files", "[idx]")
{
    CHECK_THROWS_WITH(
        parse(read_file(idx_dir + "images-5x2x3-gzipped.idx3-ubyte")),
        Contains("invalid IDX magic number") &&
            Contains("looks gzip-compressed"));
}

TEST_CASE("open_idx reads images as rows of pixels", "[idx]")
{
    const auto source =
        covdefl::io::open_idx(idx_dir + "images-5x2x3.idx3-ubyte");
    REQUIRE(source->rows() == 5);
    REQUIRE(source->cols() == 6);
    const std::vector<double> values = read_all(*source);
    CHECK(values == image_values());

    // Pixel (r, c) of image i is column r * 3 + c of row i.
    CHECK(values[0 * 6 + 1 * 3 + 0] == 0x22);
    CHECK(values[2 * 6 + 1 * 3 + 1] == 0xff);
    CHECK(values[4 * 6 + 0 * 3 + 2] == 0x14);
}

TEST_CASE("open_idx reads rows in pieces", "[idx]")
{
    const std::vector<double> expected = image_values();
    for (const std::string name :
         {"images-5x2x3.idx3-ubyte", "images-5x2x3-gzipped.idx3-ubyte"}) {
        INFO(name);
        const auto source = covdefl::io::open_idx(idx_dir + name);
        std::vector<double> rows(12);
        source->read_rows(1, 1, rows.data());
        CHECK(slice(rows, 0, 6) == slice(expected, 6, 6));
        source->read_rows(3, 2, rows.data());
        CHECK(rows == slice(expected, 18, 12));
        // A backward move rewinds, which the interface does not promise
        // but zlib supports.
        source->read_rows(0, 1, rows.data());
        CHECK(slice(rows, 0, 6) == slice(expected, 0, 6));
        source->read_rows(5, 0, rows.data());
        CHECK_THROWS_AS(source->read_rows(4, 2, rows.data()),
                        std::out_of_range);
    }
}

TEST_CASE("open_idx reads float32 and float64 matrices", "[idx]")
{
    for (const std::string name :
         {"matrix-4x3.idx2-float", "matrix-4x3.idx2-double"}) {
        INFO(name);
        const auto source = covdefl::io::open_idx(idx_dir + name);
        CHECK(source->rows() == 4);
        CHECK(source->cols() == 3);
        CHECK(read_all(*source) == matrix_4x3);
    }
}

TEST_CASE("open_idx reads signed integer types", "[idx]")
{
    TemporaryFolder folder;
    const std::string path = folder.file("signed.idx");

    write_file(path, make_idx(0x09, {2, 2}, "\xFF\x80\x7F\x01"));
    CHECK(read_all(*covdefl::io::open_idx(path)) ==
          std::vector<double>{-1, -128, 127, 1});

    write_file(path,
               make_idx(0x0B, {1, 2}, std::string("\xFF\xFE\x01\x00", 4)));
    CHECK(read_all(*covdefl::io::open_idx(path)) ==
          std::vector<double>{-2, 256});

    write_file(
        path, make_idx(0x0C, {2, 1}, std::string("\x80\0\0\0\0\0\x01\x02", 8)));
    CHECK(read_all(*covdefl::io::open_idx(path)) ==
          std::vector<double>{-2147483648.0, 258});
}

TEST_CASE("open_idx decompresses gzip files", "[idx]")
{
    const auto source =
        covdefl::io::open_idx(idx_dir + "images-5x2x3-gzipped.idx3-ubyte");
    CHECK(source->rows() == 5);
    CHECK(source->cols() == 6);
    CHECK(read_all(*source) == image_values());
}

TEST_CASE("open_idx rejects truncated files", "[idx]")
{
    CHECK_THROWS_WITH(
        covdefl::io::open_idx(idx_dir + "images-truncated-21-of-30.idx3-ubyte"),
        Contains("truncated") && Contains("expected 30 data bytes") &&
            Contains("found 21"));

    // 65536 x 256 x 256 is 0 in 32-bit arithmetic.
    CHECK_THROWS_WITH(
        covdefl::io::open_idx(idx_dir + "huge-dims-65536x256x256.idx3-ubyte"),
        Contains("expected 4294967296 data bytes") && Contains("found 8"));

    CHECK_THROWS_WITH(covdefl::io::open_idx(idx_dir + "header-only.idx3-ubyte"),
                      Contains("ends inside the IDX header"));
}

TEST_CASE("open_idx rejects truncated gzip files", "[idx]")
{
    // The gzip stream is complete, but it contains 21 of 30 pixel bytes.
    const auto source = covdefl::io::open_idx(
        idx_dir + "images-truncated-21-of-30.idx3-ubyte.gz");
    std::vector<double> rows(30);
    source->read_rows(0, 3, rows.data());
    CHECK(slice(rows, 0, 18) == slice(image_values(), 0, 18));
    CHECK_THROWS_WITH(source->read_rows(3, 2, rows.data()),
                      Contains("truncated") &&
                          Contains("expected 30 data bytes") &&
                          Contains("found 21"));

    // The gzip stream itself is cut off before its end.
    const auto cut =
        covdefl::io::open_idx(idx_dir + "images-5x2x3-gzip-cut.idx3-ubyte.gz");
    CHECK_THROWS_WITH(read_all(*cut), Contains("truncated") &&
                                          Contains("expected 30 data bytes"));

    // The header promises more than a gzip file of 32 bytes can contain.
    CHECK_THROWS_WITH(covdefl::io::open_idx(
                          idx_dir + "huge-dims-65536x256x256.idx3-ubyte.gz"),
                      Contains("expected 4294967296 data bytes") &&
                          Contains("decompresses to at most"));
}

TEST_CASE("open_idx rejects sizes that overflow", "[idx]")
{
    // Read big-endian, the sizes are 83886080 x 33554432 x 50331648, whose
    // product 15 x 2^73 is 0 modulo 2^64.
    CHECK_THROWS_WITH(
        covdefl::io::open_idx(idx_dir + "little-endian-sizes.idx3-ubyte"),
        Contains("overflows 64 bits") && !Contains("0 data bytes"));

    TemporaryFolder folder;
    const std::string path = folder.file("overflow.idx");
    // 2^32 - 1 rows of (2^32 - 1)^2 columns.
    write_file(path, make_idx(0x0E, {0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF}, ""));
    CHECK_THROWS_WITH(covdefl::io::open_idx(path),
                      Contains("overflows 64 bits"));
}

TEST_CASE("open_idx rejects 1-D files and zero sizes", "[idx]")
{
    TemporaryFolder folder;
    const std::string labels = folder.file("labels-idx1-ubyte");
    write_file(labels, make_idx(0x08, {3}, "\x01\x02\x03"));
    CHECK_THROWS_WITH(covdefl::io::open_idx(labels),
                      Contains("1-D IDX file") &&
                          Contains("at least 2 dimensions"));

    const std::string zero = folder.file("zero-idx3-ubyte");
    for (const std::vector<std::uint32_t>& dims :
         {std::vector<std::uint32_t>{0, 2, 3},
          std::vector<std::uint32_t>{5, 0, 3}}) {
        write_file(zero, make_idx(0x08, dims, ""));
        CHECK_THROWS_WITH(covdefl::io::open_idx(zero),
                          Contains("dimension of size 0"));
    }
}

TEST_CASE("open_idx rejects missing and empty files", "[idx]")
{
    TemporaryFolder folder;
    const std::string missing = folder.file("missing-idx3-ubyte");
    CHECK_THROWS_WITH(covdefl::io::open_idx(missing),
                      Contains("cannot open " + missing) &&
                          Contains("No such file or directory") &&
                          Contains("check the path"));

    const std::string empty = folder.file("empty-idx3-ubyte");
    write_file(empty, "");
    CHECK_THROWS_WITH(covdefl::io::open_idx(empty), Contains("is empty"));
}

TEST_CASE("open_rows detects format from name", "[idx]")
{
    TemporaryFolder folder;
    // The usual MNIST download name.
    const std::string mnist = folder.file("train-images-idx3-ubyte.gz");
    fs::copy_file(idx_dir + "images-5x2x3-gzipped.idx3-ubyte", mnist);
    CHECK(read_all(*covdefl::io::open_rows(mnist, "auto")) == image_values());

    const std::string ubyte = folder.file("t10k-images.ubyte");
    fs::copy_file(idx_dir + "images-5x2x3.idx3-ubyte", ubyte);
    CHECK_THROWS_WITH(covdefl::io::open_rows(ubyte, "auto"),
                      Contains("cannot determine the format") &&
                          Contains("--format npy|raw|idx|csv|mm"));
    CHECK(covdefl::io::open_rows(ubyte, "idx")->cols() == 6);

    const auto npy =
        covdefl::io::open_rows(npy_dir + "matrix-5x3-c-f8.npy", "auto");
    CHECK(npy->rows() == 5);
    CHECK(npy->cols() == 3);

    CHECK(covdefl::io::open_rows(idx_dir + "matrix-4x3.idx2-float", "auto")
              ->rows() == 4);
}

TEST_CASE("open_rows uses an explicit format", "[idx]")
{
    CHECK_THROWS_WITH(
        covdefl::io::open_rows(idx_dir + "images-5x2x3.idx3-ubyte", "npy"),
        Contains("not a .npy file"));
    CHECK_THROWS_WITH(
        covdefl::io::open_rows(npy_dir + "matrix-5x3-c-f8.npy", "idx"),
        Contains("invalid IDX magic number"));
    CHECK_THROWS_WITH(
        covdefl::io::open_rows(npy_dir + "matrix-5x3-c-f8.npy", "csv"),
        Contains("not text"));
    CHECK_THROWS_WITH(
        covdefl::io::open_rows(npy_dir + "matrix-5x3-c-f8.npy", "xml"),
        Contains("unknown input format 'xml'"));
}

TEST_CASE("open_rows reports a missing file first", "[idx]")
{
    TemporaryFolder folder;
    const std::string missing = folder.file("data.bin");
    CHECK_THROWS_WITH(covdefl::io::open_rows(missing, "auto"),
                      Contains("cannot open " + missing) &&
                          Contains("No such file or directory") &&
                          Contains("check the path"));
    CHECK_THROWS_AS(covdefl::io::open_rows(missing, "npy"), InputError);
    CHECK_THROWS_WITH(covdefl::io::open_rows(folder.file(""), "auto"),
                      Contains("not a regular file"));
}
