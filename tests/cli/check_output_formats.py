"""Check covdefl's output formats, scores and standardisation against NumPy.

tests/cli/test_output_formats.sh calls this script once per check:

    check_output_formats.py scores OUTPUT INPUT.npy
    check_output_formats.py same-as-npy CSV_OUTPUT NPY_OUTPUT
    check_output_formats.py correlation OUTPUT INPUT.npy K [DROPPED,...]

A passing check prints nothing and exits with 0. A failing check prints one
line that lists every failed condition and exits with 1. Run it with an
interpreter that has NumPy (Debian's /usr/bin/python3).
"""

import json
import os
import sys

import numpy as np

from check_outputs import (
    Failures,
    check_eigenvalues,
    check_eigenvectors,
    check_result_shape,
    ResultFolder,
)

# Scores are compared with (X - mean) @ components.T computed by NumPy from
# the same published components, so only the rounding of the two products
# differs. Each score sums d <= 12 products in the test inputs, which
# rounds to about d·ε = 3e-15 of the largest score, so 1e-12 leaves a
# wide margin.
SCORES_RTOL = 1e-12
# Standard deviations agree with NumPy's to the rounding of two sums.
SCALE_RTOL = 1e-12

ARRAY_STEMS = (
    "eigenvalues",
    "components",
    "explained_variance_ratio",
    "mean",
    "scale",
    "scores",
)


def load_csv(path):
    """Return the values of a covdefl CSV file as a 2-D array and its header."""
    with open(path, encoding="utf-8") as stream:
        header = stream.readline().rstrip("\n").split(",")
    values = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    return values, header


def load_report(output):
    with open(os.path.join(output, "report.json"), encoding="utf-8") as stream:
        return json.load(stream)


def standardized_input(output, input_path):
    """Return X - mean, divided by scale.npy when the run standardised.

    The columns that report.json lists as dropped become 0, as in covdefl.
    """
    data = np.load(input_path)
    centred = data - data.mean(axis=0)
    if not load_report(output)["input"].get("standardized"):
        return centred
    with np.errstate(divide="ignore", invalid="ignore"):
        centred /= np.load(os.path.join(output, "scale.npy"))
    for column in load_report(output)["input"]["dropped_columns"]:
        centred[:, column - 1] = 0.0
    return centred


def check_scores(output, input_path):
    """Compare scores.npy with (X - X.mean(0)) @ components.T."""
    failures = Failures()
    result = ResultFolder(output)
    expected = standardized_input(output, input_path) @ result.components.T
    scores = np.load(os.path.join(output, "scores.npy"))
    if failures.expect(
        scores.shape == expected.shape,
        f"scores.npy has shape {scores.shape}, expected {expected.shape}",
    ):
        allowed = SCORES_RTOL * float(np.abs(expected).max())
        error = float(np.abs(scores - expected).max())
        failures.expect(
            error <= allowed,
            f"scores.npy differs from (X - mean) @ components.T by "
            f"{error:.3g} (tolerance {allowed:.3g})",
        )
    return failures.report()


def check_same_as_npy(csv_output, npy_output):
    """Check that every CSV array equals the .npy array of the same run."""
    failures = Failures()
    for stem in ARRAY_STEMS:
        npy_path = os.path.join(npy_output, stem + ".npy")
        csv_path = os.path.join(csv_output, stem + ".csv")
        if not os.path.exists(npy_path):
            failures.expect(
                not os.path.exists(csv_path),
                f"{stem}.csv was written but the npy run has no {stem}.npy",
            )
            continue
        if not failures.expect(os.path.exists(csv_path), f"{stem}.csv is missing"):
            continue
        failures.expect(
            not os.path.exists(os.path.join(csv_output, stem + ".npy")),
            f"the csv run also wrote {stem}.npy",
        )
        reference = np.load(npy_path)
        values, header = load_csv(csv_path)
        if reference.ndim == 1:
            reference = reference.reshape(-1, 1)
        failures.expect(
            len(header) == reference.shape[1],
            f"{stem}.csv has {len(header)} header names, expected "
            f"{reference.shape[1]}",
        )
        if not failures.expect(
            values.shape == reference.shape,
            f"{stem}.csv has shape {values.shape}, expected {reference.shape}",
        ):
            continue
        # %.17g round-trips every double, so the values must be identical.
        differing = int(np.count_nonzero(values != reference))
        failures.expect(
            differing == 0,
            f"{differing} values of {stem}.csv differ from {stem}.npy",
        )
    return failures.report()


