#include <catch2/catch.hpp>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>

#include "covdefl/csv_writer.hpp"
#include "covdefl/io.hpp"
#include "covdefl/mpi.hpp"
#include "covdefl/scores.hpp"
#include "covdefl/standardize.hpp"
#include "helpers.hpp"

using namespace covdefl;
using covdefl::testing::entry;
using covdefl::testing::world_grid_shape;

namespace {

// Entry (i, j) of the test matrices, the same on every rank.
double test_value(int i, int j)
{
    return seeded_gaussian(7, static_cast<std::uint64_t>(j),
                           static_cast<std::uint64_t>(i));
}

BlockCyclicMatrix make_matrix(const ProcessGrid& grid, int rows, int cols,
                              int block)
{
    BlockCyclicMatrix a(grid, rows, cols, block, block);
    for (int jl = 0; jl < a.local_cols(); ++jl) {
        for (int il = 0; il < a.local_rows(); ++il) {
            a.local(il, jl) = test_value(a.global_row(il), a.global_col(jl));
        }
    }
    return a;
}

// A file path that is the same on every rank because it contains rank 0's
// process id. Rank 0 removes the file at the end of the scope.
class SharedPath {
public:
    explicit SharedPath(const std::string& name)
    {
        long id = static_cast<long>(::getpid());
        MPI_Bcast(&id, 1, MPI_LONG, 0, MPI_COMM_WORLD);
        path_ = (std::filesystem::temp_directory_path() /
                 ("covdefl-scores-test-" + std::to_string(id) + "-" + name))
                    .string();
    }
    ~SharedPath()
    {
        MPI_Barrier(MPI_COMM_WORLD);
        if (mpi::rank(MPI_COMM_WORLD) == 0) {
            std::filesystem::remove(path_);
        }
    }
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

}  // namespace

TEST_CASE("npy written collectively reads back", "[scores][mpi]")
{
    ProcessGrid grid(MPI_COMM_WORLD, world_grid_shape());
    const int block = GENERATE(1, 2, 3, 64);
    const int rows = 11;
    const int cols = 5;
    const BlockCyclicMatrix a = make_matrix(grid, rows, cols, block);
    SharedPath file("matrix.npy");
    write_npy_collective(file.path(), a);
    MPI_Barrier(MPI_COMM_WORLD);

    std::unique_ptr<io::RowSource> source = io::open_npy(file.path());
    REQUIRE(source->rows() == rows);
    REQUIRE(source->cols() == cols);
    std::vector<double> values(static_cast<std::size_t>(rows * cols));
    source->read_rows(0, rows, values.data());
    for (int i = 0; i < rows; ++i) {
        for (int j = 0; j < cols; ++j) {
            INFO("block " << block << ", entry (" << i << ", " << j << ")");
            CHECK(values[static_cast<std::size_t>(i * cols + j)] ==
                  test_value(i, j));
        }
    }
}

TEST_CASE("csv written in pieces reads back", "[scores][mpi]")
{
    ProcessGrid grid(MPI_COMM_WORLD, world_grid_shape());
    const int block = GENERATE(1, 2, 3);
    const int rows = 13;
    const int cols = 3;
    const BlockCyclicMatrix a = make_matrix(grid, rows, cols, block);
    SharedPath file("matrix.csv");
    // Pieces of two rows (7 values / 3 columns), so several gathers run.
    write_csv_collective(file.path(), a, io::numbered_names("component", 3), 7);
    MPI_Barrier(MPI_COMM_WORLD);

    std::ifstream in(file.path());
    std::string line;
    REQUIRE(std::getline(in, line));
    CHECK(line == "component_1,component_2,component_3");
    int i = 0;
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string field;
        int j = 0;
        while (std::getline(fields, field, ',')) {
            INFO("block " << block << ", entry (" << i << ", " << j << ")");
            REQUIRE(j < cols);
            CHECK(std::stod(field) == test_value(i, j));
            ++j;
        }
        CHECK(j == cols);
        ++i;
    }
    CHECK(i == rows);
}

TEST_CASE("projection equals the plain product", "[scores][mpi]")
{
    ProcessGrid grid(MPI_COMM_WORLD, world_grid_shape());
    const int block = GENERATE(1, 2, 3);
    const int n = 9;
    const int d = 4;
    const BlockCyclicMatrix x = make_matrix(grid, n, d, block);
    std::vector<std::vector<double>> axes = {
        {1.0, 0.0, 0.0, 0.0}, {0.5, -0.5, 0.5, -0.5}, {0.0, 0.0, 0.6, 0.8}};
    const BlockCyclicMatrix s = project_onto_axes(x, axes);
    REQUIRE(s.rows() == n);
    REQUIRE(s.cols() == 3);
    for (int i = 0; i < n; ++i) {
        for (int k = 0; k < 3; ++k) {
            double expected = 0.0;
            for (int j = 0; j < d; ++j) {
                expected += test_value(i, j) *
                            axes[static_cast<std::size_t>(k)]
                                [static_cast<std::size_t>(j)];
            }
            INFO("block " << block << ", score (" << i << ", " << k << ")");
            // The entries are below 5 in magnitude for this seed and the
            // axis entries at most 1, so every partial sum stays below 20
            // and 400·ε covers the rounding of any summation order.
            CHECK(std::abs(entry(s, i, k) - expected) <=
                  400 * std::numeric_limits<double>::epsilon());
        }
    }
}

TEST_CASE("standardize scales columns, finds constant ones",
          "[standardize][mpi]")
{
    ProcessGrid grid(MPI_COMM_WORLD, world_grid_shape());
    const int block = GENERATE(1, 2, 3);
    const int n = 6;
    // Column 0 has mean 0 and six values ±2, so its standard deviation is
    // sqrt(24 / 5) with divisor n − 1. Column 1 was the constant 3 before
    // centring and keeps a rounding-level residue. Column 2 is zero.
    const double column0[n] = {2, -2, 2, -2, 2, -2};
    BlockCyclicMatrix x(grid, n, 3, block, block);
    for (int jl = 0; jl < x.local_cols(); ++jl) {
        for (int il = 0; il < x.local_rows(); ++il) {
            const int i = x.global_row(il);
            const int j = x.global_col(jl);
            x.local(il, jl) = j == 0   ? column0[i]
                              : j == 1 ? (i % 2 == 0 ? 1e-16 : -1e-16)
                                       : 0.0;
        }
    }
    const ColumnScaling scaling = standardize_columns(x, {0.0, 3.0, 0.0});
    const double expected_scale = std::sqrt(24.0 / 5.0);
    CHECK(scaling.scales[0] == Approx(expected_scale).epsilon(1e-15));
    REQUIRE(scaling.constant_columns.size() == 2);
    CHECK(scaling.constant_columns[0] == 1);
    CHECK(scaling.constant_columns[1] == 2);
    for (int i = 0; i < n; ++i) {
        CHECK(entry(x, i, 0) ==
              Approx(column0[i] / expected_scale).epsilon(1e-15));
        CHECK(entry(x, i, 1) == 0.0);
        CHECK(entry(x, i, 2) == 0.0);
    }
}
