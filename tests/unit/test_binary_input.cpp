// Tests of the layout descriptions of `.npy` and raw binary files, which are
// checked before the MPI-IO reader allocates anything.
#include <catch2/catch.hpp>

#include <string>

#include "covdefl/binary_input.hpp"
#include "file_helpers.hpp"

using Catch::Matchers::Contains;
using covdefl::InputError;
using covdefl::io::BinaryMatrixFile;
using covdefl::io::describe_binary_input;
using covdefl::io::describe_npy_matrix;
using covdefl::io::describe_raw_matrix;
using covdefl::io::ElementType;
using covdefl::io::parse_raw_shape;
using covdefl::io::RawOptions;
using covdefl::testing::TemporaryFolder;

namespace {

const std::string npy_dir = std::string(COVDEFL_TEST_DATA) + "/npy/";

RawOptions shape_only(const std::string& shape)
{
    RawOptions options;
    options.shape = shape;
    return options;
}

}  // namespace

TEST_CASE("parse_raw_shape reads n,d", "[raw]")
{
    const auto shape = parse_raw_shape("60000,784");
    CHECK(shape.rows == 60000);
    CHECK(shape.cols == 784);
    CHECK(parse_raw_shape("1,1").rows == 1);
    CHECK(parse_raw_shape("65536,65536").cols == 65536);
}

TEST_CASE("parse_raw_shape rejects malformed shapes", "[raw]")
{
    for (const std::string text : {"", "5", "5x3", "5,", ",3", "5,3,2", "a,3",
                                   "5,3.0", " 5,3", "5, 3", "0x5,3"}) {
        INFO("'" << text << "'");
        CHECK_THROWS_WITH(parse_raw_shape(text),
                          Contains("invalid --shape '" + text + "'"));
    }
    CHECK_THROWS_WITH(parse_raw_shape("0,3"), Contains("at least 1"));
    CHECK_THROWS_WITH(parse_raw_shape("5,0"), Contains("at least 1"));
    CHECK_THROWS_WITH(parse_raw_shape("-5,3"), Contains("at least 1"));
    CHECK_THROWS_WITH(parse_raw_shape("5,99999999999999999999"),
                      Contains("exceeds 2^63 - 1"));
}

TEST_CASE("describe_raw_matrix checks the exact size", "[raw]")
{
    TemporaryFolder folder;
    const std::string path = folder.write("seven.bin", std::string(56, '\0'));

    CHECK_THROWS_WITH(describe_raw_matrix(path, shape_only("2,4")),
                      Contains(path) && Contains("has 56 bytes") &&
                          Contains("needs exactly 64") &&
                          Contains("truncated"));
    // 2^32 elements of 8 bytes, which a 32-bit product would count as 0.
    CHECK_THROWS_WITH(describe_raw_matrix(path, shape_only("65536,65536")),
                      Contains("needs exactly 34359738368"));
    // A longer file is rejected too: its shape or dtype must be wrong.
    CHECK_THROWS_WITH(describe_raw_matrix(path, shape_only("2,3")),
                      Contains("has 56 bytes") && Contains("needs exactly 48"));
    CHECK_THROWS_WITH(
        describe_raw_matrix(path, shape_only("4294967296,4294967296")),
        Contains("overflows 64 bits"));

    RawOptions float32 = shape_only("2,7");
    float32.dtype = "float32";
    const BinaryMatrixFile file = describe_raw_matrix(path, float32);
    CHECK(file.type == ElementType::float32);
    CHECK(file.rows == 2);
    CHECK(file.cols == 7);
    CHECK(file.data_offset == 0);
    CHECK_FALSE(file.big_endian);
    CHECK_FALSE(file.column_major);
}

TEST_CASE("describe_raw_matrix reads the layout options", "[raw]")
{
    TemporaryFolder folder;
    const std::string path = folder.write("six.bin", std::string(48, '\0'));
    RawOptions options = shape_only("3,2");
    options.byte_order = "big";
    options.layout = "column";
    const BinaryMatrixFile file = describe_raw_matrix(path, options);
    CHECK(file.type == ElementType::float64);
    CHECK(file.big_endian);
    CHECK(file.column_major);

    CHECK_THROWS_WITH(describe_raw_matrix(path, RawOptions{}),
                      Contains("pass --shape n,d"));
    RawOptions bad = shape_only("3,2");
    bad.dtype = "int64";
    CHECK_THROWS_WITH(describe_raw_matrix(path, bad),
                      Contains("invalid --dtype 'int64'"));
    bad = shape_only("3,2");
    bad.byte_order = "native";
    CHECK_THROWS_WITH(describe_raw_matrix(path, bad),
                      Contains("invalid --byte-order 'native'"));
    bad = shape_only("3,2");
    bad.layout = "fortran";
    CHECK_THROWS_WITH(describe_raw_matrix(path, bad),
                      Contains("invalid --layout 'fortran'"));
    CHECK_THROWS_WITH(
        describe_raw_matrix(folder.file("missing.bin"), shape_only("3,2")),
        Contains("cannot open"));
}

