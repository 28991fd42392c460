"""Make the HDF5 inputs of tests/cli/test_hdf5.sh and check results.h5.

    hdf5_files.py make DIR
    hdf5_files.py compare-results RESULTS_H5 NPY_OUTPUT

`make` reads DIR/random-200x12.npy (written by check_outputs.py
make-inputs) and writes HDF5 files beside it, each with a .npy twin of the
same values where a test compares the two. `compare-results` checks that
the datasets of results.h5 are little-endian float64 arrays equal to the
.npy files of a run on the same input and rank count (a missing mean.npy
means results.h5 must have no mean).

A passing check prints nothing and exits with 0; a failing one prints the
failed conditions on one line, separated by "; ", and exits with 1. Run it
with Debian's /usr/bin/python3, which has NumPy and h5py.
"""

import os
import sys

import h5py
import numpy as np

# Results of the same computation on the same input and rank count; they
# agree to rounding, not only to the solver's tolerance.
RESULTS_RTOL = 1e-12

DATASET_FILES = {
    "eigenvalues": "eigenvalues.npy",
    "components": "components.npy",
    "explained_variance_ratio": "explained_variance_ratio.npy",
    "mean": "mean.npy",
}


def make(folder):
    data = np.load(os.path.join(folder, "random-200x12.npy"))

    with h5py.File(os.path.join(folder, "random.h5"), "w") as f:
        f["data"] = data

    single = data.astype(np.float32)
    np.save(os.path.join(folder, "random-f32.npy"), single)
    with h5py.File(os.path.join(folder, "random-f32be.hdf5"), "w") as f:
        f.create_dataset("samples/x", data=single.astype(">f4"))
        f["labels"] = np.arange(data.shape[0])

    integers = np.round(data * 1000).astype(np.int32)
    np.save(os.path.join(folder, "integers.npy"), integers.astype(np.float64))
    with h5py.File(os.path.join(folder, "integers.h5"), "w") as f:
        f.create_dataset("counts", data=integers, chunks=(16, 12), compression="gzip")

    covariance = np.cov(data, rowvar=False)
    np.save(os.path.join(folder, "covariance.npy"), covariance)
    with h5py.File(os.path.join(folder, "covariance.h5"), "w") as f:
        f["stats/covariance"] = covariance
        f["stats/mean"] = data.mean(axis=0)
        f["data"] = data

    with h5py.File(os.path.join(folder, "two.h5"), "w") as f:
        f["a"] = data[:20]
        f["b"] = data[:30, :5]
    with h5py.File(os.path.join(folder, "cube.h5"), "w") as f:
        f["cube"] = np.zeros((4, 5, 6))
    with_nan = data.copy()
    with_nan[41, 8] = np.nan  # row 42, column 9
    with_nan[150, 2] = np.inf
    with h5py.File(os.path.join(folder, "nan.h5"), "w") as f:
        f["data"] = with_nan
    with open(os.path.join(folder, "not-hdf5.h5"), "w", encoding="utf-8") as f:
        f.write("1,2,3\n4,5,6\n")
    return 0


def compare_results(results_path, npy_output):
    failures = []
    with h5py.File(results_path, "r") as f:
        for name, file_name in DATASET_FILES.items():
            npy_path = os.path.join(npy_output, file_name)
            if not os.path.exists(npy_path):
                if name in f:
                    failures.append(f"results.h5 has {name}, but {file_name} was not written")
                continue
            if name not in f:
                failures.append(f"results.h5 has no dataset {name}")
                continue
            stored = f[name]
            if stored.dtype != np.dtype("<f8"):
                failures.append(f"{name} has dtype {stored.dtype}, expected <f8")
            expected = np.load(npy_path)
            values = stored[()]
            if values.shape != expected.shape:
                failures.append(f"{name} has shape {values.shape}, expected {expected.shape}")
                continue
            scale = max(float(np.abs(expected).max(initial=0.0)), 1.0)
            difference = float(np.abs(values - expected).max(initial=0.0))
            if difference > RESULTS_RTOL * scale:
                failures.append(f"{name} differs from {file_name} by {difference:.3g}")
    if failures:
        print("; ".join(failures))
        return 1
    return 0


def main(argv):
    if len(argv) == 3 and argv[1] == "make":
        return make(argv[2])
    if len(argv) == 4 and argv[1] == "compare-results":
        return compare_results(argv[2], argv[3])
    print(__doc__.strip(), file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
