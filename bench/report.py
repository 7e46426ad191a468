"""The month-end table and chart from bench/run.sh's results (one JSON object per line).

    .venv/bin/python bench/report.py var/bench/results.jsonl --chart docs/bench-clients.png

The table is at 8 connections: each path's requests per second, its share of its ceiling
(pages against the "hello" view behind the middleware, the submission against a bare
view making a submission's own writes) and its p99
against the ceiling's p99. At 8 connections bench/run.sh measures every path in several
rounds, the ceilings beside the pages in each; a share is the median of the rounds'
shares (each path against its ceiling of the same round, a minute apart at most), with
their range, so that a noisy minute on a shared machine moves one round, not the result.
The sweep lists failures and timeouts at 1, 8, 32 and 64 connections (at 8, the median
round), and the chart draws throughput and p99 against the number of clients.
"""

import argparse
import json
import math
import statistics
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

PATHS = ["bare", "hello", "insert", "writes", "login", "home", "summary", "submit"]
LABELS = {
    "bare": '"hello" with no middleware at all',
    "hello": '"hello" behind the middleware (ceiling for pages)',
    "insert": "one INSERT, one commit",
    "writes": "a submission's writes: lock, 6 INSERTs, commit (ceiling for the submission)",
    "login": "login page",
    "home": "logged-in home page",
    "summary": "live summary (htmx GET)",
    "submit": "full submission (POST → redirect)",
}
CEILING = {"login": "hello", "home": "hello", "summary": "hello", "submit": "writes"}
TARGET = {"login": 0.30, "home": 0.20, "summary": 0.20, "submit": 0.15}


def rate(row: dict) -> float:
    return row["requests"] / (row["duration_us"] / 1e6)


Rows = dict[tuple[str, str, int], list[dict]]


def load(path: Path) -> Rows:
    """Every measurement, by (database, path, connections), in the order of the rounds."""
    rows: Rows = {}
    for line in path.read_text().splitlines():
        if line.strip():
            row = json.loads(line)
            rows.setdefault((row["database"], row["path"], row["connections"]), []).append(row)
    return rows