TEST_CASE("describe_npy_matrix reads every layout", "[npy]")
{
    struct Case {
        const char* name;
        ElementType type;
        bool big_endian;
        bool column_major;
    };
    for (const Case& c : {
             Case{"matrix-5x3-c-f8.npy", ElementType::float64, false, false},
             Case{"matrix-5x3-be-f8.npy", ElementType::float64, true, false},
             Case{"matrix-5x3-c-f4.npy", ElementType::float32, false, false},
             Case{"matrix-5x3-be-f4.npy", ElementType::float32, true, false},
             Case{"matrix-5x3-fortran-f8.npy", ElementType::float64, false,
                  true},
             Case{"matrix-5x3-be-fortran-f4.npy", ElementType::float32, true,
                  true},
             Case{"matrix-5x3-v2-f8.npy", ElementType::float64, false, false},
             Case{"matrix-5x3-v3-f8.npy", ElementType::float64, false, false},
         }) {
        INFO(c.name);
        const BinaryMatrixFile file = describe_npy_matrix(npy_dir + c.name);
        CHECK(file.rows == 5);
        CHECK(file.cols == 3);
        CHECK(file.type == c.type);
        CHECK(file.big_endian == c.big_endian);
        CHECK(file.column_major == c.column_major);
        CHECK(file.data_offset % 64 == 0);
    }
}

TEST_CASE("describe_npy_matrix rejects unusable files", "[npy]")
{
    CHECK_THROWS_WITH(describe_npy_matrix(npy_dir + "matrix-5x3-i8.npy"),
                      Contains("unsupported dtype '<i8'"));
    CHECK_THROWS_WITH(describe_npy_matrix(npy_dir + "one-d-5-f8.npy"),
                      Contains("shape (5,)") && Contains("2-D array"));
    CHECK_THROWS_WITH(describe_npy_matrix(npy_dir + "three-d-2x3x4-f8.npy"),
                      Contains("shape (2, 3, 4)") && Contains("2-D array"));
    CHECK_THROWS_WITH(describe_npy_matrix(npy_dir + "truncated-6x3-f8.npy"),
                      Contains("expected 144 data bytes") &&
                          Contains("found 80"));
    CHECK_THROWS_WITH(describe_npy_matrix(npy_dir + "huge-65536x65536-f8.npy"),
                      Contains("expected 34359738368 data bytes") &&
                          Contains("found 16"));
}

TEST_CASE("describe_binary_input chooses by format and name", "[raw]")
{
    TemporaryFolder folder;
    const std::string bin = folder.write("m.bin", std::string(48, '\0'));
    const std::string raw = folder.write("m.raw", std::string(48, '\0'));
    const std::string data = folder.write("m.data", std::string(48, '\0'));
    const std::string npy = npy_dir + "matrix-5x3-c-f8.npy";

    CHECK(describe_binary_input(bin, "auto", shape_only("3,2"))->cols == 2);
    CHECK(describe_binary_input(raw, "auto", shape_only("2,3"))->cols == 3);
    CHECK(describe_binary_input(data, "raw", shape_only("6,1"))->rows == 6);
    CHECK(describe_binary_input(npy, "auto", RawOptions{})->rows == 5);
    CHECK(describe_binary_input(npy, "npy", RawOptions{})->cols == 3);
    CHECK_FALSE(describe_binary_input(data, "auto", RawOptions{}));
    CHECK_FALSE(describe_binary_input(bin, "idx", RawOptions{}));

    CHECK_THROWS_WITH(describe_binary_input(bin, "auto", RawOptions{}),
                      Contains("pass --shape n,d"));
    CHECK_THROWS_WITH(describe_binary_input(npy, "auto", shape_only("5,3")),
                      Contains("raw binary input only"));
    CHECK_THROWS_AS(describe_binary_input(bin, "csv", shape_only("3,2")),
                    InputError);
}
