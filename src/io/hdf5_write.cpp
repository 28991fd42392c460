// HDF5 result files: the small result arrays from one rank, and
// block-cyclic matrices written collectively.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "covdefl/hdf5.hpp"
#include "covdefl/mpi.hpp"
#include "io/hdf5_library.hpp"

namespace covdefl::io {

using hdf5::check_status;
using hdf5::checked;
using hdf5::Handle;

namespace {

// Writes `data` as a little-endian float64 dataset `name` of shape `dims`.
void write_dataset(hid_t file, const std::string& name,
                   const std::vector<hsize_t>& dims,
                   std::span<const double> data, const std::string& path)
{
    const std::string where = "cannot write dataset " + name + " of " + path;
    Handle space = checked<Error>(
        H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
        H5Sclose, where);
    Handle dataset = checked<Error>(
        H5Dcreate2(file, name.c_str(), H5T_IEEE_F64LE, space.get(), H5P_DEFAULT,
                   H5P_DEFAULT, H5P_DEFAULT),
        H5Dclose, where);
    check_status<Error>(H5Dwrite(dataset.get(), H5T_NATIVE_DOUBLE, H5S_ALL,
                                 H5S_ALL, H5P_DEFAULT, data.data()),
                        where);
    check_status<Error>(dataset.close(), where);
}

void check_length(std::span<const double> values, std::int64_t expected,
                  const char* name, const std::string& path)
{
    if (static_cast<std::int64_t>(values.size()) != expected) {
        throw Error("cannot write " + path + ": " + name + " has " +
                    std::to_string(values.size()) + " values, expected " +
                    std::to_string(expected));
    }
}

// Flushes the closed file `path` to the storage device, so that the rename
// that publishes it cannot survive a crash without its contents.
void sync_file(const std::string& path)
{
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || ::fsync(fd) != 0) {
        const int saved = errno;
        if (fd >= 0) {
            ::close(fd);
        }
        throw Error("cannot write " + path + ": " + std::strerror(saved));
    }
    ::close(fd);
}

}  // namespace

void write_results_hdf5(const std::string& path, const Hdf5Results& results)
{
    const std::int64_t k = results.components;
    const std::int64_t d = results.dimension;
    if (k < 1 || d < 1) {
        throw Error("cannot write " + path + ": invalid shape K = " +
                    std::to_string(k) + ", d = " + std::to_string(d));
    }
    check_length(results.eigenvalues, k, "eigenvalues", path);
    check_length(results.axes, k * d, "components", path);
    check_length(results.explained_variance_ratio, k,
                 "explained_variance_ratio", path);
    if (!results.scale.empty()) {
        check_length(results.scale, d, "scale", path);
    }
    if (!results.mean.empty()) {
        check_length(results.mean, d, "mean", path);
    }

    hdf5::QuietErrors quiet;
    const std::string temporary = path + ".tmp." + std::to_string(::getpid());
    try {
        Handle file = checked<Error>(H5Fcreate(temporary.c_str(), H5F_ACC_TRUNC,
                                               H5P_DEFAULT, H5P_DEFAULT),
                                     H5Fclose, "cannot create " + temporary);
        const auto components = static_cast<hsize_t>(k);
        const auto dimension = static_cast<hsize_t>(d);
        write_dataset(file.get(), "eigenvalues", {components},
                      results.eigenvalues, path);
        write_dataset(file.get(), "components", {components, dimension},
                      results.axes, path);
        write_dataset(file.get(), "explained_variance_ratio", {components},
                      results.explained_variance_ratio, path);
        if (!results.scale.empty()) {
            write_dataset(file.get(), "scale", {dimension}, results.scale,
                          path);
        }
        if (!results.mean.empty()) {
            write_dataset(file.get(), "mean", {dimension}, results.mean, path);
        }
        check_status<Error>(file.close(), "cannot write " + path);
        sync_file(temporary);
        if (std::rename(temporary.c_str(), path.c_str()) != 0) {
            throw Error("cannot write " + path + ": " + std::strerror(errno));
        }
    } catch (...) {
        ::unlink(temporary.c_str());
        throw;
    }
}

