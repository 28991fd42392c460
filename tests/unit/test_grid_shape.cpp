#include <catch2/catch.hpp>

#include "covdefl/error.hpp"
#include "covdefl/grid.hpp"

using covdefl::choose_grid_shape;
using covdefl::parse_grid_shape;

TEST_CASE("grid shape is as square as possible", "[grid]")
{
    const struct {
        int ranks, rows, cols;
    } cases[] = {{1, 1, 1}, {2, 2, 1}, {3, 3, 1},  {4, 2, 2},
                 {6, 3, 2}, {7, 7, 1}, {12, 4, 3}, {16, 4, 4}};
    for (const auto& c : cases) {
        INFO("ranks = " << c.ranks);
        const covdefl::GridShape shape = choose_grid_shape(c.ranks);
        CHECK(shape.rows == c.rows);
        CHECK(shape.cols == c.cols);
    }
}

TEST_CASE("grid shape parses PxQ", "[grid]")
{
    CHECK(parse_grid_shape("2x3").rows == 2);
    CHECK(parse_grid_shape("2x3").cols == 3);
    CHECK(parse_grid_shape("1X4").cols == 4);
    CHECK_THROWS_AS(parse_grid_shape("2"), covdefl::Error);
    CHECK_THROWS_AS(parse_grid_shape("0x2"), covdefl::Error);
    CHECK_THROWS_AS(parse_grid_shape("-1x2"), covdefl::Error);
    CHECK_THROWS_AS(parse_grid_shape("2x3x4"), covdefl::Error);
}

TEST_CASE("local extent matches a plain count", "[grid]")
{
    // Reference: count the rows of each block that land on process p.
    for (int n : {0, 1, 5, 64, 100, 1000}) {
        for (int nb : {1, 3, 16, 64}) {
            for (int nprocs : {1, 2, 3, 4}) {
                int total = 0;
                for (int p = 0; p < nprocs; ++p) {
                    int expected = 0;
                    for (int i = 0; i < n; ++i) {
                        expected += (i / nb) % nprocs == p ? 1 : 0;
                    }
                    INFO("n = " << n << ", nb = " << nb << ", p = " << p
                                << " of " << nprocs);
                    CHECK(covdefl::local_extent(n, nb, p, nprocs) == expected);
                    total += expected;
                }
                CHECK(total == n);
            }
        }
    }
}
