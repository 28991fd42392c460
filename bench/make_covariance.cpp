// Writes a d x d covariance with a known spectrum to a `.npy` file, built
// by covdefl's own generator (synthetic_covariance: C = Q diag(λ) Qᵀ with Q
// from the QR of a seeded Gaussian matrix), so that every tool of the
// benchmark reads the same matrix. Runs on one MPI rank, where the local
// block is the whole matrix in column-major order.
//
// usage: make_covariance D SPECTRUM OUTPUT [SEED]
//   SPECTRUM: inverse (λi = 1/i), geometric (λi = 0.9^(i−1)) or clustered
//   (groups of 5 eigenvalues within 1e-3 relative, group g at 1/g)
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <vector>

#include "covdefl/covariance.hpp"
#include "covdefl/grid.hpp"
#include "covdefl/mpi.hpp"

namespace {

// Eigenvalues of the clustered spectrum: group g = 1, 2, ... contains 5
// eigenvalues (1/g)·(1 − 2e-4·j), j = 0..4, so each group spans 8e-4 of
// its largest value and neighbouring groups are separated by 1/g − 1/(g+1).
std::vector<double> clustered_spectrum(int d)
{
    std::vector<double> values(static_cast<std::size_t>(d));
    for (int i = 0; i < d; ++i) {
        const int group = i / 5 + 1;
        const int member = i % 5;
        values[static_cast<std::size_t>(i)] =
            (1.0 - 2e-4 * member) / static_cast<double>(group);
    }
    return values;
}

std::vector<double> spectrum_values(const std::string& name, int d)
{
    if (name == "inverse") {
        return covdefl::parse_spectrum("power:1", d);
    }
    if (name == "geometric") {
        return covdefl::parse_spectrum("geometric:0.9", d);
    }
    if (name == "clustered") {
        return clustered_spectrum(d);
    }
    throw covdefl::Error("invalid spectrum '" + name +
                         "': expected inverse, geometric or clustered");
}

// Writes the row-major d x d float64 array `values` as a version 1.0 `.npy`
// file: the header is padded with spaces so the data starts at a multiple
// of 64 bytes. Writes to PATH.partial first and renames it, so an
// interrupted run leaves no truncated file under the final name.
void write_npy(const std::string& path, const double* values, long long d)
{
    std::string header = "{'descr': '<f8', 'fortran_order': False, 'shape': (" +
                         std::to_string(d) + ", " + std::to_string(d) + "), }";
    const std::size_t prefix = 10;  // magic (6), version (2), length (2)
    while ((prefix + header.size() + 1) % 64 != 0) {
        header += ' ';
    }
    header += '\n';
    const std::string partial = path + ".partial";
    std::FILE* file = std::fopen(partial.c_str(), "wb");
    if (file == nullptr) {
        throw covdefl::Error("cannot create '" + partial + "'");
    }
    const unsigned char magic[8] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};
    const unsigned short length = static_cast<unsigned short>(header.size());
    const unsigned char length_bytes[2] = {
        static_cast<unsigned char>(length & 0xff),
        static_cast<unsigned char>(length >> 8)};
    const std::size_t count = static_cast<std::size_t>(d * d);
    bool ok = std::fwrite(magic, 1, 8, file) == 8;
    ok = ok && std::fwrite(length_bytes, 1, 2, file) == 2;
    ok = ok &&
         std::fwrite(header.data(), 1, header.size(), file) == header.size();
    ok = ok && std::fwrite(values, sizeof(double), count, file) == count;
    ok = std::fclose(file) == 0 && ok;
    if (!ok || std::rename(partial.c_str(), path.c_str()) != 0) {
        std::remove(partial.c_str());
        throw covdefl::Error("failed to write '" + path + "'");
    }
}

}  // namespace

int main(int argc, char** argv)
{
    try {
        covdefl::mpi::Environment environment(argc, argv);
        if (argc < 4 || argc > 5) {
            std::fprintf(stderr, "usage: make_covariance D SPECTRUM OUTPUT "
                                 "[SEED]\n");
            return 1;
        }
        if (covdefl::mpi::size(MPI_COMM_WORLD) != 1) {
            throw covdefl::Error("make_covariance runs on one MPI rank");
        }
        const int d = std::atoi(argv[1]);
        if (d < 2) {
            throw covdefl::Error(std::string("invalid dimension '") + argv[1] +
                                 "': expected an integer of at least 2");
        }
        const std::uint64_t seed =
            argc == 5 ? std::strtoull(argv[4], nullptr, 10) : 42;
        const std::vector<double> eigenvalues = spectrum_values(argv[2], d);

        const double start = MPI_Wtime();
        covdefl::ProcessGrid grid(MPI_COMM_WORLD, {1, 1});
        covdefl::BlockCyclicMatrix c =
            covdefl::synthetic_covariance(grid, eigenvalues, seed, 64);
        const double build_seconds = MPI_Wtime() - start;

        // Symmetrise exactly, (C + Cᵀ)/2, so that the column-major local
        // block is also the row-major matrix that `.npy` stores.
        double* a = c.data();
        const std::size_t n = static_cast<std::size_t>(d);
        for (std::size_t j = 0; j < n; ++j) {
            for (std::size_t i = j + 1; i < n; ++i) {
                const double mean = 0.5 * (a[j * n + i] + a[i * n + j]);
                a[j * n + i] = mean;
                a[i * n + j] = mean;
            }
        }
        write_npy(argv[3], a, d);
        std::printf("{\"dimension\": %d, \"spectrum\": \"%s\", \"seed\": %llu, "
                    "\"build_seconds\": %.6f, \"total_seconds\": %.6f}\n",
                    d, argv[2], static_cast<unsigned long long>(seed),
                    build_seconds, MPI_Wtime() - start);
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "make_covariance: error: %s\n", e.what());
        return 1;
    }
}
