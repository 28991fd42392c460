"""Collect and summarise the benchmark harness's results (bench/run_all.sh).

usage:
  results.py record RAW_JSONL KIND SOURCE key=value...
      Append one record to RAW_JSONL. KIND is "covdefl" (SOURCE is its
      report.json) or "driver" (SOURCE is a driver's stdout, whose last line
      starting with "{" is its JSON record); SOURCE may be missing when the
      run failed. key=value pairs are the run's metadata; values that parse
      as numbers are stored as numbers.
  results.py summarize RESULTS_DIR
      Read RESULTS_DIR/raw.jsonl and write raw.csv and summary.md there.
"""
import csv
import json
import os
import statistics
import sys

# Columns of raw.csv in order. Every record gets each of them.
CSV_COLUMNS = [
    "repetition", "case", "spectrum", "dimension", "components", "ranks",
    "threads", "tool", "method", "status", "exit_code", "wall_seconds",
    "read_seconds", "covariance_seconds", "solve_seconds", "total_seconds",
    "products", "max_relative_residual", "iterations", "note", "command",
]


def parse_value(text):
    for convert in (int, float):
        try:
            return convert(text)
        except ValueError:
            pass
    return text


def covdefl_record(report):
    """Return the benchmark fields of one covdefl report.json."""
    seconds = report["seconds"]
    solver = report["solver"]
    components = report["components"]
    residuals = [
        c["original_residual_norm"] / abs(c["original_rayleigh_quotient"])
        for c in components
        if c.get("original_rayleigh_quotient")
    ]
    # solver.total_vector_products counts matrix-vector-product
    # equivalents (a block product with m columns counts m), the extra
    # component K + 1 included. Older reports without it: power iteration
    # applies C (deflated) once per iteration.
    products = solver.get("total_vector_products") or solver.get("products")
    if products is None and solver.get("method") == "power":
        products = solver["total_iterations"]
        estimate = report.get("next_eigenvalue_estimate")
        if estimate:
            products += estimate["iterations"]
    return {
        "method": solver.get("method"),
        "read_seconds": seconds.get("read"),
        "covariance_seconds": seconds.get("covariance"),
        "solve_seconds": seconds.get("solve"),
        "total_seconds": sum(seconds.get(stage, 0.0) or 0.0
                             for stage in ("read", "covariance", "solve")),
        "products": products,
        "iterations": solver.get("total_iterations"),
        "max_relative_residual": max(residuals) if residuals else None,
        "eigenvalues": [c["eigenvalue"] for c in components],
    }


def driver_record(path):
    """Return the last JSON line of a driver's stdout."""
    with open(path) as stream:
        lines = [line for line in stream if line.startswith("{")]
    if not lines:
        raise ValueError(f"no JSON record in {path}")
    return json.loads(lines[-1])


def record(arguments):
    raw_path, kind, source = arguments[:3]
    metadata = {}
    for pair in arguments[3:]:
        key, _, value = pair.partition("=")
        metadata[key] = parse_value(value)
    fields = {}
    if os.path.isfile(source) and os.path.getsize(source) > 0:
        try:
            if kind == "covdefl":
                with open(source) as stream:
                    fields = covdefl_record(json.load(stream))
            else:
                fields = driver_record(source)
        except (ValueError, KeyError) as error:
            metadata["note"] = (metadata.get("note", "") +
                                f" unreadable result: {error}").strip()
    # The harness's metadata (method name as requested, ranks) wins over
    # the driver's copy of the same field.
    fields.update(metadata)
    with open(raw_path, "a") as stream:
        stream.write(json.dumps(fields) + "\n")


def median_of(records, field):
    values = [r[field] for r in records
              if isinstance(r.get(field), (int, float))]
    return statistics.median(values) if values else None


def max_of(records, field):
    values = [r[field] for r in records
              if isinstance(r.get(field), (int, float))]
    return max(values) if values else None


def format_number(value, digits=3):
    if value is None:
        return "–"
    if isinstance(value, int):
        return str(value)
    if value == 0 or 1e-3 <= abs(value) < 1e5:
        return f"{value:.{digits}g}"
    return f"{value:.2e}"


def status_text(records):
    counts = {}
    for r in records:
        counts[r.get("status", "?")] = counts.get(r.get("status", "?"), 0) + 1
    return ", ".join(f"{status} {count}" for status, count in
                     sorted(counts.items()))


