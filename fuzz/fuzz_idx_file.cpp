// Fuzzes open_idx and IdxRowSource::read_rows on a file in memory, plain or
// gzip-compressed, so the zlib path runs on hostile streams. Rows are read
// in chunks with a skipped chunk between reads, which exercises the forward
// skip of the gzip stream. A covdefl::Error such as InputError is an
// expected outcome, except from read_rows on an uncompressed file, whose
// size open_idx has already checked. An uncompressed file that opens is
// also gzip-compressed and read again, which must give the same bits. Any
// other exception, a sanitizer report or a broken invariant is a crash.

#include <zlib.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "covdefl/io.hpp"
#include "fuzz_support.hpp"

namespace {

// Doubles converted per read_rows call, at least one row.
constexpr std::int64_t chunk_values = 4096;

// Reads rows in chunks, skipping every second chunk, and returns the
// values read, chunk after chunk.
std::vector<double> read_alternate_chunks(covdefl::io::RowSource& source)
{
    const std::int64_t chunk_rows =
        std::max<std::int64_t>(1, chunk_values / source.cols());
    std::vector<double> values;
    std::vector<double> buffer(
        static_cast<std::size_t>(chunk_rows * source.cols()));
    for (std::int64_t first = 0; first < source.rows();
         first += 2 * chunk_rows) {
        const std::int64_t count = std::min(chunk_rows, source.rows() - first);
        source.read_rows(first, count, buffer.data());
        values.insert(values.end(), buffer.begin(),
                      buffer.begin() + count * source.cols());
    }
    return values;
}

// Returns `data` compressed as one gzip member.
std::vector<unsigned char> gzip_compress(const std::uint8_t* data,
                                         std::size_t size)
{
    z_stream stream{};
    // Window bits 15 + 16 select the gzip wrapper.
    if (deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
                     Z_DEFAULT_STRATEGY) != Z_OK) {
        std::fputs("deflateInit2 failed\n", stderr);
        std::abort();
    }
    std::vector<unsigned char> output(deflateBound(&stream, size) + 32);
    stream.next_in = const_cast<std::uint8_t*>(data);
    stream.avail_in = static_cast<uInt>(size);
    stream.next_out = output.data();
    stream.avail_out = static_cast<uInt>(output.size());
    if (deflate(&stream, Z_FINISH) != Z_STREAM_END) {
        std::fputs("deflate did not finish in deflateBound bytes\n", stderr);
        std::abort();
    }
    output.resize(stream.total_out);
    deflateEnd(&stream);
    return output;
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b)
{
    return a.size() == b.size() &&
           std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
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
    if (gzipped) {
        try {
            read_alternate_chunks(*source);
        } catch (const covdefl::Error&) {
            // A gzip stream that is cut off or corrupt is found only while
            // it is read.
        }
        return 0;
    }

    // An uncompressed file was parsed from these very bytes and checked to
    // contain all its data, so reading it must not fail.
    const covdefl::io::IdxHeader header =
        covdefl::io::parse_idx_header(data, size, "fuzz.idx");
    COVDEFL_FUZZ_CHECK(header.dims.size() >= 2);
    COVDEFL_FUZZ_CHECK(header.dims[0] == source->rows());
    std::int64_t values = 0;
    COVDEFL_FUZZ_CHECK(
        !__builtin_mul_overflow(source->rows(), source->cols(), &values));
    COVDEFL_FUZZ_CHECK(static_cast<std::uint64_t>(values) <=
                       size - header.data_offset);
    const std::vector<double> plain = read_alternate_chunks(*source);

    const std::vector<unsigned char> compressed = gzip_compress(data, size);
    const covdefl::fuzz::MemoryFile gzip_file(compressed.data(),
                                              compressed.size());
    const auto gzip_source = covdefl::io::open_idx(gzip_file.path());
    COVDEFL_FUZZ_CHECK(gzip_source->rows() == source->rows());
    COVDEFL_FUZZ_CHECK(gzip_source->cols() == source->cols());
    COVDEFL_FUZZ_CHECK(same_bits(read_alternate_chunks(*gzip_source), plain));
    return 0;
}
