// Result files: the output folder, the result arrays and their publication.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace covdefl {

// Creates `folder` when missing and checks that a file can be created in
// it. Unless `force` is set, also rejects a folder that already contains a
// result file of an earlier run. Throws Error with the reason and what to
// do. Called before any computation, so a bad --output costs no run time.
// Returns whether the folder was created by this call.
bool prepare_output_folder(const std::string& folder, bool force);

// Removes the --output folder at scope exit when this run created it and
// it is still empty, so that a run stopped by an error leaves no trace.
class CreatedFolderGuard {
public:
    CreatedFolderGuard(std::string folder, bool created)
        : folder_(std::move(folder))
        , created_(created)
    {
    }
    ~CreatedFolderGuard();
    CreatedFolderGuard(const CreatedFolderGuard&) = delete;
    CreatedFolderGuard& operator=(const CreatedFolderGuard&) = delete;

private:
    std::string folder_;
    bool created_;
};

// Makes the entry of largest magnitude positive (the first such entry on a
// tie), so the sign of a principal axis is reproducible.
void fix_sign(std::vector<double>& v);

// Sets the entries of `v` at the 0-based `indices` to +0.0. The entries of
// a column that --drop-constant-columns left out come out of the solver
// and fix_sign as +0.0 or -0.0, because the covariance row is a sum of
// signed zeros and fix_sign negates it.
void clear_entries(std::vector<double>& v, const std::vector<int>& indices);

// The result arrays of one run, on rank 0.
struct ResultArrays {
    std::int64_t components = 0;      // K
    std::int64_t dimension = 0;       // d
    std::vector<double> eigenvalues;  // K
    std::vector<double> axes;         // K x d, row-major
    std::vector<double> explained;    // K
    std::vector<double> means;        // d, empty unless a data input
    std::vector<double> scales;       // d, empty unless --standardize
};

// Creates an empty staging folder inside `folder` and returns its path.
// Result files are written there first and moved into `folder` by
// publish_results. Throws Error naming the folder.
std::string create_staging_folder(const std::string& folder);

// Returns the path of result file `stem` (for example "scores") in
// `staging` with the extension of `format` ("npy" or "csv").
std::string result_path(const std::string& staging, const std::string& stem,
                        const std::string& format);

// Writes the arrays and report.json into `staging`, which may already
// contain result files written by all ranks (scores), then moves every
// file of `staging` into `folder`. Result files of an earlier run that
// this run does not produce (mean.npy after a covariance input, scores.npy
// after a run without --scores, the files of the other format) are
// removed. When a write fails, nothing in `folder` changes and the staging
// folder is removed. `write_report` writes report.json to the path it is
// given. Throws Error naming the file and the reason.
void publish_results(
    const std::string& folder, const std::string& staging,
    const std::string& format, const ResultArrays& arrays,
    const std::function<void(const std::string&)>& write_report);

// Removes a staging folder after a failure (no error when it is gone).
void remove_staging_folder(const std::string& staging);

}  // namespace covdefl
