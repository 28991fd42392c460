#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "covdefl/io.hpp"

namespace covdefl::io {

std::unique_ptr<RowSource> open_rows(const std::string& path,
                                     const std::string& format)
{
    if (format != "npy" && format != "idx" && format != "csv" &&
        format != "auto") {
        throw InputError("unknown input format '" + format +
                         "'; use npy, idx, csv, hdf5 or auto");
    }

    // Checked before the name, so that a missing file is reported as missing
    // even when its name does not give the format.
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        throw InputError("cannot open " + path + ": " + std::strerror(errno) +
                         "; check the path");
    }
    struct stat status {};
    const bool regular = ::fstat(fd, &status) == 0 && S_ISREG(status.st_mode);
    ::close(fd);
    if (!regular) {
        throw InputError("cannot open " + path +
                         ": not a regular file; check the path");
    }

    if (format == "npy") {
        return open_npy(path);
    }
    if (format == "idx") {
        return open_idx(path);
    }
    if (format == "csv") {
        return open_csv(path);
    }

    const std::string name = std::filesystem::path(path).filename().string();
    if (name.ends_with(".npy")) {
        return open_npy(path);
    }
    // Delimiter detection finds the tabs of a .tsv file.
    if (name.ends_with(".csv") || name.ends_with(".tsv") ||
        name.ends_with(".txt")) {
        return open_csv(path);
    }
    if (name.find("idx") != std::string::npos ||
        name.find("-ubyte") != std::string::npos) {
        return open_idx(path);
    }
    throw InputError("cannot determine the format of " + path +
                     " from its name (expected a .npy, .csv, .tsv, .txt, .h5 "
                     "or .hdf5 extension, or \"idx\" or \"-ubyte\" in the "
                     "name); pass --format npy|idx|csv|hdf5");
}

}  // namespace covdefl::io
