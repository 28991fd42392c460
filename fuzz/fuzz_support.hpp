// Helpers shared by the libFuzzer harnesses: an invariant check that crashes
// the process, and a file in memory for the readers that take a path.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <string>

// Prints the failed condition and traps, so libFuzzer records the input as
// a crash. Unlike assert, it stays active in release builds.
#define COVDEFL_FUZZ_CHECK(condition)                                          \
    do {                                                                       \
        if (!(condition)) {                                                    \
            std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__,    \
                         __LINE__, #condition);                                \
            __builtin_trap();                                                  \
        }                                                                      \
    } while (false)

namespace covdefl::fuzz {

// Anonymous in-memory file (memfd_create) that contains a copy of the input.
// path() names it as /proc/self/fd/N, which open() reopens as a regular
// file, so the readers run their real file code without touching the disk.
class MemoryFile {
public:
    MemoryFile(const unsigned char* data, std::size_t size)
        : fd_(::memfd_create("covdefl-fuzz", MFD_CLOEXEC))
    {
        if (fd_ < 0) {
            std::perror("memfd_create");
            std::abort();
        }
        std::size_t done = 0;
        while (done < size) {
            const ssize_t written = ::write(fd_, data + done, size - done);
            if (written <= 0) {
                std::perror("write to memfd");
                std::abort();
            }
            done += static_cast<std::size_t>(written);
        }
    }
    MemoryFile(const MemoryFile&) = delete;
    MemoryFile& operator=(const MemoryFile&) = delete;
    ~MemoryFile() { ::close(fd_); }

    std::string path() const { return "/proc/self/fd/" + std::to_string(fd_); }

private:
    int fd_;
};

}  // namespace covdefl::fuzz
