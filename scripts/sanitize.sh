#!/usr/bin/env bash
# Builds the serial unit tests with AddressSanitizer and
# UndefinedBehaviorSanitizer in BUILD_DIR (default build-asan/ in the
# repository, which git ignores) and runs them. A sanitizer report stops
# the run with a non-zero exit status. Arguments go to the Catch2 binary,
# e.g. a test name or a tag such as "[csv]". Not part of CI.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${BUILD_DIR:-$repo/build-asan}
flags="-fsanitize=address,undefined -fno-sanitize-recover=all"
flags+=" -fno-omit-frame-pointer"

"$repo/scripts/setup.sh"
cmake -S "$repo" -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="$flags" >/dev/null
cmake --build "$build_dir" -j "$(nproc)" --target covdefl_unit_tests

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
"$build_dir/tests/covdefl_unit_tests" "$@"
