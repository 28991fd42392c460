#include "covdefl/csv_writer.hpp"

#include <cerrno>
#include <cstring>

#include "covdefl/error.hpp"

namespace covdefl::io {

CsvFileWriter::CsvFileWriter(const std::string& path,
                             const std::vector<std::string>& column_names)
    : path_(path)
    , file_(std::fopen(path.c_str(), "w"))
{
    check(file_ != nullptr);
    std::string header;
    for (std::size_t j = 0; j < column_names.size(); ++j) {
        header += (j > 0 ? "," : "") + column_names[j];
    }
    header += '\n';
    check(std::fputs(header.c_str(), file_) >= 0);
}

CsvFileWriter::~CsvFileWriter()
{
    if (file_ != nullptr) {
        std::fclose(file_);
    }
}

void CsvFileWriter::write_row(const double* values, std::size_t count)
{
    for (std::size_t j = 0; j < count; ++j) {
        check(std::fprintf(file_, j > 0 ? ",%.17g" : "%.17g", values[j]) > 0);
    }
    check(std::fputc('\n', file_) != EOF);
}

void CsvFileWriter::close()
{
    std::FILE* file = file_;
    file_ = nullptr;
    const bool flushed = std::fflush(file) == 0;
    const int saved_errno = errno;
    const bool closed = std::fclose(file) == 0;
    if (!flushed) {
        errno = saved_errno;
    }
    check(flushed && closed);
}

void CsvFileWriter::check(bool ok)
{
    if (!ok) {
        throw Error("cannot write " + path_ + ": " + std::strerror(errno) +
                    "; check the space and permissions of the output folder");
    }
}

void write_csv(const std::string& path,
               const std::vector<std::string>& column_names, std::size_t rows,
               std::size_t cols, const double* data)
{
    CsvFileWriter writer(path, column_names);
    for (std::size_t i = 0; i < rows; ++i) {
        writer.write_row(data + i * cols, cols);
    }
    writer.close();
}

std::vector<std::string> numbered_names(const std::string& prefix,
                                        std::size_t count)
{
    std::vector<std::string> names;
    names.reserve(count);
    for (std::size_t i = 1; i <= count; ++i) {
        names.push_back(prefix + "_" + std::to_string(i));
    }
    return names;
}

}  // namespace covdefl::io
