#include "cli/data_steps.hpp"

#include <cstdio>

#include "cli/output.hpp"
#include "covdefl/hdf5.hpp"
#include "covdefl/csv_writer.hpp"
#include "covdefl/mpi.hpp"
#include "covdefl/scores.hpp"
#include "covdefl/standardize.hpp"

namespace covdefl {

namespace {

// Lists up to 10 column numbers (1-based) and the count, for messages.
std::string list_columns(const std::vector<int>& columns, int d)
{
    const std::size_t listed = std::min<std::size_t>(columns.size(), 10);
    std::string text;
    for (std::size_t i = 0; i < listed; ++i) {
        text += (i > 0 ? ", " : "") + std::to_string(columns[i] + 1);
    }
    if (listed < columns.size()) {
        text += ", ...";
    }
    return text + " (" + std::to_string(columns.size()) + " of " +
           std::to_string(d) + " columns)";
}

}  // namespace

void standardize_data(const RunOptions& o, BlockCyclicMatrix& x,
                      Problem& problem)
{
    ColumnScaling scaling = standardize_columns(x, problem.means);
    problem.scales = std::move(scaling.scales);
    const std::vector<int>& constant = scaling.constant_columns;
    if (constant.empty()) {
        return;
    }
    const std::string columns = list_columns(constant, x.cols());
    if (!o.drop_constant_columns) {
        throw Error(o.input +
                        ": --standardize cannot scale constant columns "
                        "(standard deviation at the rounding level of "
                        "their values): " +
                        columns +
                        "; pass --drop-constant-columns to leave them out, "
                        "or run without --standardize",
                    /*collective=*/true);
    }
    problem.dropped_columns = constant;
    if (x.grid().rank() == 0) {
        std::fprintf(stderr,
                     "covdefl: warning: --drop-constant-columns: left out "
                     "the constant columns %s of %s; their entries in the "
                     "components are 0\n",
                     columns.c_str(), o.input.c_str());
    }
}

std::string broadcast_string(MPI_Comm comm, const std::string& text)
{
    int length = static_cast<int>(text.size());
    mpi::check(MPI_Bcast(&length, 1, MPI_INT, 0, comm), "MPI_Bcast");
    std::string result = text;
    result.resize(static_cast<std::size_t>(length));
    mpi::check(MPI_Bcast(result.data(), length, MPI_CHAR, 0, comm),
               "MPI_Bcast");
    return result;
}

void write_scores(const RunOptions& o, const BlockCyclicMatrix& x,
                  const std::vector<std::vector<double>>& axes,
                  const std::string& staging)
{
    try {
        const BlockCyclicMatrix scores = project_onto_axes(x, axes);
        const std::string path =
            result_path(staging, "scores", o.output_format);
        if (o.output_format == "npy") {
            write_npy_collective(path, scores);
        } else if (o.output_format == "csv") {
            write_csv_collective(path, scores,
                                 io::numbered_names("component", axes.size()));
        } else if (o.output_format == "hdf5") {
            io::write_hdf5_matrix(path, "scores", scores,
                                  io::Hdf5FileMode::create);
        } else {
            throw Error("unsupported --output-format '" + o.output_format +
                            "' for --scores: expected npy, csv or hdf5",
                        /*collective=*/true);
        }
    } catch (...) {
        if (x.grid().rank() == 0) {
            remove_staging_folder(staging);
        }
        throw;
    }
}

}  // namespace covdefl
