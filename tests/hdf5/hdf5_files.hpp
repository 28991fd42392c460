// Test files for the HDF5 tests, written with the HDF5 C API on rank 0.
#pragma once

#include <catch2/catch.hpp>

#include <hdf5.h>
#include <mpi.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "covdefl/error.hpp"

namespace covdefl::testing {

// A temporary folder that rank 0 creates and every rank uses; removed after
// a barrier on destruction.
class SharedFolder {
public:
    SharedFolder()
    {
        int rank = 0;
        MPI_Comm_rank(MPI_COMM_WORLD, &rank);
        std::string name =
            (std::filesystem::temp_directory_path() / "covdefl-hdf5-XXXXXX")
                .string();
        if (rank == 0) {
            REQUIRE(::mkdtemp(name.data()) != nullptr);
        }
        MPI_Bcast(name.data(), static_cast<int>(name.size()), MPI_CHAR, 0,
                  MPI_COMM_WORLD);
        path_ = name;
    }
    SharedFolder(const SharedFolder&) = delete;
    SharedFolder& operator=(const SharedFolder&) = delete;
    ~SharedFolder()
    {
        MPI_Barrier(MPI_COMM_WORLD);
        int rank = 0;
        MPI_Comm_rank(MPI_COMM_WORLD, &rank);
        if (rank == 0) {
            std::error_code ignored;
            std::filesystem::remove_all(path_, ignored);
        }
    }

    std::string file(const std::string& name) const
    {
        return (path_ / name).string();
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

// A dataset of a test file. HDF5 converts `values` (row-major) to
// `file_type`. A dataset without values gets its fill value, so it can
// have a type that doubles do not convert to (strings).
struct TestDataset {
    std::string name;
    hid_t file_type;
    std::vector<hsize_t> dims;
    std::vector<double> values;
    std::vector<hsize_t> chunk = {};  // chunked and gzip-compressed if set
};

// Writes a new HDF5 file at `path` with `datasets` (intermediate groups are
// created) on rank 0, then waits at a barrier.
inline void write_test_file(const std::string& path,
                            const std::vector<TestDataset>& datasets)
{
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    if (rank == 0) {
        const hid_t file =
            H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
        REQUIRE(file >= 0);
        const hid_t links = H5Pcreate(H5P_LINK_CREATE);
        H5Pset_create_intermediate_group(links, 1);
        for (const TestDataset& d : datasets) {
            const hid_t space = H5Screate_simple(
                static_cast<int>(d.dims.size()), d.dims.data(), nullptr);
            const hid_t creation = H5Pcreate(H5P_DATASET_CREATE);
            if (!d.chunk.empty()) {
                H5Pset_chunk(creation, static_cast<int>(d.chunk.size()),
                             d.chunk.data());
                H5Pset_deflate(creation, 6);
            }
            const hid_t dataset =
                H5Dcreate2(file, d.name.c_str(), d.file_type, space, links,
                           creation, H5P_DEFAULT);
            REQUIRE(dataset >= 0);
            if (!d.values.empty()) {
                REQUIRE(H5Dwrite(dataset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL,
                                 H5P_DEFAULT, d.values.data()) >= 0);
            }
            H5Dclose(dataset);
            H5Pclose(creation);
            H5Sclose(space);
        }
        H5Pclose(links);
        REQUIRE(H5Fclose(file) >= 0);
    }
    MPI_Barrier(MPI_COMM_WORLD);
}

// A dataset of a file read serially: its shape, its values as doubles and
// whether its file type is little-endian float64.
struct ReadBack {
    std::vector<hsize_t> dims;
    std::vector<double> values;
    bool float64_le = false;
};

// Reads dataset `name` of `path` with the default (serial) driver.
inline ReadBack read_dataset(const std::string& path, const std::string& name)
{
    ReadBack result;
    const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    REQUIRE(file >= 0);
    const hid_t dataset = H5Dopen2(file, name.c_str(), H5P_DEFAULT);
    REQUIRE(dataset >= 0);
    const hid_t space = H5Dget_space(dataset);
    result.dims.resize(
        static_cast<std::size_t>(H5Sget_simple_extent_ndims(space)));
    H5Sget_simple_extent_dims(space, result.dims.data(), nullptr);
    hsize_t count = 1;
    for (const hsize_t size : result.dims) {
        count *= size;
    }
    result.values.resize(count);
    REQUIRE(H5Dread(dataset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                    result.values.data()) >= 0);
    const hid_t type = H5Dget_type(dataset);
    result.float64_le = H5Tequal(type, H5T_IEEE_F64LE) > 0;
    H5Tclose(type);
    H5Sclose(space);
    H5Dclose(dataset);
    H5Fclose(file);
    return result;
}

// Whether `path` contains a link called `name`.
inline bool has_dataset(const std::string& path, const std::string& name)
{
    const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    REQUIRE(file >= 0);
    const bool found = H5Lexists(file, name.c_str(), H5P_DEFAULT) > 0;
    H5Fclose(file);
    return found;
}

// Runs `step` on every rank and returns the message of the Error it
// throws, or "no error" when it returns. A thrown Error must be collective.
template <class Step>
std::string error_message(Step&& step)
{
    try {
        step();
    } catch (const Error& e) {
        CHECK(e.collective());
        return e.what();
    }
    return "no error";
}

}  // namespace covdefl::testing
