#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>

#include <unistd.h>

#include "covdefl/covariance.hpp"
#include "covdefl/io.hpp"
#include "covdefl/mpi.hpp"
#include "helpers.hpp"

using namespace covdefl;
using covdefl::testing::entry;
using covdefl::testing::world_grid_shape;

namespace {

// A file name shared by all ranks, written by rank 0 and removed on
// destruction.
class SharedTempFile {
public:
    explicit SharedTempFile(const std::string& name)
    {
        path_ = (std::filesystem::temp_directory_path() /
                 ("covdefl-test-" + std::to_string(job_id()) + "-" + name))
                    .string();
    }
    ~SharedTempFile()
    {
        MPI_Barrier(MPI_COMM_WORLD);
        if (mpi::rank(MPI_COMM_WORLD) == 0) {
            std::remove(path_.c_str());
        }
    }
    const std::string& path() const { return path_; }

    // Writes `data` (rows x cols, row-major) as .npy on rank 0.
    void write(const std::vector<double>& data, std::int64_t rows,
               std::int64_t cols) const
    {
        if (mpi::rank(MPI_COMM_WORLD) == 0) {
            io::write_npy(path_, {rows, cols}, data.data());
        }
        MPI_Barrier(MPI_COMM_WORLD);
    }

private:
    // Rank 0's process id, so concurrent test jobs use distinct names.
    static long job_id()
    {
        long id = static_cast<long>(::getpid());
        MPI_Bcast(&id, 1, MPI_LONG, 0, MPI_COMM_WORLD);
        return id;
    }

    std::string path_;
};

}  // namespace

TEST_CASE("covariance of data with a large offset", "[covariance]")
{
    // X = 1e8 + small integer-valued noise, rows = 53, cols = 11. The mean
    // is 1e8 + O(1), exact enough in float64, while XᵀX/n − μμᵀ would lose
    // every digit of the O(1) covariance. The reference is the two-pass
    // formula in long double on every rank.
    const int n = 53;
    const int d = 11;
    std::vector<double> data(static_cast<std::size_t>(n) * d);
    for (int i = 0; i < n; ++i) {
        for (int j = 0; j < d; ++j) {
            const double noise = std::round(
                4.0 *
                seeded_gaussian(5, 0, static_cast<std::uint64_t>(i * d + j)));
            data[static_cast<std::size_t>(i) * d + j] = 1e8 + 10.0 * j + noise;
        }
    }
    SharedTempFile file("offset.npy");
    file.write(data, n, d);

    std::vector<long double> mean(d, 0.0L);
    for (int i = 0; i < n; ++i) {
        for (int j = 0; j < d; ++j) {
            mean[j] += data[static_cast<std::size_t>(i) * d + j];
        }
    }
    for (auto& m : mean) {
        m /= n;
    }

    ProcessGrid grid(MPI_COMM_WORLD, world_grid_shape());
    for (const int block_size : {2, 5, 64}) {
        INFO("block size " << block_size);
        BlockCyclicMatrix x =
            read_data_matrix(grid, file.path(), "npy", block_size);
        REQUIRE(x.rows() == n);
        REQUIRE(x.cols() == d);
        const std::vector<double> means = center_columns(x);
        for (int j = 0; j < d; ++j) {
            CHECK(means[j] ==
                  Approx(static_cast<double>(mean[j])).epsilon(1e-15));
        }
        const BlockCyclicMatrix c = form_covariance(x);
        for (int j = 0; j < d; ++j) {
            for (int i = j; i < d; ++i) {
                long double expected = 0.0L;
                for (int r = 0; r < n; ++r) {
                    expected +=
                        (data[static_cast<std::size_t>(r) * d + i] - mean[i]) *
                        (data[static_cast<std::size_t>(r) * d + j] - mean[j]);
                }
                expected /= (n - 1);
                INFO("entry (" << i << ", " << j << ")");
                // The covariance entries are O(10); rounding of the
                // centred values and the sums stays below 1e-12 of that.
                CHECK(std::abs(entry(c, i, j) -
                               static_cast<double>(expected)) <= 1e-12 * 16.0);
            }
        }
        CHECK(trace(c) > 0.0);
    }
}

TEST_CASE("reading a missing file fails on every rank", "[io]")
{
    ProcessGrid grid(MPI_COMM_WORLD, world_grid_shape());
    try {
        read_data_matrix(grid, "/nonexistent/covdefl.npy", "npy", 8);
        FAIL("no error thrown");
    } catch (const Error& e) {
        CHECK(e.collective());
        CHECK_THAT(e.what(), Catch::Contains("/nonexistent/covdefl.npy"));
    }
}

TEST_CASE("a NaN in the data fails on every rank", "[io]")
{
    const int n = 9;
    const int d = 4;
    std::vector<double> data(static_cast<std::size_t>(n) * d, 1.0);
    data[7 * d + 2] = std::nan("");
    SharedTempFile file("nan.npy");
    file.write(data, n, d);
    ProcessGrid grid(MPI_COMM_WORLD, world_grid_shape());
    try {
        read_data_matrix(grid, file.path(), "npy", 2);
        FAIL("no error thrown");
    } catch (const Error& e) {
        CHECK(e.collective());
        CHECK_THAT(e.what(), Catch::Contains("row 8, column 3"));
    }
}

TEST_CASE("a single sample is rejected", "[covariance]")
{
    SharedTempFile file("one-row.npy");
    file.write({1.0, 2.0, 3.0}, 1, 3);
    ProcessGrid grid(MPI_COMM_WORLD, world_grid_shape());
    BlockCyclicMatrix x = read_data_matrix(grid, file.path(), "npy", 4);
    center_columns(x);
    try {
        form_covariance(x);
        FAIL("no error thrown");
    } catch (const Error& e) {
        CHECK(e.collective());
        CHECK_THAT(e.what(), Catch::Contains("at least 2 samples"));
    }
}

TEST_CASE("covariance input must be symmetric", "[covariance]")
{
    ProcessGrid grid(MPI_COMM_WORLD, world_grid_shape());
    SECTION("symmetric input is read")
    {
        SharedTempFile file("symmetric.npy");
        file.write({4, 1, 0, 1, 3, 0.5, 0, 0.5, 2}, 3, 3);
        BlockCyclicMatrix a =
            read_covariance_matrix(grid, file.path(), "npy", 2);
        CHECK(entry(a, 1, 0) == 1.0);
        CHECK(entry(a, 2, 1) == 0.5);
        CHECK(trace(a) == 9.0);
    }
    SECTION("asymmetric input names the worst entry")
    {
        SharedTempFile file("asymmetric.npy");
        file.write({4, 1, 0, 1, 3, 0.5, 0, 0.7, 2}, 3, 3);
        try {
            read_covariance_matrix(grid, file.path(), "npy", 2);
            FAIL("no error thrown");
        } catch (const Error& e) {
            CHECK(e.collective());
            CHECK_THAT(e.what(), Catch::Contains("not symmetric"));
            CHECK_THAT(e.what(), Catch::Contains("0.2"));
        }
    }
    SECTION("non-square input is rejected")
    {
        SharedTempFile file("wide.npy");
        file.write({1, 2, 3, 4, 5, 6}, 2, 3);
        CHECK_THROWS_WITH(read_covariance_matrix(grid, file.path(), "npy", 2),
                          Catch::Contains("must be square"));
    }
}
