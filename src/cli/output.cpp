#include "cli/output.hpp"

#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "covdefl/error.hpp"
#include "covdefl/hdf5.hpp"
#include "covdefl/io.hpp"

namespace covdefl {

namespace fs = std::filesystem;

namespace {

const char* const result_files[] = {
    "eigenvalues.npy", "components.npy", "explained_variance_ratio.npy",
    "mean.npy",        "results.h5",     "report.json"};

}  // namespace

void prepare_output_folder(const std::string& folder)
{
    if (folder.empty()) {
        throw Error("invalid --output '': give a folder name");
    }
    std::error_code code;
    fs::create_directories(folder, code);
    if (code) {
        throw Error("cannot create output folder " + folder + ": " +
                    code.message() + "; choose a writable --output folder");
    }
    if (!fs::is_directory(folder)) {
        throw Error("--output " + folder + " exists and is not a folder; " +
                    "choose another --output");
    }
    const fs::path probe =
        fs::path(folder) / (".covdefl-probe-" + std::to_string(::getpid()));
    std::ofstream file(probe);
    const bool writable = static_cast<bool>(file);
    const int saved_errno = errno;
    file.close();
    fs::remove(probe, code);
    if (!writable) {
        throw Error("cannot write in output folder " + folder + ": " +
                    std::strerror(saved_errno) +
                    "; choose a writable --output folder");
    }
}

void fix_sign(std::vector<double>& v)
{
    std::size_t largest = 0;
    for (std::size_t i = 1; i < v.size(); ++i) {
        if (std::abs(v[i]) > std::abs(v[largest])) {
            largest = i;
        }
    }
    if (!v.empty() && v[largest] < 0.0) {
        for (double& x : v) {
            x = -x;
        }
    }
}

void publish_results(
    const std::string& folder, const ResultArrays& arrays,
    const std::function<void(const std::string&)>& write_report)
{
    const fs::path target(folder);
    const fs::path staging =
        target / (".covdefl-staging-" + std::to_string(::getpid()));
    std::error_code code;
    fs::remove_all(staging, code);
    fs::create_directory(staging, code);
    if (code) {
        throw Error("cannot create " + staging.string() + ": " +
                    code.message() + "; check the output folder");
    }
    try {
        const std::int64_t k = arrays.components;
        if (arrays.format == "hdf5") {
            io::write_results_hdf5((staging / "results.h5").string(),
                                   {k, arrays.dimension, arrays.eigenvalues,
                                    arrays.axes, arrays.explained,
                                    arrays.means});
        } else {
            io::write_npy((staging / "eigenvalues.npy").string(), {k},
                          arrays.eigenvalues.data());
            io::write_npy((staging / "components.npy").string(),
                          {k, arrays.dimension}, arrays.axes.data());
            io::write_npy((staging / "explained_variance_ratio.npy").string(),
                          {k}, arrays.explained.data());
            if (!arrays.means.empty()) {
                io::write_npy((staging / "mean.npy").string(),
                              {arrays.dimension}, arrays.means.data());
            }
        }
        write_report((staging / "report.json").string());
    } catch (...) {
        fs::remove_all(staging, code);
        throw;
    }
    // Renames within one folder do not fail for lack of space.
    for (const char* name : result_files) {
        const fs::path staged = staging / name;
        if (fs::exists(staged)) {
            fs::rename(staged, target / name);
        } else {
            fs::remove(target / name, code);
        }
    }
    fs::remove_all(staging, code);
}

}  // namespace covdefl
