// A covariance matrix with a known spectrum, built in place on the grid.
#include <cmath>
#include <sstream>

#include "covdefl/covariance.hpp"
#include "covdefl/mpi.hpp"
#include "grid/scalapack.hpp"

namespace covdefl {

namespace {

// Stream of seeded_gaussian reserved for the synthetic matrix, apart from
// the streams 0, 1, 2, ... that start vectors use.
constexpr std::uint64_t synthetic_stream = 0xC0FFEEULL << 32;

double parse_number(const std::string& text, const std::string& spec)
{
    std::size_t used = 0;
    double value = 0.0;
    try {
        value = std::stod(text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used != text.size() || text.empty() || !std::isfinite(value)) {
        throw Error("invalid --spectrum '" + spec + "': '" + text +
                    "' is not a finite number");
    }
    return value;
}

void check_info(int info, const char* routine)
{
    if (info != 0) {
        throw Error(std::string(routine) +
                        " failed with info = " + std::to_string(info),
                    /*collective=*/true);
    }
}

}  // namespace

std::vector<double> parse_spectrum(const std::string& spec, std::int64_t d)
{
    const auto colon = spec.find(':');
    const std::string kind = spec.substr(0, colon);
    const std::string argument =
        colon == std::string::npos ? "" : spec.substr(colon + 1);
    std::vector<double> values(static_cast<std::size_t>(d), 0.0);
    if (kind == "geometric") {
        const double ratio = parse_number(argument, spec);
        if (!(ratio > 0.0 && ratio < 1.0)) {
            throw Error("invalid --spectrum '" + spec +
                        "': the geometric ratio must be in (0, 1)");
        }
        for (std::int64_t i = 0; i < d; ++i) {
            values[static_cast<std::size_t>(i)] =
                std::pow(ratio, static_cast<double>(i));
        }
    } else if (kind == "power") {
        const double exponent = parse_number(argument, spec);
        if (!(exponent > 0.0)) {
            throw Error("invalid --spectrum '" + spec +
                        "': the power-law exponent must be positive");
        }
        for (std::int64_t i = 0; i < d; ++i) {
            values[static_cast<std::size_t>(i)] =
                std::pow(static_cast<double>(i + 1), -exponent);
        }
    } else if (kind == "list") {
        std::stringstream stream(argument);
        std::string item;
        std::size_t count = 0;
        while (std::getline(stream, item, ',')) {
            if (count == values.size()) {
                throw Error("invalid --spectrum '" + spec + "': more than " +
                            std::to_string(d) +
                            " eigenvalues for d = " + std::to_string(d));
            }
            const double value = parse_number(item, spec);
            if (value < 0.0) {
                throw Error("invalid --spectrum '" + spec +
                            "': a covariance has no negative eigenvalue");
            }
            values[count++] = value;
        }
        if (count == 0) {
            throw Error("invalid --spectrum '" + spec + "': the list is empty");
        }
    } else {
        throw Error("invalid --spectrum '" + spec +
                    "': expected geometric:R, power:P or list:a,b,...");
    }
    return values;
}

BlockCyclicMatrix
synthetic_covariance(const ProcessGrid& grid,
                     const std::vector<double>& eigenvalues, std::uint64_t seed,
                     int block_size,
                     std::unique_ptr<BlockCyclicMatrix>* eigenvectors)
{
    const int d = static_cast<int>(eigenvalues.size());
    auto q =
        std::make_unique<BlockCyclicMatrix>(grid, d, d, block_size, block_size);

    // q = G, Gaussian entries keyed by their global index.
    for (int jl = 0; jl < q->local_cols(); ++jl) {
        const std::uint64_t j = static_cast<std::uint64_t>(q->global_col(jl));
        for (int il = 0; il < q->local_rows(); ++il) {
            const std::uint64_t i =
                static_cast<std::uint64_t>(q->global_row(il));
            q->local(il, jl) =
                seeded_gaussian(seed, synthetic_stream, i * d + j);
        }
    }

    // q = Q from G = QR (Householder).
    const int one = 1;
    std::vector<double> tau(
        static_cast<std::size_t>(std::max(1, q->local_cols())));
    int info = 0;
    int lwork = -1;
    double query = 0.0;
    pdgeqrf_(&d, &d, q->data(), &one, &one, q->desc(), tau.data(), &query,
             &lwork, &info);
    check_info(info, "PDGEQRF workspace query");
    lwork = static_cast<int>(query) + 1;
    std::vector<double> work(static_cast<std::size_t>(lwork));
    pdgeqrf_(&d, &d, q->data(), &one, &one, q->desc(), tau.data(), work.data(),
             &lwork, &info);
    check_info(info, "PDGEQRF");
    lwork = -1;
    pdorgqr_(&d, &d, &d, q->data(), &one, &one, q->desc(), tau.data(), &query,
             &lwork, &info);
    check_info(info, "PDORGQR workspace query");
    lwork = static_cast<int>(query) + 1;
    work.assign(static_cast<std::size_t>(lwork), 0.0);
    pdorgqr_(&d, &d, &d, q->data(), &one, &one, q->desc(), tau.data(),
             work.data(), &lwork, &info);
    check_info(info, "PDORGQR");

    // b = Q diag(λ), then C = b Qᵀ.
    BlockCyclicMatrix b(grid, d, d, block_size, block_size);
    for (int jl = 0; jl < q->local_cols(); ++jl) {
        const double lambda =
            eigenvalues[static_cast<std::size_t>(q->global_col(jl))];
        for (int il = 0; il < q->local_rows(); ++il) {
            b.local(il, jl) = lambda * q->local(il, jl);
        }
    }
    BlockCyclicMatrix c(grid, d, d, block_size, block_size);
    const double alpha = 1.0;
    const double beta = 0.0;
    pdgemm_("N", "T", &d, &d, &d, &alpha, b.data(), &one, &one, b.desc(),
            q->data(), &one, &one, q->desc(), &beta, c.data(), &one, &one,
            c.desc());
    if (eigenvectors != nullptr) {
        *eigenvectors = std::move(q);
    }
    return c;
}

}  // namespace covdefl
