// The eigen sub-routines and deflation forms that the options select.
#include "cli/run_types.hpp"
#include "covdefl/error.hpp"
#include "covdefl/implicit_deflation.hpp"
#include "covdefl/lanczos.hpp"

namespace covdefl {

std::unique_ptr<EigenSubroutine> make_subroutine(const RunOptions& o)
{
    if (o.method == "power") {
        return std::make_unique<PowerIteration>();
    }
    if (o.method == "lanczos") {
        return std::make_unique<LanczosIteration>(o.krylov_dimension);
    }
    throw Error("invalid --method '" + o.method +
                    "': expected power or lanczos",
                /*collective=*/true);
}

std::unique_ptr<DeflatedOperator> make_deflation(const RunOptions& o,
                                                 BlockCyclicMatrix& matrix)
{
    if (o.deflation_kind == "explicit") {
        return std::make_unique<ExplicitDeflation>(matrix, o.deflation.kernel);
    }
    if (o.deflation_kind == "implicit") {
        return std::make_unique<ImplicitDeflation>(matrix, o.deflation.kernel);
    }
    throw Error("invalid --deflation '" + o.deflation_kind +
                    "': expected explicit or implicit",
                /*collective=*/true);
}

}  // namespace covdefl
