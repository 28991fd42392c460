// Collective reading of a 2-D HDF5 dataset into block-cyclic storage.
#include <sys/stat.h>

#include <cerrno>
#include <climits>
#include <cmath>
#include <cstring>
#include <limits>
#include <sstream>

#include "covdefl/hdf5.hpp"
#include "covdefl/io.hpp"
#include "covdefl/mpi.hpp"
#include "io/hdf5_library.hpp"

namespace covdefl::io {

using hdf5::check_status;
using hdf5::checked;
using hdf5::Handle;

namespace {

// Datasets listed in full in an error message; the rest are counted.
constexpr std::size_t max_listed_datasets = 10;

// A dataset found in a file: its absolute path and its shape.
struct DatasetEntry {
    std::string name;
    std::vector<hsize_t> dims;
};

std::string format_shape(const std::vector<hsize_t>& dims)
{
    if (dims.empty()) {
        return "scalar";
    }
    std::string text;
    for (std::size_t i = 0; i < dims.size(); ++i) {
        text += (i > 0 ? " x " : "") + std::to_string(dims[i]);
    }
    return text;
}

std::string format_entries(const std::vector<DatasetEntry>& entries)
{
    std::string text;
    for (std::size_t i = 0; i < entries.size() && i < max_listed_datasets;
         ++i) {
        text += (i > 0 ? ", " : "") + entries[i].name + " (" +
                format_shape(entries[i].dims) + ")";
    }
    if (entries.size() > max_listed_datasets) {
        text += " and " + std::to_string(entries.size() - max_listed_datasets) +
                " more";
    }
    return text;
}

std::vector<hsize_t> dataspace_dims(hid_t dataset)
{
    Handle space(H5Dget_space(dataset), H5Sclose);
    const int rank = H5Sget_simple_extent_ndims(space.get());
    std::vector<hsize_t> dims(static_cast<std::size_t>(std::max(rank, 0)));
    if (rank > 0) {
        H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
    }
    return dims;
}

// H5Lvisit callback: appends every dataset that a link leads to. A link
// that cannot be opened (dangling or external) is skipped.
herr_t collect_dataset(hid_t group, const char* name, const H5L_info_t*,
                       void* entries)
{
    try {
        Handle object(H5Oopen(group, name, H5P_DEFAULT), H5Oclose);
        if (object.get() < 0) {
            H5Eclear2(H5E_DEFAULT);
            return 0;
        }
        if (H5Iget_type(object.get()) == H5I_DATASET) {
            static_cast<std::vector<DatasetEntry>*>(entries)->push_back(
                {std::string("/") + name, dataspace_dims(object.get())});
        }
        return 0;
    } catch (...) {
        // An exception must not cross HDF5's C frames.
        return -1;
    }
}

// Every dataset of the file, in name order (a dataset with two links is
// listed under both).
std::vector<DatasetEntry> list_datasets(hid_t file, const std::string& path)
{
    std::vector<DatasetEntry> entries;
    check_status<InputError>(
        H5Lvisit(file, H5_INDEX_NAME, H5_ITER_INC, collect_dataset, &entries),
        path + ": cannot list the datasets");
    return entries;
}

// Checks that `path` is a regular file with an HDF5 signature, so a wrong
// path or format gets a plain message before the MPI-IO open.
void check_hdf5_file(const std::string& path)
{
    struct stat status {};
    if (::stat(path.c_str(), &status) != 0) {
        throw InputError("cannot open " + path + ": " + std::strerror(errno) +
                         "; check the path");
    }
    if (!S_ISREG(status.st_mode)) {
        throw InputError("cannot open " + path +
                         ": not a regular file; check the path");
    }
#if H5_VERSION_GE(1, 12, 0)
    const htri_t is_hdf5 = H5Fis_accessible(path.c_str(), H5P_DEFAULT);
#else
    const htri_t is_hdf5 = H5Fis_hdf5(path.c_str());
#endif
    if (is_hdf5 < 0) {
        throw InputError("cannot open " + path + ": " +
                         hdf5::take_error_stack());
    }
    if (is_hdf5 == 0) {
        throw InputError(path +
                         " is not an HDF5 file (no HDF5 signature found); "
                         "pass --format for its real format");
    }
}

// Returns the path of the dataset to read: `requested` when given, else the
// only 2-D dataset of the file.
std::string choose_dataset(hid_t file, const std::string& path,
                           const std::string& requested)
{
    if (!requested.empty()) {
        const std::string name =
            requested.starts_with("/") ? requested : "/" + requested;
        Handle object(H5Oopen(file, name.c_str(), H5P_DEFAULT), H5Oclose);
        if (object.get() < 0) {
            H5Eclear2(H5E_DEFAULT);
            const std::vector<DatasetEntry> entries = list_datasets(file, path);
            throw InputError(
                "dataset " + name + " not found in " + path +
                (entries.empty()
                     ? "; the file contains no datasets"
                     : "; its datasets are " + format_entries(entries)));
        }
        if (H5Iget_type(object.get()) != H5I_DATASET) {
            throw InputError(name + " in " + path +
                             " is not a dataset; pass --dataset with the "
                             "path of a 2-D dataset");
        }
        return name;
    }
    const std::vector<DatasetEntry> entries = list_datasets(file, path);
    std::vector<DatasetEntry> matrices;
    for (const DatasetEntry& entry : entries) {
        if (entry.dims.size() == 2) {
            matrices.push_back(entry);
        }
    }
    if (matrices.size() == 1) {
        return matrices.front().name;
    }
    if (matrices.empty()) {
        throw InputError(path + " contains no 2-D dataset" +
                         (entries.empty() ? " (no datasets at all)"
                                          : " (its datasets are " +
                                                format_entries(entries) + ")") +
                         "; covdefl reads an n x d dataset");
    }
    throw InputError(path + " contains " + std::to_string(matrices.size()) +
                     " 2-D datasets: " + format_entries(matrices) +
                     "; choose one with --dataset NAME");
}

// Checks that the dataset is a non-empty 2-D array of a float32, float64 or
// integer type and returns its shape.
MatrixShape check_dataset(hid_t dataset, const std::string& name,
                          const std::string& path)
{
    const std::string where = "dataset " + name + " in " + path;
    const std::vector<hsize_t> dims = dataspace_dims(dataset);
    if (dims.size() != 2) {
        throw InputError(where + " has " + std::to_string(dims.size()) +
                         " dimensions (shape " + format_shape(dims) +
                         "); covdefl needs a 2-D dataset of n rows x d "
                         "columns");
    }
    if (dims[0] == 0 || dims[1] == 0) {
        throw InputError(where + " is empty (shape " + format_shape(dims) +
                         "); covdefl needs at least one row and one column");
    }
    constexpr auto largest =
        static_cast<hsize_t>(std::numeric_limits<std::int64_t>::max());
    if (dims[0] > largest || dims[1] > largest) {
        throw InputError(where + " has shape " + format_shape(dims) +
                         ", whose sizes do not fit 64-bit integers");
    }
    checked_multiply(dims[0], dims[1], "the element count of " + where);

    Handle type = checked<InputError>(H5Dget_type(dataset), H5Tclose,
                                      "cannot read the type of " + where);
    const H5T_class_t type_class = H5Tget_class(type.get());
    const std::size_t size = H5Tget_size(type.get());
    const bool supported =
        type_class == H5T_INTEGER ||
        (type_class == H5T_FLOAT && (size == 4 || size == 8));
    if (!supported) {
        throw InputError(where + " has element type " +
                         hdf5::describe_type(type.get()) +
                         "; covdefl reads float32, float64 and integer "
                         "datasets");
    }
    return MatrixShape{static_cast<std::int64_t>(dims[0]),
                       static_cast<std::int64_t>(dims[1])};
}

// A dataset opened for collective reading, with its file.
struct OpenDataset {
    Handle file;
    Handle dataset;
    std::string name;
    MatrixShape shape;
};

// Opens the dataset on every rank of `comm`. Any failure is a collective
// Error.
OpenDataset open_dataset(MPI_Comm comm, const std::string& path,
                         const std::string& requested)
{
    mpi::run_agreed(comm, [&] { check_hdf5_file(path); });
    Handle access;
    mpi::run_agreed(comm, [&] { access = hdf5::mpio_file_access(comm); });
    const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, access.get());
    OpenDataset result;
    // NOTE: when H5Fopen fails on some ranks only, the ranks that opened
    // the file close it in a collective call that the others never make.
    // The MPI-IO open fails on every rank together in the cases seen so far
    // (a missing file, a bad signature).
    mpi::run_agreed(comm, [&] {
        result.file = checked<InputError>(file, H5Fclose,
                                          "cannot open " + path + " as HDF5");
    });
    mpi::run_agreed(comm, [&] {
        result.name = choose_dataset(result.file.get(), path, requested);
        result.dataset = checked<InputError>(
            H5Dopen2(result.file.get(), result.name.c_str(), H5P_DEFAULT),
            H5Dclose, "cannot open dataset " + result.name + " in " + path);
        result.shape = check_dataset(result.dataset.get(), result.name, path);
    });
    return result;
}

// Code of a non-finite value, ordered with its position: NaN, +inf, -inf.
int classify_non_finite(double value)
{
    if (std::isnan(value)) {
        return 0;
    }
    return value > 0 ? 1 : 2;
}

const char* describe_non_finite(int code)
{
    const char* const names[] = {"NaN", "+infinity", "-infinity"};
    return names[code];
}

// Copies a round's row-major buffer into the local blocks of `x` and
// returns the position of the first non-finite value in row-major order as
// 3·(row·d + column) + code, or INT64_MAX when all values are finite.
std::int64_t store_round(const std::vector<double>& buffer,
                         const hdf5::TransferRound& round, BlockCyclicMatrix& x)
{
    std::int64_t first_bad = std::numeric_limits<std::int64_t>::max();
    const int cols = x.local_cols();
    for (int r = 0; r < round.local_rows; ++r) {
        const int il = round.first_local_row + r;
        const double* row = buffer.data() + static_cast<std::size_t>(r) * cols;
        for (int jl = 0; jl < cols; ++jl) {
            x.local(il, jl) = row[jl];
            if (!std::isfinite(row[jl]) &&
                first_bad == std::numeric_limits<std::int64_t>::max()) {
                const std::int64_t index =
                    static_cast<std::int64_t>(x.global_row(il)) * x.cols() +
                    x.global_col(jl);
                first_bad = 3 * index + classify_non_finite(row[jl]);
            }
        }
    }
    return first_bad;
}

}  // namespace

