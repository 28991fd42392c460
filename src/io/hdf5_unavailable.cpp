// The HDF5 functions of a build without parallel HDF5. Each one throws an
// error that names the package to install for HDF5 support.
#include "covdefl/hdf5.hpp"

namespace covdefl::io {

namespace {

[[noreturn]] void throw_unavailable(const std::string& what, bool collective)
{
    throw Error(
        "cannot " + what +
            ": this covdefl build has no HDF5 support (CMake found no parallel "
            "HDF5 or COVDEFL_WITH_HDF5 was OFF); install libhdf5-openmpi-dev "
            "and rebuild, or convert the data to .npy",
        collective);
}

}  // namespace

bool hdf5_available()
{
    return false;
}

std::string hdf5_library_version()
{
    return {};
}

MatrixShape read_hdf5_shape(MPI_Comm, const std::string& path,
                            const std::string&)
{
    throw_unavailable("read " + path + " as HDF5", /*collective=*/true);
}

BlockCyclicMatrix read_hdf5_matrix(const ProcessGrid&, const std::string& path,
                                   const std::string&, int)
{
    throw_unavailable("read " + path + " as HDF5", /*collective=*/true);
}

void write_results_hdf5(const std::string& path, const Hdf5Results&)
{
    throw_unavailable("write " + path, /*collective=*/false);
}

void write_hdf5_matrix(const std::string& path, const std::string&,
                       const BlockCyclicMatrix&, Hdf5FileMode)
{
    throw_unavailable("write " + path, /*collective=*/true);
}

}  // namespace covdefl::io