def label(r):
    method = r.get("method") or ""
    return f"{r['tool']} {method}".strip()


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |",
             "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def machine_section(records):
    stream_rows = []
    for r in sorted((r for r in records if r["tool"] == "stream"
                     and r.get("status") == "ok"), key=lambda r: r["ranks"]):
        stream_rows.append([
            str(r["ranks"]), format_number(r.get("copy_gbs_median")),
            format_number(r.get("copy_gbs_best")),
            format_number(r.get("triad_gbs_median")),
            format_number(r.get("triad_gbs_best")),
            format_number(r.get("elements_per_array"))])
    dgemm_rows = []
    for r in sorted((r for r in records if r["tool"] == "dgemm"
                     and r.get("status") == "ok"), key=lambda r: r["ranks"]):
        dgemm_rows.append([
            str(r["ranks"]), str(r.get("n")),
            str(r.get("openblas_num_threads")),
            format_number(r.get("gflops_median")),
            format_number(r.get("gflops_best"))])
    parts = ["## Machine limits (this run)", ""]
    if stream_rows:
        parts += ["STREAM copy and triad, all ranks together (GB/s, 1e9 "
                  "bytes/s):", "",
                  table(["ranks", "copy median", "copy best", "triad median",
                         "triad best", "elements per array"], stream_rows),
                  ""]
    if dgemm_rows:
        parts += ["OpenBLAS DGEMM, all ranks together (GFLOP/s):", "",
                  table(["ranks", "n", "BLAS threads per rank", "median",
                         "best"], dgemm_rows), ""]
    failed = [r for r in records if r["tool"] in ("stream", "dgemm")
              and r.get("status") != "ok"]
    for r in failed:
        parts.append(f"- {r['tool']} at {r.get('ranks')} ranks: "
                     f"{r.get('status')} {r.get('note', '')}")
    return parts


def group_key(r):
    return (r.get("dimension"), r.get("spectrum"), r.get("components"),
            r.get("ranks"))


def solver_section(records):
    """Build the tables of the covariance-matrix cases, one per (d,
    spectrum, K, ranks), with the ratios of each covdefl method to each
    peer."""
    parts = ["## Eigensolvers on the cached covariance matrices", "",
             "Times are medians over the repetitions in seconds, and "
             "products and residuals are defined in docs/benchmarks.md. "
             "The residual column is the maximum over repetitions and "
             "components. \"product GB/s\" is 8·d²·products / solve time, "
             "to compare with the STREAM rate at the same rank count.", ""]
    cases = [r for r in records if r.get("case") == "matrix"]
    keys = sorted({group_key(r) for r in cases},
                  key=lambda k: tuple(str(x) for x in k))
    for key in keys:
        group = [r for r in cases if group_key(r) == key]
        dimension, spectrum, components, ranks = key
        parts += [f"### d = {dimension}, {spectrum}, K = {components}, "
                  f"{ranks} rank{'s' if ranks != 1 else ''}", ""]
        by_label = {}
        for r in group:
            by_label.setdefault(label(r), []).append(r)
        rows = []
        for name, runs in sorted(by_label.items()):
            ok = [r for r in runs if r.get("status") == "ok"]
            solve = median_of(ok, "solve_seconds")
            products = median_of(ok, "products")
            rows.append([
                name, format_number(solve),
                format_number(median_of(ok, "total_seconds")),
                format_number(median_of(ok, "wall_seconds")),
                format_number(products),
                format_number(product_bandwidth(dimension, products, solve)),
                format_number(max_of(ok, "max_relative_residual")),
                status_text(runs),
                "; ".join(sorted({r["note"] for r in runs if r.get("note")}))])
        parts += [table(["tool", "solve s", "total s", "wall s", "products",
                         "product GB/s", "max rel. residual", "runs", "note"],
                        rows), ""]
        parts += ratio_lines(by_label)
    return parts


def product_bandwidth(dimension, products, seconds):
    """Return 8·d²·products / seconds in GB/s: the memory traffic of the
    solve if every product read the d x d matrix once and nothing else
    took time. An upper estimate of the traffic of block products, which
    read the matrix once for several vectors."""
    if not (dimension and products and seconds):
        return None
    return 8.0 * dimension * dimension * products / seconds / 1e9


def ratio_lines(by_label):
    """Build the ratio table. Rows are covdefl methods and columns are
    peers. Each cell is covdefl's median solve time over the peer's (above 1
    means covdefl is slower), with the products ratio when both count
    products."""
    ours = sorted(name for name in by_label if name.startswith("covdefl"))
    peers = sorted(name for name in by_label if not name.startswith("covdefl"))
    if not ours or not peers:
        return []
    rows = []
    for name in ours:
        mine = [r for r in by_label[name] if r.get("status") == "ok"]
        row = [name]
        for peer in peers:
            theirs = [r for r in by_label[peer] if r.get("status") == "ok"]
            time_mine = median_of(mine, "solve_seconds")
            time_theirs = median_of(theirs, "solve_seconds")
            cell = "–"
            if time_mine and time_theirs:
                cell = f"{time_mine / time_theirs:.3g}"
                products_mine = median_of(mine, "products")
                products_theirs = median_of(theirs, "products")
                if products_mine and products_theirs:
                    cell += f" ({products_mine / products_theirs:.3g})"
            row.append(cell)
        rows.append(row)
    return ["Solve-time ratio covdefl / peer (products ratio in brackets):",
            "", table(["covdefl method"] + peers, rows), ""]


