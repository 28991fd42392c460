// Tests of the .npy header parser, reader and writer.

#include <catch2/catch.hpp>

#include <bit>
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
using covdefl::Error;
using covdefl::InputError;
using covdefl::io::ElementType;
using covdefl::io::NpyHeader;
using covdefl::io::RowSource;

const std::string npy_dir = std::string(COVDEFL_TEST_DATA) + "/npy/";

// The 5 x 3 matrix stored in every npy/matrix-5x3-* file, row-major. All
// entries are multiples of 0.25, so they are exact in float32 too.
const std::vector<double> matrix_5x3 = {
    1.5,  -2.0, 3.25,  //
    0.0,  4.5,  -1.0,  //
    2.25, 1.0,  0.5,   //
    -3.0, 2.5,  1.75,  //
    0.75, -0.5, 2.0,
};

std::string read_file(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in);
    return {std::istreambuf_iterator<char>(in),
            std::istreambuf_iterator<char>()};
}

NpyHeader parse(const std::string& bytes)
{
    return covdefl::io::parse_npy_header(
        reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
        "test.npy");
}

// Returns a .npy file image with the given version, dict text and data. The
// dict is padded with spaces and a final '\n' to a multiple of 64 bytes.
std::string make_npy(int major, std::string dict, const std::string& data)
{
    const std::size_t preamble = major == 1 ? 10 : 12;
    std::size_t total = preamble + dict.size() + 1;
    total = (total + 63) / 64 * 64;
    dict.resize(total - preamble - 1, ' ');
    dict += '\n';

    std::string bytes = "\x93NUMPY";
    bytes += static_cast<char>(major);
    bytes += '\0';
    const std::size_t length = dict.size();
    const std::size_t length_bytes = major == 1 ? 2 : 4;
    for (std::size_t i = 0; i < length_bytes; ++i) {
        bytes += static_cast<char>((length >> (8 * i)) & 0xFF);
    }
    return bytes + dict + data;
}

std::string make_dict(const std::string& descr, const std::string& shape)
{
    return "{'descr': '" + descr +
           "', 'fortran_order': False, 'shape': " + shape + ", }";
}

}  // namespace

TEST_CASE("parse_npy_header reads version 1.0", "[npy]")
{
    const NpyHeader header = parse(read_file(npy_dir + "matrix-5x3-c-f8.npy"));
    CHECK(header.major_version == 1);
    CHECK(header.descr == "<f8");
    CHECK(header.type == ElementType::float64);
    CHECK_FALSE(header.big_endian);
    CHECK_FALSE(header.fortran_order);
    CHECK(header.shape == std::vector<std::int64_t>{5, 3});
    CHECK(header.data_offset == 128);
}

TEST_CASE("parse_npy_header reads version 2.0", "[npy]")
{
    const NpyHeader header = parse(read_file(npy_dir + "matrix-5x3-v2-f8.npy"));
    CHECK(header.major_version == 2);
    CHECK(header.descr == "<f8");
    CHECK(header.shape == std::vector<std::int64_t>{5, 3});
    CHECK(header.data_offset == 128);
}

TEST_CASE("parse_npy_header reads version 3.0", "[npy]")
{
    const NpyHeader header = parse(read_file(npy_dir + "matrix-5x3-v3-f8.npy"));
    CHECK(header.major_version == 3);
    CHECK(header.descr == "<f8");
    CHECK(header.shape == std::vector<std::int64_t>{5, 3});
    CHECK(header.data_offset == 128);
}

TEST_CASE("parse_npy_header reads big-endian Fortran-order", "[npy]")
{
    const NpyHeader header =
        parse(read_file(npy_dir + "matrix-5x3-be-fortran-f4.npy"));
    CHECK(header.descr == ">f4");
    CHECK(header.type == ElementType::float32);
    CHECK(header.big_endian);
    CHECK(header.fortran_order);
}

TEST_CASE("parse_npy_header accepts dict variants", "[npy]")
{
    const std::vector<std::string> dicts = {
        "{'shape': (6, 3), 'fortran_order': False, 'descr': '<f8'}",
        "{'fortran_order': False, 'shape': (6, 3), 'descr': '<f8', }",
        "{ 'descr' : '<f8' , 'fortran_order' : False , "
        "'shape' : ( 6 , 3 , ) , }",
        "{'descr':'<f8','fortran_order':False,'shape':(6,3),}",
        "{\"descr\": \"<f8\", \"fortran_order\": False, \"shape\": (6, 3)}",
        "{'descr': '<f8',\n 'fortran_order': False,\n 'shape': (6L, 3L)}",
    };
    for (const std::string& dict : dicts) {
        INFO(dict);
        const NpyHeader header = parse(make_npy(1, dict, ""));
        CHECK(header.descr == "<f8");
        CHECK_FALSE(header.fortran_order);
        CHECK(header.shape == std::vector<std::int64_t>{6, 3});
    }
}

