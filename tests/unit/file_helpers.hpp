// Temporary files for the reader tests.
#pragma once

#include <catch2/catch.hpp>

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <vector>

#include "covdefl/io.hpp"

namespace covdefl::testing {

// Writes `bytes` to `path` as they are.
inline void write_file(const std::string& path, const std::string& bytes)
{
    std::ofstream out(path, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    REQUIRE(out);
}

// Every row of `source`, row-major.
inline std::vector<double> read_all(io::RowSource& source)
{
    std::vector<double> values(
        static_cast<std::size_t>(source.rows() * source.cols()));
    source.read_rows(0, source.rows(), values.data());
    return values;
}

// Fresh folder under the system temporary folder, removed with its files.
class TemporaryFolder {
public:
    TemporaryFolder()
    {
        std::string name =
            (std::filesystem::temp_directory_path() / "covdefl-test-XXXXXX")
                .string();
        REQUIRE(::mkdtemp(name.data()) != nullptr);
        path_ = name;
    }
    TemporaryFolder(const TemporaryFolder&) = delete;
    TemporaryFolder& operator=(const TemporaryFolder&) = delete;
    ~TemporaryFolder()
    {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }

    // Path of a file called `name` in the folder.
    std::string file(const std::string& name) const
    {
        return (path_ / name).string();
    }

    // Writes `bytes` to a file called `name` in the folder and returns its
    // path.
    std::string write(const std::string& name, const std::string& bytes) const
    {
        const std::string path = file(name);
        write_file(path, bytes);
        return path;
    }

    // Names of the files in the folder.
    std::vector<std::string> names() const
    {
        std::vector<std::string> result;
        for (const auto& entry : std::filesystem::directory_iterator(path_)) {
            result.push_back(entry.path().filename().string());
        }
        return result;
    }

private:
    std::filesystem::path path_;
};

}  // namespace covdefl::testing