def check_correlation(output, input_path, k, dropped):
    """Compare a --standardize run with numpy.linalg.eigh of numpy.corrcoef.

    `dropped` lists the 1-based columns that --drop-constant-columns left
    out; they must be +0.0 in every component and listed in report.json.
    """
    failures = Failures()
    data = np.load(input_path)
    d = data.shape[1]
    kept = [j for j in range(d) if j + 1 not in dropped]
    result = ResultFolder(output)
    check_result_shape(failures, result, k, d)

    correlation = np.corrcoef(data[:, kept], rowvar=False)
    values, vectors = np.linalg.eigh(np.atleast_2d(correlation))
    order = np.argsort(values)[::-1][:k]
    check_eigenvalues(failures, result.eigenvalues, values[order])
    expected_vectors = np.zeros((k, d))
    expected_vectors[:, kept] = vectors[:, order].T
    check_eigenvectors(failures, result.components, expected_vectors)
    for column in dropped:
        entries = result.components[:, column - 1]
        failures.expect(
            np.all(entries == 0.0),
            f"column {column} was dropped but has entries {entries} in the "
            "components, expected 0",
        )
        # -0.0 == 0.0 is true, so the sign bit needs its own check.
        failures.expect(
            not np.any(np.signbit(entries)),
            f"column {column} was dropped but has entries {entries} with "
            "the sign bit set in the components, expected +0.0",
        )

    ratios = values[order] / len(kept)
    failures.expect(
        np.allclose(result.ratios, ratios, rtol=1e-10, atol=0.0),
        f"explained variance ratios {result.ratios}, expected {ratios} "
        f"(eigenvalues over the {len(kept)} kept columns)",
    )

    scale_path = os.path.join(output, "scale.npy")
    if failures.expect(os.path.exists(scale_path), "scale.npy is missing"):
        scale = np.load(scale_path)
        expected_scale = data.std(axis=0, ddof=1)
        error = np.abs(scale - expected_scale)
        allowed = SCALE_RTOL * np.abs(expected_scale)
        allowed[np.array(dropped, dtype=int) - 1] = SCALE_RTOL * np.abs(
            data
        ).max()
        failures.expect(
            np.all(error <= allowed),
            f"scale.npy is {scale}, expected the standard deviations "
            f"{expected_scale}",
        )

    report = load_report(output)
    failures.expect(
        report["input"].get("standardized") is True,
        "report.json input.standardized is not true",
    )
    failures.expect(
        report["input"].get("dropped_columns") == list(dropped),
        f"report.json input.dropped_columns is "
        f"{report['input'].get('dropped_columns')}, expected {list(dropped)}",
    )
    return failures.report()


def main(argv):
    command, arguments = argv[1], argv[2:]
    if command == "scores":
        return check_scores(arguments[0], arguments[1])
    if command == "same-as-npy":
        return check_same_as_npy(arguments[0], arguments[1])
    if command == "correlation":
        dropped = []
        if len(arguments) > 3 and arguments[3]:
            dropped = [int(column) for column in arguments[3].split(",")]
        return check_correlation(arguments[0], arguments[1], int(arguments[2]),
                                 dropped)
    print(f"unknown command {command!r}. The usage is at the top of {argv[0]}.")
    return 2


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print(__doc__)
        sys.exit(2)
    try:
        sys.exit(main(sys.argv))
    except (OSError, ValueError, KeyError, IndexError) as error:
        print(f"cannot check the results: {type(error).__name__}: {error}")
        sys.exit(1)