TEST_CASE("parse_npy_header reads shape tuples", "[npy]")
{
    using Shape = std::vector<std::int64_t>;
    CHECK(parse(make_npy(1, make_dict("<f8", "(5,)"), "")).shape == Shape{5});
    CHECK(parse(make_npy(1, make_dict("<f8", "()"), "")).shape == Shape{});
    CHECK(parse(make_npy(1, make_dict("<f8", "(2, 3, 4)"), "")).shape ==
          Shape{2, 3, 4});
    CHECK(parse(make_npy(1, make_dict("<f8", "(0, 3)"), "")).shape ==
          Shape{0, 3});
    CHECK(parse(make_npy(1, make_dict("<f8", "(9223372036854775807, 1)"), ""))
              .shape == Shape{9223372036854775807, 1});
}

TEST_CASE("parse_npy_header rejects malformed dicts", "[npy]")
{
    const std::vector<std::string> dicts = {
        "{'descr': '<f8', 'fortran_order': False}",
        "{'descr': '<f8', 'fortran_order': False, 'shape': (5, 3), "
        "'extra': 1}",
        "{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, "
        "'shape': (5, 3)}",
        "{'descr': '<f8', 'fortran_order': False, 'shape': (5)}",
        "{'descr': '<f8', 'fortran_order': False, 'shape': (-5, 3)}",
        "{'descr': '<f8', 'fortran_order': False, "
        "'shape': (99999999999999999999, 3)}",
        "{'descr': '<f8', 'fortran_order': 0, 'shape': (5, 3)}",
        "{'descr' '<f8', 'fortran_order': False, 'shape': (5, 3)}",
        "{'descr': '<f8' 'fortran_order': False, 'shape': (5, 3)}",
        "{'descr': '<f8, 'fortran_order': False, 'shape': (5, 3)}",
        "{'descr': '<f8', 'fortran_order': False, 'shape': [5, 3]}",
        "{'descr': '<f8', 'fortran_order': False, 'shape': (5, 3)} x",
        "{}",
        "",
    };
    for (const std::string& dict : dicts) {
        INFO(dict);
        CHECK_THROWS_WITH(parse(make_npy(1, dict, "")),
                          Contains("invalid .npy header"));
    }
}

TEST_CASE("parse_npy_header maps dtypes", "[npy]")
{
    struct Case {
        std::string descr;
        ElementType type;
        bool big_endian;
    };
    const bool host_big = std::endian::native == std::endian::big;
    const std::vector<Case> cases = {
        {"<f8", ElementType::float64, false},
        {">f8", ElementType::float64, true},
        {"=f8", ElementType::float64, host_big},
        {"<f4", ElementType::float32, false},
        {">f4", ElementType::float32, true},
        {"=f4", ElementType::float32, host_big},
        {"|u1", ElementType::uint8, false},
        {"|i1", ElementType::int8, false},
        {">i2", ElementType::int16, true},
        {"<i4", ElementType::int32, false},
    };
    for (const Case& c : cases) {
        INFO(c.descr);
        const NpyHeader header =
            parse(make_npy(1, make_dict(c.descr, "(2, 2)"), ""));
        CHECK(header.descr == c.descr);
        CHECK(header.type == c.type);
        CHECK(header.big_endian == c.big_endian);
    }
}

TEST_CASE("parse_npy_header rejects dtypes by name", "[npy]")
{
    const std::vector<std::string> descrs = {"<i8", "<u8", "<c16", "|f8",
                                             "<U3", "<f2", "f8",   "<f16"};
    for (const std::string& descr : descrs) {
        INFO(descr);
        CHECK_THROWS_WITH(parse(make_npy(1, make_dict(descr, "(2, 2)"), "")),
                          Contains("'" + descr + "'") &&
                              Contains("float64 or float32"));
    }

    const std::string structured =
        "{'descr': [('x', '<f8'), ('y', '<i4')], 'fortran_order': False, "
        "'shape': (2,), }";
    CHECK_THROWS_WITH(parse(make_npy(1, structured, "")),
                      Contains("[('x', '<f8'), ('y', '<i4')]") &&
                          Contains("float64 or float32"));
}

