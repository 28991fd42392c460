"""Compare covdefl's results for an IDX or .npy data matrix with NumPy.

Computes the sample covariance (divisor n - 1) and its eigenpairs with
numpy.linalg.eigh, then prints, per component, the relative eigenvalue
difference and sin of the angle between covdefl's axis and NumPy's.
Run with Debian's /usr/bin/python3, which has python3-numpy.

usage: /usr/bin/python3 scripts/compare_numpy.py DATA_FILE RESULTS_DIR
"""
import gzip
import sys

import numpy as np


def load_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    if raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        sys.exit(f"{path}: only unsigned-byte IDX files are supported here")
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    return data.reshape(dims[0], -1).astype(np.float64)


def main():
    data_path, results = sys.argv[1], sys.argv[2]
    x = np.load(data_path) if data_path.endswith(".npy") else load_idx(data_path)
    cov = np.cov(x, rowvar=False)
    values, vectors = np.linalg.eigh(cov)
    ours_values = np.load(f"{results}/eigenvalues.npy")
    ours_axes = np.load(f"{results}/components.npy")
    ratios = np.load(f"{results}/explained_variance_ratio.npy")
    k = len(ours_values)
    print(f"{'k':>3} {'numpy eigenvalue':>22} {'rel.diff':>9} {'sin(angle)':>10} "
          f"{'ratio diff':>10}")
    for i in range(k):
        reference = values[-1 - i]
        axis = vectors[:, -1 - i]
        projection = axis @ ours_axes[i]
        sin_angle = np.linalg.norm(ours_axes[i] - projection * axis)
        ratio_diff = abs(ratios[i] - reference / np.trace(cov))
        print(f"{i + 1:>3} {reference:22.15e} "
              f"{abs(ours_values[i] - reference) / reference:9.2e} "
              f"{sin_angle:10.2e} {ratio_diff:10.2e}")
    mean_path = f"{results}/mean.npy"
    mean_error = np.max(np.abs(np.load(mean_path) - x.mean(axis=0)))
    print(f"max |mean - numpy mean| = {mean_error:.2e}")


if __name__ == "__main__":
    main()
