// Fuzzes open_idx and IdxRowSource::read_rows on a file in memory, plain or
// gzip-compressed, so the zlib path runs on hostile streams. Rows are read
// in chunks with a skipped chunk between reads, which exercises the forward
// skip of the gzip stream. An InputError is an expected outcome, except
// from read_rows on an uncompressed file, whose size open_idx has already
// checked. Any other exception, a sanitizer report or a broken invariant is
// a crash.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "covdefl/io.hpp"
#include "fuzz_support.hpp"

namespace {

// Doubles converted per read_rows call, at least one row.
constexpr std::int64_t chunk_values = 4096;

// Reads rows in chunks, skipping every second chunk.
void read_alternate_chunks(covdefl::io::RowSource& source)
{
    const std::int64_t chunk_rows =
        std::max<std::int64_t>(1, chunk_values / source.cols());
    std::vector<double> buffer(
        static_cast<std::size_t>(chunk_rows * source.cols()));
    for (std::int64_t first = 0; first < source.rows();
         first += 2 * chunk_rows) {
        const std::int64_t count = std::min(chunk_rows, source.rows() - first);
        source.read_rows(first, count, buffer.data());
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size)
{
    const covdefl::fuzz::MemoryFile file(data, size);
    std::unique_ptr<covdefl::io::RowSource> source;
    try {
        source = covdefl::io::open_idx(file.path());
    } catch (const covdefl::Error&) {
        return 0;
    }
    COVDEFL_FUZZ_CHECK(source->rows() >= 1);
    COVDEFL_FUZZ_CHECK(source->cols() >= 1);

    const bool gzipped = size >= 2 && data[0] == 0x1F && data[1] == 0x8B;
    if (!gzipped) {
        // An uncompressed file was parsed from these very bytes and checked
        // to contain all its data.
        const covdefl::io::IdxHeader header =
            covdefl::io::parse_idx_header(data, size, "fuzz.idx");
        COVDEFL_FUZZ_CHECK(header.dims.size() >= 2);
        COVDEFL_FUZZ_CHECK(header.dims[0] == source->rows());
        std::int64_t values = 0;
        COVDEFL_FUZZ_CHECK(
            !__builtin_mul_overflow(source->rows(), source->cols(), &values));
        COVDEFL_FUZZ_CHECK(static_cast<std::uint64_t>(values) <=
                           size - header.data_offset);
        read_alternate_chunks(*source);
        return 0;
    }
    try {
        read_alternate_chunks(*source);
    } catch (const covdefl::Error&) {
        // A gzip stream that is cut off or corrupt is found only while it
        // is read.
    }
    return 0;
}
