#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "../mpi/helpers.hpp"
#include "covdefl/hdf5.hpp"
#include "covdefl/mpi.hpp"
#include "hdf5_files.hpp"
#include "io/hdf5_library.hpp"

using namespace covdefl;
using Catch::Matchers::Contains;
using covdefl::testing::error_message;
using covdefl::testing::read_dataset;
using covdefl::testing::SharedFolder;

namespace {

// Entry (i, j) of an n x K test matrix, distinct for every (i, j).
double score_value(int i, int j)
{
    return i * 100.0 + j + 0.5;
}

// An n x k block-cyclic matrix with entries score_value(i, j).
BlockCyclicMatrix make_scores(const ProcessGrid& grid, int n, int k, int block)
{
    BlockCyclicMatrix a(grid, n, k, block, block);
    for (int jl = 0; jl < a.local_cols(); ++jl) {
        for (int il = 0; il < a.local_rows(); ++il) {
            a.local(il, jl) = score_value(a.global_row(il), a.global_col(jl));
        }
    }
    return a;
}

// Number of entries of the row-major n x k `values` that differ from
// score_value.
int count_mismatches(const std::vector<double>& values, int n, int k)
{
    int mismatches = 0;
    for (int i = 0; i < n; ++i) {
        for (int j = 0; j < k; ++j) {
            if (values[static_cast<std::size_t>(i) * k + j] !=
                score_value(i, j)) {
                ++mismatches;
            }
        }
    }
    return mismatches;
}

bool is_rank_zero()
{
    return mpi::rank(MPI_COMM_WORLD) == 0;
}

}  // namespace

TEST_CASE("hdf5 writer stores a block-cyclic matrix row-major", "[hdf5]")
{
    SharedFolder folder;
    ProcessGrid grid(MPI_COMM_WORLD, covdefl::testing::world_grid_shape());
    const int n = 17;
    const int k = 3;
    for (int block = 1; block <= 3; ++block) {
        for (const std::int64_t buffer :
             {std::int64_t{1}, io::hdf5::transfer_buffer_doubles}) {
            INFO("block size " << block << ", buffer " << buffer);
            const std::string path = folder.file("scores.h5");
            const BlockCyclicMatrix scores = make_scores(grid, n, k, block);
            io::hdf5::write_matrix(path, "scores", scores,
                                   io::Hdf5FileMode::create, buffer);
            MPI_Barrier(MPI_COMM_WORLD);
            if (is_rank_zero()) {
                const auto stored = read_dataset(path, "scores");
                CHECK(stored.dims == std::vector<hsize_t>{17, 3});
                CHECK(stored.float64_le);
                CHECK(count_mismatches(stored.values, n, k) == 0);
            }
            // The reader with another block size gets the same matrix.
            const BlockCyclicMatrix back =
                io::read_hdf5_matrix(grid, path, "scores", block % 3 + 1);
            int mismatches = 0;
            for (int jl = 0; jl < back.local_cols(); ++jl) {
                for (int il = 0; il < back.local_rows(); ++il) {
                    mismatches +=
                        back.local(il, jl) !=
                        score_value(back.global_row(il), back.global_col(jl));
                }
            }
            CHECK(mismatches == 0);
        }
    }
}

TEST_CASE("hdf5 results file holds the result arrays", "[hdf5]")
{
    SharedFolder folder;
    const std::vector<double> eigenvalues = {3.0, 2.0};
    const std::vector<double> axes = {0.6, 0.8, 0.0, 0.0, 0.0, 1.0};
    const std::vector<double> explained = {0.5, 1.0 / 3.0};
    const std::vector<double> mean = {1.5, -2.5, 4.0};
    const std::string path = folder.file("results.h5");
    if (is_rank_zero()) {
        io::write_results_hdf5(path,
                               {2, 3, eigenvalues, axes, explained, mean});
        const auto stored_eigenvalues = read_dataset(path, "eigenvalues");
        CHECK(stored_eigenvalues.dims == std::vector<hsize_t>{2});
        CHECK(stored_eigenvalues.values == eigenvalues);
        CHECK(stored_eigenvalues.float64_le);
        const auto stored_axes = read_dataset(path, "components");
        CHECK(stored_axes.dims == std::vector<hsize_t>{2, 3});
        CHECK(stored_axes.values == axes);
        const auto stored_explained =
            read_dataset(path, "explained_variance_ratio");
        CHECK(stored_explained.values == explained);
        const auto stored_mean = read_dataset(path, "mean");
        CHECK(stored_mean.dims == std::vector<hsize_t>{3});
        CHECK(stored_mean.values == mean);
        // The temporary file was renamed.
        CHECK(folder.names() == std::vector<std::string>{"results.h5"});

        const std::string covariance_path = folder.file("covariance.h5");
        io::write_results_hdf5(covariance_path,
                               {2, 3, eigenvalues, axes, explained, {}});
        CHECK_FALSE(covdefl::testing::has_dataset(covariance_path, "mean"));
        CHECK(covdefl::testing::has_dataset(covariance_path, "components"));
    }

    // A scores matrix joins the results in the same file.
    ProcessGrid grid(MPI_COMM_WORLD, covdefl::testing::world_grid_shape());
    const BlockCyclicMatrix scores = make_scores(grid, 10, 2, 3);
    io::write_hdf5_matrix(path, "scores", scores, io::Hdf5FileMode::append);
    if (is_rank_zero()) {
        CHECK(count_mismatches(read_dataset(path, "scores").values, 10, 2) ==
              0);
        CHECK(read_dataset(path, "eigenvalues").values == eigenvalues);
    }
    const std::string message = error_message([&] {
        io::write_hdf5_matrix(path, "scores", scores, io::Hdf5FileMode::append);
    });
    CHECK_THAT(message, Contains("cannot write dataset scores"));
    CHECK_THAT(message, Contains("results.h5"));
}

TEST_CASE("hdf5 writers report failures", "[hdf5]")
{
    SharedFolder folder;
    const std::vector<double> one = {1.0};
    if (is_rank_zero()) {
        const std::string path = folder.file("bad-shape.h5");
        CHECK_THROWS_WITH(
            io::write_results_hdf5(path, {1, 2, one, one, one, {}}),
            Contains("components has 1 values, expected 2"));
        const std::string unwritable = folder.file("missing/results.h5");
        CHECK_THROWS_WITH(
            io::write_results_hdf5(unwritable, {1, 1, one, one, one, {}}),
            Contains("cannot create " + unwritable));
        // Neither failure left a file behind.
        CHECK(folder.names().empty());
    }
    MPI_Barrier(MPI_COMM_WORLD);

    ProcessGrid grid(MPI_COMM_WORLD, covdefl::testing::world_grid_shape());
    const BlockCyclicMatrix scores = make_scores(grid, 4, 2, 1);
    const std::string missing = folder.file("absent.h5");
    CHECK_THAT(error_message([&] {
                   io::write_hdf5_matrix(missing, "scores", scores,
                                         io::Hdf5FileMode::append);
               }),
               Contains("cannot open " + missing + " for writing"));
    const std::string in_missing_folder = folder.file("missing/scores.h5");
    CHECK_THAT(error_message([&] {
                   io::write_hdf5_matrix(in_missing_folder, "scores", scores,
                                         io::Hdf5FileMode::create);
               }),
               Contains("cannot create " + in_missing_folder));
}
