// Fuzzes parse_idx_header. A covdefl::Error such as InputError is an expected
// outcome. Any other exception, a sanitizer report or a broken invariant of the
// parsed header is a crash.

#include <cstddef>
#include <cstdint>
#include <string>

#include "covdefl/io.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size)
{
    covdefl::io::IdxHeader header;
    try {
        header = covdefl::io::parse_idx_header(data, size, "fuzz.idx");
    } catch (const covdefl::Error&) {
        return 0;
    }

    // The magic number's last byte is the dimension count, 1 to 255, and
    // each dimension is a 32-bit size.
    COVDEFL_FUZZ_CHECK(!header.dims.empty());
    COVDEFL_FUZZ_CHECK(header.dims.size() <= 255);
    COVDEFL_FUZZ_CHECK(header.dims.size() == data[3]);
    COVDEFL_FUZZ_CHECK(header.data_offset == 4 + 4 * header.dims.size());
    COVDEFL_FUZZ_CHECK(header.data_offset <= size);
    for (const std::int64_t extent : header.dims) {
        COVDEFL_FUZZ_CHECK(extent >= 0);
        COVDEFL_FUZZ_CHECK(extent <= INT64_C(0xFFFFFFFF));
    }

    // The header alone must parse to the same result.
    const covdefl::io::IdxHeader prefix_header = covdefl::io::parse_idx_header(
        data, static_cast<std::size_t>(header.data_offset), "fuzz.idx");
    COVDEFL_FUZZ_CHECK(prefix_header.type == header.type);
    COVDEFL_FUZZ_CHECK(prefix_header.dims == header.dims);
    COVDEFL_FUZZ_CHECK(prefix_header.data_offset == header.data_offset);
    return 0;
}
