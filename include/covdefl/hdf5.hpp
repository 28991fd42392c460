// Parallel HDF5 input and output. Available when CMake found parallel HDF5
// (option COVDEFL_WITH_HDF5); in a build without it every function below
// except hdf5_available, hdf5_library_version and is_hdf5_input throws an
// Error that names the missing HDF5 support.
#pragma once

#include <mpi.h>

#include <cstdint>
#include <span>
#include <string>

#include "covdefl/covariance.hpp"
#include "covdefl/error.hpp"
#include "covdefl/grid.hpp"

namespace covdefl::io {

// Whether this build reads and writes HDF5 files.
bool hdf5_available();

// Version of the HDF5 library in use, for example "1.10.8", or an empty
// string in a build without HDF5.
std::string hdf5_library_version();

// Returns whether `path` goes to the HDF5 reader: `format` is "hdf5", or
// "auto" and the file name ends with ".h5" or ".hdf5". Throws a collective
// Error when `dataset` is not empty but the input is read in another format,
// because --dataset applies to HDF5 input only.
bool is_hdf5_input(const std::string& path, const std::string& format,
                   const std::string& dataset);

// Rows and columns of a 2-D dataset in an HDF5 file. `dataset` is a path
// in the file ("data", "/group/data"); when it is empty the file must
// contain exactly one 2-D dataset, which is used. Collective over `comm`,
// which opens the file with the MPI-IO driver. Throws a collective
// InputError on a missing or non-HDF5 file, a missing dataset, a dataset
// that is not 2-D or is empty, or an element type other than a float32,
// float64 or integer type (the message names the type). Messages that list
// datasets name their shapes.
MatrixShape read_hdf5_shape(MPI_Comm comm, const std::string& path,
                            const std::string& dataset);

// Reads a 2-D dataset (see read_hdf5_shape) into a block-cyclic matrix with
// block_size x block_size blocks. Collective over the grid: each rank reads
// only the entries it owns, with a hyperslab selection and collective MPI-IO
// transfers of at most 64 MiB per rank at a time. HDF5 converts float32,
// big-endian and integer elements to double, so integers beyond 2^53 in
// magnitude are rounded to the nearest double. Throws the errors of
// read_hdf5_shape, and a collective InputError naming the row and column
// (1-based) of the first NaN or infinity in row-major order.
BlockCyclicMatrix read_hdf5_matrix(const ProcessGrid& grid,
                                   const std::string& path,
                                   const std::string& dataset, int block_size);

// Result arrays of a run, as stored in results.h5. Every array is float64.
struct Hdf5Results {
    std::int64_t components = 0;                       // K
    std::int64_t dimension = 0;                        // d
    std::span<const double> eigenvalues;               // K
    std::span<const double> axes;                      // K x d, row-major
    std::span<const double> explained_variance_ratio;  // K
    std::span<const double> mean;                      // d, or empty
    std::span<const double> scale;  // d, or empty unless --standardize
};

// Writes `results` to the HDF5 file `path` as the datasets eigenvalues (K),
// components (K x d, one principal axis per row, as in components.npy),
// explained_variance_ratio (K) and, when they are not empty, mean (d) and
// scale (d), all little-endian float64. The file is written under a temporary
// name in the same folder and renamed to `path` when complete, so `path`
// is never a partial file. Not collective: one rank calls it. Throws Error
// naming the path on a size mismatch or a failed write, and removes the
// temporary file.
void write_results_hdf5(const std::string& path, const Hdf5Results& results);

// Whether write_hdf5_matrix creates the file or adds to an existing one.
enum class Hdf5FileMode {
    create,  // create `path`, replacing any file of that name
    append,  // open the existing HDF5 file `path` for writing
};

// Writes the block-cyclic matrix `a` as the rows() x cols() little-endian
// float64 dataset `dataset` of the file `path`, in row-major order, so an
// n x K scores matrix becomes an n x K dataset. Collective over the grid of
// `a`: each rank writes the blocks it owns with collective MPI-IO. The file
// is written in place; write it into a staging folder to publish it
// atomically. Throws a collective Error when the file cannot be created or
// opened, the dataset already exists, or a write fails.
void write_hdf5_matrix(const std::string& path, const std::string& dataset,
                       const BlockCyclicMatrix& a, Hdf5FileMode mode);

}  // namespace covdefl::io
