// Format detection for HDF5 input, compiled with and without HDF5 support.
#include <filesystem>

#include "covdefl/hdf5.hpp"

namespace covdefl::io {

bool is_hdf5_input(const std::string& path, const std::string& format,
                   const std::string& dataset)
{
    const std::string name = std::filesystem::path(path).filename().string();
    const bool hdf5 = format == "hdf5" ||
                      (format == "auto" &&
                       (name.ends_with(".h5") || name.ends_with(".hdf5")));
    if (!hdf5 && !dataset.empty()) {
        throw Error("--dataset " + dataset +
                        " applies to HDF5 input only, but " + path +
                        " is not read as HDF5 (--format " + format +
                        "); remove --dataset, or pass --format hdf5 for an "
                        "HDF5 file",
                    /*collective=*/true);
    }
    return hdf5;
}

}  // namespace covdefl::io