bool hdf5_available()
{
    return true;
}

std::string hdf5_library_version()
{
    unsigned major = 0;
    unsigned minor = 0;
    unsigned release = 0;
    H5get_libversion(&major, &minor, &release);
    return std::to_string(major) + "." + std::to_string(minor) + "." +
           std::to_string(release);
}

MatrixShape read_hdf5_shape(MPI_Comm comm, const std::string& path,
                            const std::string& dataset)
{
    hdf5::QuietErrors quiet;
    return open_dataset(comm, path, dataset).shape;
}

BlockCyclicMatrix read_hdf5_matrix(const ProcessGrid& grid,
                                   const std::string& path,
                                   const std::string& dataset, int block_size)
{
    return hdf5::read_matrix(grid, path, dataset, block_size,
                             hdf5::transfer_buffer_doubles);
}

BlockCyclicMatrix hdf5::read_matrix(const ProcessGrid& grid,
                                    const std::string& path,
                                    const std::string& dataset, int block_size,
                                    std::int64_t max_buffer_doubles)
{
    hdf5::QuietErrors quiet;
    const MPI_Comm comm = grid.comm();
    OpenDataset input = open_dataset(comm, path, dataset);
    BlockCyclicMatrix x(grid, input.shape.rows, input.shape.cols, block_size,
                        block_size);
    const std::vector<hdf5::TransferRound> rounds =
        hdf5::plan_transfer_rounds(x, max_buffer_doubles);

    Handle file_space;
    Handle transfer;
    std::vector<double> buffer;
    mpi::run_agreed(comm, [&] {
        file_space = checked<InputError>(H5Dget_space(input.dataset.get()),
                                         H5Sclose, "H5Dget_space failed");
        transfer = hdf5::collective_transfer();
        buffer.resize(hdf5::transfer_buffer_size(rounds, x.local_cols()));
    });

    for (const hdf5::TransferRound& round : rounds) {
        Handle memory;
        mpi::run_agreed(comm, [&] {
            hdf5::select_round(file_space.get(), x, round);
            memory = hdf5::memory_space(
                static_cast<std::int64_t>(round.local_rows) * x.local_cols());
        });
        const herr_t status =
            H5Dread(input.dataset.get(), H5T_NATIVE_DOUBLE, memory.get(),
                    file_space.get(), transfer.get(), buffer.data());
        mpi::run_agreed(comm, [&] {
            check_status<InputError>(status, "cannot read dataset " +
                                                 input.name + " of " + path);
        });

        std::int64_t first_bad = store_round(buffer, round, x);
        mpi::check(MPI_Allreduce(MPI_IN_PLACE, &first_bad, 1, MPI_INT64_T,
                                 MPI_MIN, comm),
                   "MPI_Allreduce");
        if (first_bad != std::numeric_limits<std::int64_t>::max()) {
            const std::int64_t index = first_bad / 3;
            std::ostringstream message;
            message << path << ": non-finite value ("
                    << describe_non_finite(static_cast<int>(first_bad % 3))
                    << ") in dataset " << input.name << " at row "
                    << index / x.cols() + 1 << ", column "
                    << index % x.cols() + 1
                    << " (1-based); covdefl needs finite data, so remove or "
                       "impute the value";
            throw InputError(message.str(), /*collective=*/true);
        }
    }

    mpi::run_agreed(comm, [&] {
        check_status<InputError>(input.dataset.close(),
                                 "cannot close dataset " + input.name);
    });
    const herr_t closed = input.file.close();
    mpi::run_agreed(comm, [&] {
        check_status<InputError>(closed, "cannot close " + path);
    });
    return x;
}

}  // namespace covdefl::io
