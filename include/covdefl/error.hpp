// Error types shared by every part of covdefl.
#pragma once

#include <stdexcept>
#include <string>

namespace covdefl {

// Failure reported to the user as one line: what failed, on which value,
// and what to do next.
//
// `collective()` is true when every rank of the communicator throws the same
// error at the same point (the ranks agreed on it by a reduction), so all of
// them can unwind and finalise MPI normally. A non-collective error was seen
// by one rank only, and `main` must abort the job to keep the other ranks
// from waiting in a collective forever.
class Error : public std::runtime_error {
public:
    explicit Error(const std::string& message, bool collective = false)
        : std::runtime_error(message)
        , collective_(collective)
    {
    }

    bool collective() const noexcept { return collective_; }

private:
    bool collective_;
};

// Invalid input data or file: a missing file, a bad header, a non-finite
// value. Thrown by the readers on the rank that found it.
class InputError : public Error {
public:
    using Error::Error;
};

}  // namespace covdefl
