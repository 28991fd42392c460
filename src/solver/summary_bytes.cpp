// The bytes of a ComponentSummary that the agreement check compares.
#include "covdefl/events.hpp"
#include "covdefl/mpi.hpp"

namespace covdefl {

void append_bytes(std::vector<std::byte>& bytes,
                  const ComponentSummary& summary)
{
    for (const double value :
         {summary.eigenvalue, summary.residual_norm, summary.tolerance,
          summary.original_rayleigh_quotient, summary.original_residual_norm,
          summary.max_overlap, summary.deflation_leak, summary.start_overlap}) {
        mpi::append_bytes(bytes, value);
    }
    mpi::append_bytes(bytes, summary.component);
    mpi::append_bytes(bytes, summary.iterations);
    mpi::append_bytes(bytes, summary.status);
    mpi::append_bytes(bytes, summary.reorthogonalized);
    mpi::append_bytes(bytes, summary.probe);
    mpi::append_bytes(bytes, summary.vector_products);
}

}  // namespace covdefl
