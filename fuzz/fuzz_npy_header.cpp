// Fuzzes parse_npy_header. A covdefl::Error such as InputError is an expected
// outcome. Any other exception, a sanitizer report or a broken invariant of the
// parsed header is a crash.

#include <cstddef>
#include <cstdint>
#include <string>

#include "covdefl/io.hpp"
#include "fuzz_support.hpp"

namespace {

constexpr std::uint64_t max_header_text_bytes = 1 << 20;

bool same_header(const covdefl::io::NpyHeader& a,
                 const covdefl::io::NpyHeader& b)
{
    return a.major_version == b.major_version && a.descr == b.descr &&
           a.type == b.type && a.big_endian == b.big_endian &&
           a.fortran_order == b.fortran_order && a.shape == b.shape &&
           a.data_offset == b.data_offset;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size)
{
    using covdefl::io::ElementType;

    covdefl::io::NpyHeader header;
    try {
        header = covdefl::io::parse_npy_header(data, size, "fuzz.npy");
    } catch (const covdefl::Error&) {
        return 0;
    }

    COVDEFL_FUZZ_CHECK(header.major_version >= 1 && header.major_version <= 3);
    // Magic (6), version (2) and a header length of 2 or 4 bytes.
    const std::uint64_t preamble_bytes = header.major_version == 1 ? 10 : 12;
    COVDEFL_FUZZ_CHECK(header.data_offset >= preamble_bytes);
    COVDEFL_FUZZ_CHECK(header.data_offset <= size);
    COVDEFL_FUZZ_CHECK(header.data_offset - preamble_bytes <=
                       max_header_text_bytes);
    COVDEFL_FUZZ_CHECK(header.descr.size() == 3);
    const bool one_byte =
        header.type == ElementType::uint8 || header.type == ElementType::int8;
    COVDEFL_FUZZ_CHECK(!(one_byte && header.big_endian));

    // The element count either fits 64 bits or checked_multiply rejects it,
    // never a silent wrap.
    std::uint64_t elements = 1;
    bool overflow = false;
    for (const std::int64_t extent : header.shape) {
        COVDEFL_FUZZ_CHECK(extent >= 0);
        overflow = overflow ||
                   __builtin_mul_overflow(
                       elements, static_cast<std::uint64_t>(extent), &elements);
    }
    if (header.shape.size() == 2) {
        bool rejected = false;
        try {
            covdefl::io::checked_multiply(
                static_cast<std::uint64_t>(header.shape[0]),
                static_cast<std::uint64_t>(header.shape[1]), "fuzz");
        } catch (const covdefl::InputError&) {
            rejected = true;
        }
        COVDEFL_FUZZ_CHECK(rejected == overflow);
    }

    // open_npy passes only the bytes up to data_offset, so the header alone
    // must parse to the same result.
    const covdefl::io::NpyHeader prefix_header = covdefl::io::parse_npy_header(
        data, static_cast<std::size_t>(header.data_offset), "fuzz.npy");
    COVDEFL_FUZZ_CHECK(same_header(header, prefix_header));
    return 0;
}
