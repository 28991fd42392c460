#include "cli/output.hpp"

#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "covdefl/csv_writer.hpp"
#include "covdefl/error.hpp"
#include "covdefl/hdf5.hpp"
#include "covdefl/io.hpp"

namespace covdefl {

namespace fs = std::filesystem;

namespace {

// Stems of the result arrays; each is written as STEM.npy or STEM.csv.
// With --output-format hdf5 the arrays go to results.h5 and the scores to
// scores.h5.
const char* const result_stems[] = {
    "eigenvalues", "components", "explained_variance_ratio",
    "mean",        "scale",      "scores"};
// File extensions of the --output-format values.
const char* const result_extensions[] = {"npy", "csv"};

// Every file name that a run may write into the output folder.
std::vector<std::string> result_file_names()
{
    std::vector<std::string> names{"report.json", "results.h5", "scores.h5"};
    for (const char* stem : result_stems) {
        for (const char* extension : result_extensions) {
            names.push_back(std::string(stem) + "." + extension);
        }
    }
    return names;
}

void write_npy_arrays(const fs::path& staging, const ResultArrays& arrays)
{
    const std::int64_t k = arrays.components;
    const std::int64_t d = arrays.dimension;
    io::write_npy((staging / "eigenvalues.npy").string(), {k},
                  arrays.eigenvalues.data());
    io::write_npy((staging / "components.npy").string(), {k, d},
                  arrays.axes.data());
    io::write_npy((staging / "explained_variance_ratio.npy").string(), {k},
                  arrays.explained.data());
    if (!arrays.means.empty()) {
        io::write_npy((staging / "mean.npy").string(), {d},
                      arrays.means.data());
    }
    if (!arrays.scales.empty()) {
        io::write_npy((staging / "scale.npy").string(), {d},
                      arrays.scales.data());
    }
}

// Writes the arrays in the same orientation as the .npy files: one value
// per line for the vectors, one component per line for components.csv.
void write_csv_arrays(const fs::path& staging, const ResultArrays& arrays)
{
    const auto k = static_cast<std::size_t>(arrays.components);
    const auto d = static_cast<std::size_t>(arrays.dimension);
    io::write_csv((staging / "eigenvalues.csv").string(), {"eigenvalue"}, k, 1,
                  arrays.eigenvalues.data());
    io::write_csv((staging / "components.csv").string(),
                  io::numbered_names("column", d), k, d, arrays.axes.data());
    io::write_csv((staging / "explained_variance_ratio.csv").string(),
                  {"explained_variance_ratio"}, k, 1, arrays.explained.data());
    if (!arrays.means.empty()) {
        io::write_csv((staging / "mean.csv").string(), {"mean"}, d, 1,
                      arrays.means.data());
    }
    if (!arrays.scales.empty()) {
        io::write_csv((staging / "scale.csv").string(), {"scale"}, d, 1,
                      arrays.scales.data());
    }
}

// Writes the result arrays in the --output-format `format`.
void write_result_arrays(const fs::path& staging, const std::string& format,
                         const ResultArrays& arrays)
{
    if (format == "npy") {
        write_npy_arrays(staging, arrays);
    } else if (format == "csv") {
        write_csv_arrays(staging, arrays);
    } else if (format == "hdf5") {
        io::write_results_hdf5((staging / "results.h5").string(),
                               {arrays.components, arrays.dimension,
                                arrays.eigenvalues, arrays.axes,
                                arrays.explained, arrays.means, arrays.scales});
    } else {
        throw Error("unsupported --output-format '" + format +
                    "': expected npy, csv or hdf5");
    }
}

}  // namespace

bool prepare_output_folder(const std::string& folder, bool force)
{
    if (folder.empty()) {
        throw Error("invalid --output '': give a folder name");
    }
    std::error_code code;
    const bool created = fs::create_directories(folder, code);
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
    if (force) {
        return created;
    }
    std::string found;
    for (const std::string& name : result_file_names()) {
        if (fs::exists(fs::path(folder) / name, code)) {
            found += (found.empty() ? "" : ", ") + name;
        }
    }
    if (!found.empty()) {
        throw Error("output folder " + folder +
                    " already contains results of an earlier run (" + found +
                    "); pass --force to replace them or choose another "
                    "--output folder");
    }
    return created;
}

CreatedFolderGuard::~CreatedFolderGuard()
{
    if (!created_) {
        return;
    }
    std::error_code code;
    if (fs::is_empty(folder_, code) && !code) {
        fs::remove(folder_, code);
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

void clear_entries(std::vector<double>& v, const std::vector<int>& indices)
{
    for (const int index : indices) {
        v.at(static_cast<std::size_t>(index)) = +0.0;
    }
}

std::string create_staging_folder(const std::string& folder)
{
    const fs::path staging =
        fs::path(folder) / (".covdefl-staging-" + std::to_string(::getpid()));
    std::error_code code;
    fs::remove_all(staging, code);
    fs::create_directory(staging, code);
    if (code) {
        throw Error("cannot create " + staging.string() + ": " +
                    code.message() + "; check the output folder");
    }
    return staging.string();
}

std::string result_path(const std::string& staging, const std::string& stem,
                        const std::string& format)
{
    const std::string extension = format == "hdf5" ? "h5" : format;
    return (fs::path(staging) / (stem + "." + extension)).string();
}

void remove_staging_folder(const std::string& staging)
{
    std::error_code code;
    fs::remove_all(staging, code);
}

void publish_results(
    const std::string& folder, const std::string& staging,
    const std::string& format, const ResultArrays& arrays,
    const std::function<void(const std::string&)>& write_report)
{
    const fs::path target(folder);
    try {
        write_result_arrays(staging, format, arrays);
        write_report((fs::path(staging) / "report.json").string());
    } catch (...) {
        remove_staging_folder(staging);
        throw;
    }
    // Renames within one folder do not fail for lack of space.
    std::error_code code;
    for (const std::string& name : result_file_names()) {
        const fs::path staged = fs::path(staging) / name;
        if (fs::exists(staged)) {
            fs::rename(staged, target / name);
        } else {
            fs::remove(target / name, code);
        }
    }
    remove_staging_folder(staging);
}

}  // namespace covdefl
