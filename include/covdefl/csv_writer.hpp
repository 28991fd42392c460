// Writing float64 arrays as comma-separated text.
#pragma once

#include <cstddef>
#include <cstdio>
#include <string>
#include <vector>

namespace covdefl::io {

// A CSV file of float64 values: one header line of column names, then one
// line per row. Values are written with "%.17g", so every finite double
// reads back exactly (std::numeric_limits<double>::max_digits10 is 17).
// NaN and infinity become "nan" and "inf", which numpy.loadtxt reads. Every
// method throws Error naming the path on a failed write.
class CsvFileWriter {
public:
    CsvFileWriter(const std::string& path,
                  const std::vector<std::string>& column_names);
    ~CsvFileWriter();
    CsvFileWriter(const CsvFileWriter&) = delete;
    CsvFileWriter& operator=(const CsvFileWriter&) = delete;

    void write_row(const double* values, std::size_t count);

    // Flushes and closes the file; a write error that the C library
    // buffered shows up here.
    void close();

private:
    void check(bool ok);

    std::string path_;
    std::FILE* file_ = nullptr;
};

// Writes a rows x cols row-major array with the given column names.
void write_csv(const std::string& path,
               const std::vector<std::string>& column_names, std::size_t rows,
               std::size_t cols, const double* data);

// Returns "prefix_1", ..., "prefix_count".
std::vector<std::string> numbered_names(const std::string& prefix,
                                        std::size_t count);

}  // namespace covdefl::io