def median_row(rows: Rows, key: tuple[str, str, int]) -> dict | None:
    """The round of median throughput (the only one, outside the 8-connection rounds)."""
    measured = sorted(rows.get(key, []), key=rate)
    return measured[(len(measured) - 1) // 2] if measured else None


def shares(rows: Rows, database: str, path: str) -> tuple[list[float], list[float]]:
    """Per round: the path's throughput and p99 against its ceiling's of the same round."""
    pairs = list(zip(rows[(database, path, 8)], rows[(database, CEILING[path], 8)], strict=True))
    return (
        [rate(row) / rate(ceiling) for row, ceiling in pairs],
        [row["p99_us"] / ceiling["p99_us"] for row, ceiling in pairs],
    )


def table(rows: Rows, database: str) -> str:
    rounds = len(rows.get((database, "hello", 8), []))
    out = [
        f"**{database}**, 8 connections, medians of {rounds} round(s) (range in brackets):",
        "",
        "| path | req/s | share of its ceiling | target | p99 | p99 / ceiling's p99 | failed |",
        "|---|---|---|---|---|---|---|",
    ]
    for path in PATHS:
        row = median_row(rows, (database, path, 8))
        if row is None:
            continue
        share = p99_ratio = target = "–"
        if path in CEILING:
            ratios, p99_ratios = shares(rows, database, path)
            ratio = statistics.median(ratios)
            met = "met" if ratio >= TARGET[path] else "**not met**"
            spread = f" ({min(ratios):.0%}–{max(ratios):.0%})" if len(ratios) > 1 else ""
            share = f"{ratio:.0%}{spread} of {CEILING[path]}"
            target = f"≥ {TARGET[path]:.0%} ({met})"
            p99_ratio = f"{statistics.median(p99_ratios):.1f} ×"
        every = rows[(database, path, 8)]
        failed = sum(r["unexpected_status"] + r["socket_errors"] + r["timeouts"] for r in every)
        p99 = statistics.median(r["p99_us"] for r in every) / 1000
        out.append(
            f"| {LABELS[path]} | {rate(row):,.0f} | {share} | {target} | "
            f"{p99:.1f} ms | {p99_ratio} | {failed} |"
        )
    return "\n".join(out)


def sweep(rows: Rows, database: str) -> str:
    counts = sorted({c for (d, _, c) in rows if d == database})
    out = [
        f"**{database}**, req/s (p99 ms) [failed, timeouts] by connections:",
        "",
        "| path | " + " | ".join(str(c) for c in counts) + " |",
        "|---|" + "---|" * len(counts),
    ]
    for path in PATHS:
        cells = []
        for count in counts:
            row = median_row(rows, (database, path, count))
            if row is None:
                cells.append("–")
                continue
            failed = row["unexpected_status"] + row["socket_errors"]
            cells.append(
                f"{rate(row):,.0f} ({row['p99_us'] / 1000:.0f}) [{failed}, {row['timeouts']}]"
            )
        out.append(f"| {path} | " + " | ".join(cells) + " |")
    return "\n".join(out)


COLOURS = {
    "bare": (60, 60, 60),
    "hello": (120, 120, 120),
    "insert": (170, 170, 170),
    "writes": (200, 170, 120),
    "login": (11, 79, 138),
    "home": (200, 90, 20),
    "summary": (30, 140, 70),
    "submit": (160, 30, 120),
}


def chart(rows: Rows, path: Path) -> None:
    """Throughput and p99 against the number of clients, one row of panels per database."""
    databases = sorted({d for (d, _, _) in rows})
    counts = sorted({c for (_, _, c) in rows})
    width, panel_h = 1260, 360
    image = Image.new("RGB", (width, 60 + panel_h * len(databases)), "white")
    draw = ImageDraw.Draw(image)
    font_path = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    font = ImageFont.truetype(font_path, 13)
    title = ImageFont.truetype(font_path, 16)
    draw.text(
        (20, 15),
        "Throughput (req/s, log scale) and p99 (ms, log scale) by clients",
        font=title,
        fill="black",
    )
    for d_index, database in enumerate(databases):
        top = 60 + d_index * panel_h
        for p_index, (metric, unit) in enumerate([("rate", "req/s"), ("p99", "p99 ms")]):
            left = 70 + p_index * 580
            w, h = 420, panel_h - 80
            draw.rectangle((left, top, left + w, top + h), outline=(200, 200, 200))
            draw.text((left, top - 18), f"{database}: {unit}", font=font, fill="black")
            values = {
                p: [
                    (rate(r) if metric == "rate" else r["p99_us"] / 1000)
                    for c in counts
                    if (r := median_row(rows, (database, p, c)))
                ]
                for p in PATHS
            }
            every = [v for vs in values.values() for v in vs if v > 0]
            if not every:
                continue
            low, high = math.log10(min(every)) - 0.1, math.log10(max(every)) + 0.1
            for exponent in range(math.floor(low), math.ceil(high) + 1):
                y = top + h - (exponent - low) / (high - low) * h
                if top <= y <= top + h:
                    draw.line((left, y, left + w, y), fill=(235, 235, 235))
                    draw.text((left - 55, y - 7), f"{10**exponent:g}", font=font, fill=(90, 90, 90))
            xs = {
                c: left + 20 + i * (w - 40) / max(len(counts) - 1, 1) for i, c in enumerate(counts)
            }
            for c, x in xs.items():
                draw.text((x - 8, top + h + 5), str(c), font=font, fill=(90, 90, 90))
            for p in PATHS:
                points = [
                    (xs[c], top + h - (math.log10(v) - low) / (high - low) * h)
                    for c in counts
                    if (r := median_row(rows, (database, p, c)))
                    and (v := rate(r) if metric == "rate" else r["p99_us"] / 1000) > 0
                ]
                if len(points) > 1:
                    draw.line(points, fill=COLOURS[p], width=3 if p not in CEILING.values() else 2)
                for x, y in points:
                    draw.ellipse((x - 3, y - 3, x + 3, y + 3), fill=COLOURS[p])
            draw.text((left + w / 2 - 30, top + h + 22), "clients", font=font, fill=(90, 90, 90))
        for i, p in enumerate(PATHS):
            x, y = 1100, top + 10 + i * 20
            draw.rectangle((x, y, x + 14, y + 12), fill=COLOURS[p])
            draw.text((x + 20, y - 2), p, font=font, fill="black")
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("results", type=Path)
    parser.add_argument("--chart", type=Path)
    args = parser.parse_args()
    rows = load(args.results)
    for database in sorted({d for (d, _, _) in rows}, reverse=True):
        print(table(rows, database))
        print()
        print(sweep(rows, database))
        print()
    if args.chart:
        chart(rows, args.chart)
        print(f"chart: {args.chart}")


if __name__ == "__main__":
    main()
