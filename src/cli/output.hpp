// Result files: the output folder, the .npy files and their publication.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace covdefl {

// Creates `folder` when missing and checks that a file can be created in
// it. Throws Error with the reason and what to do. Called before any
// computation, so a bad --output costs no run time.
void prepare_output_folder(const std::string& folder);

// Makes the entry of largest magnitude positive (the first such entry on a
// tie), so the sign of a principal axis is reproducible.
void fix_sign(std::vector<double>& v);

// The result arrays of one run, on rank 0.
struct ResultArrays {
    std::int64_t components = 0;      // K
    std::int64_t dimension = 0;       // d
    std::vector<double> eigenvalues;  // K
    std::vector<double> axes;         // K x d, row-major
    std::vector<double> explained;    // K
    std::vector<double> means;        // d, empty unless a data input
    std::string format = "npy";       // npy: one .npy each; hdf5: results.h5
};

// Writes every result file into a staging folder inside `folder`, then
// moves them into `folder` and removes result files of an earlier run that
// this run does not produce (mean.npy after a covariance input). When a
// write fails, nothing in `folder` changes and the staging folder is
// removed. `write_report` writes report.json to the path it is given.
// Throws Error naming the file and the reason.
void publish_results(
    const std::string& folder, const ResultArrays& arrays,
    const std::function<void(const std::string&)>& write_report);

}  // namespace covdefl
