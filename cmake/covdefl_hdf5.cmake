# Optional parallel HDF5 input and output.
#
# COVDEFL_WITH_HDF5 is AUTO (use parallel HDF5 when found), ON (fail when it
# is not found) or OFF. Sets COVDEFL_HDF5_ENABLED to TRUE when the build
# uses HDF5, whose imported target is then HDF5::HDF5.
set(COVDEFL_WITH_HDF5 AUTO CACHE STRING
    "Parallel HDF5 input and output: AUTO (when found), ON (required) or OFF")
set_property(CACHE COVDEFL_WITH_HDF5 PROPERTY STRINGS AUTO ON OFF)
string(TOUPPER "${COVDEFL_WITH_HDF5}" covdefl_hdf5_mode)
if(NOT covdefl_hdf5_mode MATCHES "^(AUTO|ON|OFF)$")
    message(FATAL_ERROR "invalid COVDEFL_WITH_HDF5=${COVDEFL_WITH_HDF5}: "
        "expected AUTO, ON or OFF")
endif()

set(COVDEFL_HDF5_ENABLED FALSE)
if(covdefl_hdf5_mode STREQUAL "OFF")
    message(STATUS "HDF5 support: off (COVDEFL_WITH_HDF5=OFF); covdefl "
        "will reject --format hdf5 and --output-format hdf5")
    return()
endif()

# Debian installs each HDF5 flavour under its own prefix; the h5pcc
# compiler wrapper of libhdf5-openmpi-dev points FindHDF5 at the Open MPI
# one.
set(HDF5_PREFER_PARALLEL TRUE)
find_package(HDF5 COMPONENTS C QUIET)

set(covdefl_hdf5_problem "")
if(NOT HDF5_FOUND)
    set(covdefl_hdf5_problem "no HDF5 C library was found (install "
        "libhdf5-openmpi-dev on Debian, or set HDF5_ROOT to an HDF5 built "
        "with MPI)")
elseif(NOT HDF5_IS_PARALLEL)
    set(covdefl_hdf5_problem "the HDF5 ${HDF5_VERSION} found in "
        "${HDF5_C_INCLUDE_DIRS} is serial, and covdefl needs HDF5 built with "
        "MPI (on Debian, libhdf5-openmpi-dev)")
else()
    include(CheckSymbolExists)
    set(CMAKE_REQUIRED_INCLUDES ${HDF5_C_INCLUDE_DIRS})
    set(CMAKE_REQUIRED_QUIET TRUE)
    unset(COVDEFL_HDF5_HAVE_PARALLEL CACHE)
    check_symbol_exists(H5_HAVE_PARALLEL "H5pubconf.h"
        COVDEFL_HDF5_HAVE_PARALLEL)
    unset(CMAKE_REQUIRED_INCLUDES)
    unset(CMAKE_REQUIRED_QUIET)
    if(NOT COVDEFL_HDF5_HAVE_PARALLEL)
        set(covdefl_hdf5_problem "H5pubconf.h in ${HDF5_C_INCLUDE_DIRS} does "
            "not define H5_HAVE_PARALLEL, so that HDF5 was built without MPI")
    endif()
endif()
string(JOIN "" covdefl_hdf5_problem ${covdefl_hdf5_problem})

if(covdefl_hdf5_problem STREQUAL "")
    set(COVDEFL_HDF5_ENABLED TRUE)
    message(STATUS "HDF5 support: on (parallel HDF5 ${HDF5_VERSION}, "
        "${HDF5_C_INCLUDE_DIRS})")
elseif(covdefl_hdf5_mode STREQUAL "ON")
    message(FATAL_ERROR "COVDEFL_WITH_HDF5=ON, but ${covdefl_hdf5_problem}")
else()
    message(WARNING "HDF5 support: off, because ${covdefl_hdf5_problem}. "
        "covdefl will reject --format hdf5 and --output-format hdf5; the "
        "other formats work.")
endif()
