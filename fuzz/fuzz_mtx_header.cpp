// Fuzzes parse_matrix_market_header. A covdefl::Error such as InputError is
// an expected outcome. Any other exception, a sanitizer report or a broken
// invariant of the parsed header is a crash.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "covdefl/io.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size)
{
    using Header = covdefl::io::MatrixMarketHeader;

    const std::string_view text(reinterpret_cast<const char*>(data), size);
    Header header;
    try {
        header = covdefl::io::parse_matrix_market_header(text, "fuzz.mtx");
    } catch (const covdefl::Error&) {
        return 0;
    }

    COVDEFL_FUZZ_CHECK(header.rows >= 0);
    COVDEFL_FUZZ_CHECK(header.cols >= 0);
    COVDEFL_FUZZ_CHECK(header.entries >= 0);
    COVDEFL_FUZZ_CHECK(header.data_offset <= size);
    // The banner and the size line take at least two lines.
    COVDEFL_FUZZ_CHECK(header.header_lines >= 2);
    if (header.symmetry == Header::Symmetry::symmetric) {
        COVDEFL_FUZZ_CHECK(header.rows == header.cols);
    }
    // Never more entries than positions, computed without overflow.
    std::int64_t positions = 0;
    if (!__builtin_mul_overflow(header.rows, header.cols, &positions)) {
        COVDEFL_FUZZ_CHECK(header.entries <= positions);
    }

    // The header alone, up to data_offset, must parse to the same result.
    const Header prefix = covdefl::io::parse_matrix_market_header(
        text.substr(0, static_cast<std::size_t>(header.data_offset)),
        "fuzz.mtx");
    COVDEFL_FUZZ_CHECK(prefix.format == header.format);
    COVDEFL_FUZZ_CHECK(prefix.field == header.field);
    COVDEFL_FUZZ_CHECK(prefix.symmetry == header.symmetry);
    COVDEFL_FUZZ_CHECK(prefix.rows == header.rows);
    COVDEFL_FUZZ_CHECK(prefix.cols == header.cols);
    COVDEFL_FUZZ_CHECK(prefix.entries == header.entries);
    COVDEFL_FUZZ_CHECK(prefix.data_offset == header.data_offset);
    COVDEFL_FUZZ_CHECK(prefix.header_lines == header.header_lines);
    return 0;
}