TEST_CASE("parse_npy_header rejects invalid preambles", "[npy]")
{
    const std::string good = make_npy(1, make_dict("<f8", "(2, 2)"), "");

    CHECK_THROWS_WITH(parse(""), Contains("is empty"));
    CHECK_THROWS_WITH(parse("hello, world\n"), Contains("not a .npy file"));
    CHECK_THROWS_WITH(parse(std::string("\x93NUMPY", 6)),
                      Contains("ends inside the .npy header"));
    CHECK_THROWS_WITH(parse(good.substr(0, 9)),
                      Contains("ends inside the .npy header"));
    CHECK_THROWS_WITH(parse(good.substr(0, 40)),
                      Contains("the header needs 128 bytes") &&
                          Contains("the file has 40"));

    std::string version = good;
    version[6] = 4;
    CHECK_THROWS_WITH(parse(version), Contains("version 4.0"));
    version[6] = 1;
    version[7] = 1;
    CHECK_THROWS_WITH(parse(version), Contains("version 1.1"));

    // A version 2.0 header length of 0xFFFFFFFF bytes.
    const std::string huge_header =
        std::string("\x93NUMPY\x02\x00\xFF\xFF\xFF\xFF", 12) + "{";
    CHECK_THROWS_WITH(parse(huge_header),
                      Contains("4294967295 bytes") &&
                          Contains("more than the maximum"));
}

TEST_CASE("open_npy reads every C-order layout", "[npy]")
{
    const std::vector<std::string> names = {
        "matrix-5x3-c-f8.npy",  "matrix-5x3-be-f8.npy", "matrix-5x3-c-f4.npy",
        "matrix-5x3-be-f4.npy", "matrix-5x3-v2-f8.npy", "matrix-5x3-v3-f8.npy",
    };
    for (const std::string& name : names) {
        INFO(name);
        const auto source = covdefl::io::open_npy(npy_dir + name);
        CHECK(source->rows() == 5);
        CHECK(source->cols() == 3);
        CHECK(read_all(*source) == matrix_5x3);
    }
}

TEST_CASE("open_npy reads rows in pieces", "[npy]")
{
    for (const std::string name :
         {"matrix-5x3-c-f8.npy", "matrix-5x3-be-f4.npy"}) {
        INFO(name);
        const auto source = covdefl::io::open_npy(npy_dir + name);
        std::vector<double> rows(6);
        source->read_rows(1, 2, rows.data());
        CHECK(rows == std::vector<double>(matrix_5x3.begin() + 3,
                                          matrix_5x3.begin() + 9));
        source->read_rows(4, 1, rows.data());
        CHECK(std::vector<double>(rows.begin(), rows.begin() + 3) ==
              std::vector<double>(matrix_5x3.begin() + 12, matrix_5x3.end()));
        source->read_rows(5, 0, rows.data());
        CHECK_THROWS_AS(source->read_rows(4, 2, rows.data()),
                        std::out_of_range);
        CHECK_THROWS_AS(source->read_rows(-1, 1, rows.data()),
                        std::out_of_range);
    }
}

TEST_CASE("open_npy widens float32 before summing", "[npy]")
{
    // Values 16384 + k/64: a float32 running sum of column 0 gives a mean of
    // 16384.00390625 instead of 16384.00257421875.
    const auto source =
        covdefl::io::open_npy(npy_dir + "large-magnitude-4000x2-f4.npy");
    REQUIRE(source->rows() == 4000);
    REQUIRE(source->cols() == 2);
    const std::vector<double> values = read_all(*source);
    double sum0 = 0.0;
    double sum1 = 0.0;
    for (std::size_t i = 0; i < values.size(); i += 2) {
        sum0 += values[i];
        sum1 += values[i + 1];
    }
    // Every partial sum is a multiple of 1/64 below 2^26, so the sums are
    // exact in double.
    CHECK(sum0 / 4000 == Approx(16384.00257421875).epsilon(1e-15));
    CHECK(sum1 / 4000 == Approx(16383.99773828125).epsilon(1e-15));
}

TEST_CASE("open_npy rejects Fortran order", "[npy]")
{
    // The row reader is C order only; read_binary_matrix reads both orders.
    for (const std::string name :
         {"matrix-5x3-fortran-f8.npy", "matrix-5x3-be-fortran-f4.npy"}) {
        INFO(name);
        CHECK_THROWS_WITH(covdefl::io::open_npy(npy_dir + name),
                          Contains(name) && Contains("C-order .npy only"));
    }
}

