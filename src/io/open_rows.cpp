#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "covdefl/io.hpp"

namespace covdefl::io {

std::string resolve_format(const std::string& path, const std::string& format)
{
    if (format != "npy" && format != "idx" && format != "csv" &&
        format != "mm" && format != "raw" && format != "hdf5" &&
        format != "auto") {
        throw InputError("unknown input format '" + format +
                         "'; use npy, raw, idx, csv, mm, hdf5 or auto");
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

    if (format != "auto") {
        return format;
    }
    const std::string name = std::filesystem::path(path).filename().string();
    if (name.ends_with(".npy")) {
        return "npy";
    }
    // Delimiter detection finds the tabs of a .tsv file.
    if (name.ends_with(".csv") || name.ends_with(".tsv") ||
        name.ends_with(".txt")) {
        return "csv";
    }
    if (name.ends_with(".mtx") || name.ends_with(".mm")) {
        return "mm";
    }
    if (name.ends_with(".bin") || name.ends_with(".raw")) {
        return "raw";
    }
    if (name.ends_with(".h5") || name.ends_with(".hdf5")) {
        return "hdf5";
    }
    if (name.find("idx") != std::string::npos ||
        name.find("-ubyte") != std::string::npos) {
        return "idx";
    }
    throw InputError("cannot determine the format of " + path +
                     " from its name (expected a .npy, .bin, .raw, .csv, "
                     ".tsv, .txt, .mtx, .mm, .h5 or .hdf5 extension, or "
                     "\"idx\" or \"-ubyte\" in the name); pass --format "
                     "npy|raw|idx|csv|mm|hdf5");
}

std::unique_ptr<RowSource> open_rows(const std::string& path,
                                     const std::string& format)
{
    const std::string resolved = resolve_format(path, format);
    if (resolved == "npy") {
        return open_npy(path);
    }
    if (resolved == "idx") {
        return open_idx(path);
    }
    if (resolved == "csv") {
        return open_csv(path);
    }
    throw InputError(path + " is a " + resolved +
                     " file, which has no row source; read it with "
                     "read_data_matrix");
}

}  // namespace covdefl::io
