// Fuzzes open_npy and NpyRowSource::read_rows on a file in memory. An
// InputError from open_npy is an expected outcome. After a successful open,
// reading every row must succeed, because open_npy has checked the file
// size against the shape. Any other exception, a sanitizer report or a
// broken invariant is a crash.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "covdefl/io.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size)
{
    const covdefl::fuzz::MemoryFile file(data, size);
    std::unique_ptr<covdefl::io::RowSource> source;
    try {
        source = covdefl::io::open_npy(file.path());
    } catch (const covdefl::Error&) {
        return 0;
    }
    COVDEFL_FUZZ_CHECK(source->rows() >= 1);
    COVDEFL_FUZZ_CHECK(source->cols() >= 1);

    const covdefl::io::NpyHeader header =
        covdefl::io::parse_npy_header(data, size, "fuzz.npy");
    const std::uint64_t element_bytes =
        header.type == covdefl::io::ElementType::float64 ? 8 : 4;
    std::int64_t values = 0;
    COVDEFL_FUZZ_CHECK(
        !__builtin_mul_overflow(source->rows(), source->cols(), &values));
    COVDEFL_FUZZ_CHECK(static_cast<std::uint64_t>(values) <=
                       (size - header.data_offset) / element_bytes);

    std::vector<double> rows(static_cast<std::size_t>(values));
    source->read_rows(0, source->rows(), rows.data());
    // A second read of the last row alone must give the same bits.
    std::vector<double> last(static_cast<std::size_t>(source->cols()));
    source->read_rows(source->rows() - 1, 1, last.data());
    for (std::size_t j = 0; j < last.size(); ++j) {
        const double first_read = rows[rows.size() - last.size() + j];
        COVDEFL_FUZZ_CHECK(std::memcmp(&first_read, &last[j], sizeof(double)) ==
                           0);
    }
    return 0;
}