TEST_CASE("open_npy rejects integer dtypes", "[npy]")
{
    CHECK_THROWS_WITH(covdefl::io::open_npy(npy_dir + "matrix-5x3-i8.npy"),
                      Contains("'<i8'") && Contains("float64 or float32"));

    TemporaryFolder folder;
    for (const std::string descr : {"|u1", "<i2", "<i4"}) {
        INFO(descr);
        const std::string path = folder.file("int.npy");
        write_file(path, make_npy(1, make_dict(descr, "(2, 2)"),
                                  std::string(16, '\0')));
        CHECK_THROWS_WITH(covdefl::io::open_npy(path),
                          Contains("'" + std::string(descr) + "'") &&
                              Contains("float64 or float32"));
    }
}

TEST_CASE("open_npy rejects 1-D and 3-D arrays", "[npy]")
{
    CHECK_THROWS_WITH(covdefl::io::open_npy(npy_dir + "one-d-5-f8.npy"),
                      Contains("shape (5,)") && Contains("2-D array n x d"));
    CHECK_THROWS_WITH(covdefl::io::open_npy(npy_dir + "three-d-2x3x4-f8.npy"),
                      Contains("shape (2, 3, 4)") &&
                          Contains("2-D array n x d"));
}

TEST_CASE("open_npy rejects truncated data", "[npy]")
{
    CHECK_THROWS_WITH(covdefl::io::open_npy(npy_dir + "truncated-6x3-f8.npy"),
                      Contains("truncated") &&
                          Contains("expected 144 data bytes") &&
                          Contains("found 80"));
    // 65536 x 65536 is 0 in 32-bit arithmetic.
    CHECK_THROWS_WITH(
        covdefl::io::open_npy(npy_dir + "huge-65536x65536-f8.npy"),
        Contains("expected 34359738368 data bytes") && Contains("found 16"));
}

TEST_CASE("open_npy rejects a file that shrinks", "[npy]")
{
    TemporaryFolder folder;
    const std::string path = folder.file("shrinking.npy");
    fs::copy_file(npy_dir + "matrix-5x3-c-f8.npy", path);
    const auto source = covdefl::io::open_npy(path);
    fs::resize_file(path, 128 + 7 * 8);
    std::vector<double> values(15);
    CHECK_THROWS_WITH(source->read_rows(0, 5, values.data()),
                      Contains("expected 120 data bytes") &&
                          Contains("found 56"));
}

TEST_CASE("open_npy rejects sizes that overflow", "[npy]")
{
    TemporaryFolder folder;
    const std::string path = folder.file("overflow.npy");

    // 2^32 x 2^32 elements overflow before the element size is applied.
    write_file(path, make_npy(1, make_dict("<f8", "(4294967296, 4294967296)"),
                              std::string(16, '\0')));
    CHECK_THROWS_WITH(covdefl::io::open_npy(path),
                      Contains("overflows 64 bits"));

    // 2^62 x 2 elements fit, but 2^63 x 8 bytes do not.
    write_file(path, make_npy(1, make_dict("<f8", "(4611686018427387904, 2)"),
                              std::string(16, '\0')));
    CHECK_THROWS_WITH(covdefl::io::open_npy(path),
                      Contains("overflows 64 bits"));
}

TEST_CASE("open_npy rejects empty arrays", "[npy]")
{
    TemporaryFolder folder;
    const std::string path = folder.file("empty.npy");
    for (const std::string shape : {"(0, 3)", "(3, 0)"}) {
        INFO(shape);
        write_file(path, make_npy(1, make_dict("<f8", shape), ""));
        CHECK_THROWS_WITH(
            covdefl::io::open_npy(path),
            Contains("empty array of shape " + std::string(shape)));
    }
}