def fashion_section(records):
    cases = [r for r in records if r.get("case") == "fashion-mnist"]
    if not cases:
        return []
    parts = ["## Fashion-MNIST (60000 x 784), K = 10", "",
             "covdefl runs on R MPI ranks with one BLAS thread each; NumPy "
             "and scikit-learn run in one process with R BLAS threads. "
             "Times are medians in seconds.", ""]
    by_label = {}
    for r in cases:
        parallel = r.get("ranks") if r["tool"] == "covdefl" else r.get(
            "threads")
        by_label.setdefault((label(r), parallel), []).append(r)
    rows = []
    for (name, parallel), runs in sorted(by_label.items(),
                                         key=lambda item: str(item[0])):
        ok = [r for r in runs if r.get("status") == "ok"]
        unit = "rank" if name.startswith("covdefl") else "thread"
        rows.append([
            name, f"{parallel} {unit}{'s' if parallel != 1 else ''}",
            format_number(median_of(ok, "read_seconds")),
            format_number(median_of(ok, "covariance_seconds")),
            format_number(median_of(ok, "solve_seconds")),
            format_number(median_of(ok, "total_seconds")),
            format_number(median_of(ok, "wall_seconds")),
            format_number(max_of(ok, "max_relative_residual")),
            status_text(runs)])
    parts += [table(["tool", "parallel", "read s", "covariance s", "solve s",
                     "total s", "wall s", "max rel. residual", "runs"],
                    rows), ""]
    parts += fashion_ratio_lines(by_label)
    return parts


def fashion_ratio_lines(by_label):
    """Build the table of covdefl's total time on R ranks over each peer's
    total time on R threads."""
    ratio_rows = []
    for (name, parallel), runs in sorted(by_label.items(),
                                         key=lambda item: str(item[0])):
        if not name.startswith("covdefl"):
            continue
        mine = median_of([r for r in runs if r.get("status") == "ok"],
                         "total_seconds")
        for (peer, peer_parallel), peer_runs in sorted(
                by_label.items(), key=lambda item: str(item[0])):
            if peer.startswith("covdefl") or peer_parallel != parallel:
                continue
            theirs = median_of([r for r in peer_runs
                                if r.get("status") == "ok"], "total_seconds")
            if mine and theirs:
                ratio_rows.append([f"{name} ({parallel} ranks)",
                                   f"{peer} ({parallel} threads)",
                                   f"{mine / theirs:.3g}"])
    if not ratio_rows:
        return []
    return ["Total-time ratio covdefl / peer at the same parallelism "
            "(read + covariance + solve):", "",
            table(["covdefl", "peer", "ratio"], ratio_rows), ""]


def summarize(results_dir):
    with open(os.path.join(results_dir, "raw.jsonl")) as stream:
        records = [json.loads(line) for line in stream if line.strip()]
    with open(os.path.join(results_dir, "raw.csv"), "w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS,
                                extrasaction="ignore")
        writer.writeheader()
        for r in records:
            writer.writerow({column: r.get(column, "")
                             for column in CSV_COLUMNS})
    header_path = os.path.join(results_dir, "header.md")
    parts = []
    if os.path.isfile(header_path):
        with open(header_path) as stream:
            parts += [stream.read().rstrip(), ""]
    parts += machine_section(records)
    parts += solver_section(records)
    parts += fashion_section(records)
    skipped = [r for r in records if r.get("status") == "skipped"]
    if skipped:
        parts += ["## Skipped runs", ""]
        parts += [f"- {label(r)}, d = {r.get('dimension')}, K = "
                  f"{r.get('components')}, {r.get('ranks')} ranks, repetition "
                  f"{r.get('repetition')}: {r.get('note')}" for r in skipped]
        parts.append("")
    with open(os.path.join(results_dir, "summary.md"), "w") as out:
        out.write("\n".join(parts).rstrip() + "\n")


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "record":
        record(sys.argv[2:])
    elif len(sys.argv) == 3 and sys.argv[1] == "summarize":
        summarize(sys.argv[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