void write_hdf5_matrix(const std::string& path, const std::string& dataset,
                       const BlockCyclicMatrix& a, Hdf5FileMode mode)
{
    hdf5::write_matrix(path, dataset, a, mode, hdf5::transfer_buffer_doubles);
}

void hdf5::write_matrix(const std::string& path, const std::string& dataset,
                        const BlockCyclicMatrix& a, Hdf5FileMode mode,
                        std::int64_t max_buffer_doubles)
{
    hdf5::QuietErrors quiet;
    const MPI_Comm comm = a.grid().comm();
    Handle access;
    mpi::run_agreed(comm, [&] { access = hdf5::mpio_file_access(comm); });
    const hid_t file_id =
        mode == Hdf5FileMode::create
            ? H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, access.get())
            : H5Fopen(path.c_str(), H5F_ACC_RDWR, access.get());
    Handle file;
    mpi::run_agreed(comm, [&] {
        file = checked<Error>(file_id, H5Fclose,
                              std::string(mode == Hdf5FileMode::create
                                              ? "cannot create "
                                              : "cannot open ") +
                                  path + " for writing");
    });

    const std::string where = "cannot write dataset " + dataset + " of " + path;
    const hsize_t dims[2] = {static_cast<hsize_t>(a.rows()),
                             static_cast<hsize_t>(a.cols())};
    Handle file_space;
    Handle links;
    mpi::run_agreed(comm, [&] {
        file_space =
            checked<Error>(H5Screate_simple(2, dims, nullptr), H5Sclose, where);
        links = checked<Error>(H5Pcreate(H5P_LINK_CREATE), H5Pclose, where);
        check_status<Error>(H5Pset_create_intermediate_group(links.get(), 1),
                            where);
    });
    // Dataset creation is collective with the MPI-IO driver.
    const hid_t dataset_id =
        H5Dcreate2(file.get(), dataset.c_str(), H5T_IEEE_F64LE,
                   file_space.get(), links.get(), H5P_DEFAULT, H5P_DEFAULT);
    Handle target;
    Handle transfer;
    const std::vector<hdf5::TransferRound> rounds =
        hdf5::plan_transfer_rounds(a, max_buffer_doubles);
    std::vector<double> buffer;
    mpi::run_agreed(comm, [&] {
        target = checked<Error>(dataset_id, H5Dclose, where);
        transfer = hdf5::collective_transfer();
        buffer.resize(hdf5::transfer_buffer_size(rounds, a.local_cols()));
    });

    for (const hdf5::TransferRound& round : rounds) {
        // The file selection is row-major, the local blocks column-major.
        const int cols = a.local_cols();
        for (int r = 0; r < round.local_rows; ++r) {
            for (int jl = 0; jl < cols; ++jl) {
                buffer[static_cast<std::size_t>(r) * cols + jl] =
                    a.local(round.first_local_row + r, jl);
            }
        }
        Handle memory;
        mpi::run_agreed(comm, [&] {
            hdf5::select_round(file_space.get(), a, round);
            memory = hdf5::memory_space(
                static_cast<std::int64_t>(round.local_rows) * cols);
        });
        const herr_t status =
            H5Dwrite(target.get(), H5T_NATIVE_DOUBLE, memory.get(),
                     file_space.get(), transfer.get(), buffer.data());
        mpi::run_agreed(comm, [&] { check_status<Error>(status, where); });
    }

    const herr_t dataset_closed = target.close();
    mpi::run_agreed(comm, [&] { check_status<Error>(dataset_closed, where); });
    const herr_t file_closed = file.close();
    mpi::run_agreed(comm, [&] {
        check_status<Error>(file_closed, "cannot write " + path);
    });
}

}  // namespace covdefl::io