TEST_CASE("open_npy rejects invalid files", "[npy]")
{
    TemporaryFolder folder;
    const std::string empty = folder.file("empty.npy");
    write_file(empty, "");
    CHECK_THROWS_WITH(covdefl::io::open_npy(empty),
                      Contains(empty) && Contains("is empty"));

    const std::string text = folder.file("text.npy");
    write_file(text, "1.0, 2.0\n3.0, 4.0\n");
    CHECK_THROWS_WITH(covdefl::io::open_npy(text), Contains("not a .npy file"));

    const std::string short_header = folder.file("short-header.npy");
    write_file(short_header,
               make_npy(2, make_dict("<f8", "(2, 2)"), "").substr(0, 30));
    CHECK_THROWS_WITH(covdefl::io::open_npy(short_header),
                      Contains("ends inside the .npy header"));

    const std::string missing = folder.file("missing.npy");
    CHECK_THROWS_WITH(covdefl::io::open_npy(missing),
                      Contains("cannot open " + missing) &&
                          Contains("No such file or directory") &&
                          Contains("check the path"));

    CHECK_THROWS_WITH(covdefl::io::open_npy(folder.file("")),
                      Contains("not a regular file"));
}

TEST_CASE("write_npy round trip", "[npy]")
{
    TemporaryFolder folder;
    const std::string path = folder.file("out.npy");
    covdefl::io::write_npy(path, {5, 3}, matrix_5x3.data());

    const std::string bytes = read_file(path);
    const NpyHeader header = parse(bytes);
    CHECK(header.major_version == 1);
    CHECK(header.descr == "<f8");
    CHECK_FALSE(header.fortran_order);
    CHECK(header.shape == std::vector<std::int64_t>{5, 3});
    CHECK(header.data_offset % 64 == 0);
    CHECK(bytes[header.data_offset - 1] == '\n');
    CHECK(bytes.size() == header.data_offset + 15 * 8);

    const auto source = covdefl::io::open_npy(path);
    CHECK(read_all(*source) == matrix_5x3);
    CHECK(folder.names() == std::vector<std::string>{"out.npy"});

    // A second write replaces the file.
    const std::vector<double> vector = {1.0, -2.0, 0.5};
    covdefl::io::write_npy(path, {3}, vector.data());
    const NpyHeader replaced = parse(read_file(path));
    CHECK(replaced.shape == std::vector<std::int64_t>{3});
    CHECK(folder.names() == std::vector<std::string>{"out.npy"});
}

TEST_CASE("write_npy pads headers to 64 bytes", "[npy]")
{
    TemporaryFolder folder;
    const std::string path = folder.file("padded.npy");
    const std::vector<std::vector<std::int64_t>> shapes = {
        {},
        {0},
        {1, 1},
        {123456789, 0},
        {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1},
    };
    const double value = 4.25;
    for (const auto& shape : shapes) {
        INFO("dimensions: " << shape.size());
        covdefl::io::write_npy(path, shape, &value);
        const std::string bytes = read_file(path);
        const NpyHeader header = parse(bytes);
        CHECK(header.shape == shape);
        CHECK(header.data_offset % 64 == 0);
        CHECK(bytes[header.data_offset - 1] == '\n');
    }
}

TEST_CASE("write_npy output loads in numpy", "[npy]")
{
    const std::string python = "/usr/bin/python3";
    if (std::system((python + " -c 'import numpy' 2>/dev/null").c_str()) != 0) {
        WARN("skipped: numpy is not installed for " << python);
        return;
    }
    TemporaryFolder folder;
    const std::string path = folder.file("numpy.npy");
    covdefl::io::write_npy(path, {5, 3}, matrix_5x3.data());
    const std::string command =
        python +
        " -c 'import sys, numpy; a = numpy.load(sys.argv[1]); "
        "sys.exit(0 if a.shape == (5, 3) and a[0, 2] == 3.25 and "
        "a[4, 1] == -0.5 else 1)' " +
        path;
    CHECK(std::system(command.c_str()) == 0);
}

TEST_CASE("write_npy failures name the path", "[npy]")
{
    TemporaryFolder folder;
    const std::string missing_folder = folder.file("missing/out.npy");
    CHECK_THROWS_WITH(
        covdefl::io::write_npy(missing_folder, {1, 1}, matrix_5x3.data()),
        Contains("cannot write " + missing_folder) &&
            Contains("No such file or directory"));

    // Renaming onto a non-empty folder fails after the data is written, so
    // the temporary file must be removed.
    const std::string occupied = folder.file("occupied");
    fs::create_directory(occupied);
    write_file(occupied + "/keep", "x");
    CHECK_THROWS_AS(covdefl::io::write_npy(occupied, {1, 1}, matrix_5x3.data()),
                    Error);
    CHECK(folder.names() == std::vector<std::string>{"occupied"});

    CHECK_THROWS_WITH(covdefl::io::write_npy(folder.file("negative.npy"),
                                             {2, -1}, matrix_5x3.data()),
                      Contains("negative size"));
}
