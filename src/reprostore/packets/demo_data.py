"""The demo store's packets: a small orderly pipeline, made in code so that every load writes the
same bytes, and pushed into the served root through the same code as a push (files first, then
metadata), so the root is a real one: content-addressed files, metadata, location entries and
the index.

Two `incidence` packets clean a year of case counts each; three `model-fit` packets fit a model
to them with different settings; a `report` uses the newest fit. The first two names carry
pyorderly's `custom.orderly` metadata, the report orderly's (R) form of it.
"""

import datetime
import hashlib
import io
import json
import math
import struct
import zlib

from . import operations

PIPELINE_START = datetime.datetime(2024, 6, 10, 8, 30, 12, tzinfo=datetime.UTC)
REGIONS = ("north", "east", "south", "west")
WEEKS = 12
GIT = {
    "sha": "c41d7a09e2b3f5a6d8c9e0f1a2b3c4d5e6f70819",
    "branch": "main",
    "url": ["git@github.com:epi-team/measles-pipeline.git"],
}


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def fraction(*key) -> float:
    """A number in [0, 1) fixed by `key`: the demo's noise, the same on every load."""
    digest = hashlib.sha256(repr(key).encode()).digest()
    return int.from_bytes(digest[:6], "big") / 2**48


def packet_id(name: str, moment: datetime.datetime) -> str:
    suffix = hashlib.sha256(f"{name}@{moment.isoformat()}".encode()).hexdigest()[:8]
    return f"{moment:%Y%m%d-%H%M%S}-{suffix}"


def weekly_cases(year: int) -> dict:
    """{region: [cases per week]}: an outbreak that peaks mid-quarter, bigger in 2024."""
    scale = 1.0 if year == 2023 else 1.8
    return {
        region: [
            round(scale * (8 + 40 * math.exp(-(((week - 6 - i) / 2.6) ** 2)))
                  + 6 * fraction(year, region, week))
            for week in range(1, WEEKS + 1)
        ]
        for i, region in enumerate(REGIONS)
    }  # fmt: skip


def csv_text(header, rows) -> bytes:
    lines = [",".join(header)] + [",".join(str(cell) for cell in row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


# What the pipeline's scripts contain (the packets keep their sources, as orderly does).
INCIDENCE_SCRIPT = b"""import pandas as pd
import pyorderly

pyorderly.description(display="Weekly measles cases by region",
                      long="Case counts from the surveillance export, cleaned and summed by week.")
params = pyorderly.parameters(year=None)
pyorderly.resource("raw/export.csv")
pyorderly.artefact("Weekly cases", "cases.csv")

raw = pd.read_csv("raw/export.csv")
raw = raw[raw.year == params.year].dropna()
raw.groupby(["region", "week"]).cases.sum().reset_index().to_csv("cases.csv", index=False)
"""
FIT_SCRIPT = b"""import json
import pyorderly
from seirfit import fit, plot_fit

pyorderly.description(display="SEIR model fit",
                      long="Fits an SEIR model to the weekly cases by MCMC and plots the fit.")
params = pyorderly.parameters(disease="measles", tolerance=0.001, chains=4, year=2024)
pyorderly.resource("priors.json")
pyorderly.artefact("Posterior estimates", "fit.csv")
pyorderly.artefact("Fit against the data", "plots/fit.png")
pyorderly.dependency("incidence", "latest(parameter:year == this:year)",
                     {"inputs/cases.csv": "cases.csv"})

result = fit("inputs/cases.csv", json.load(open("priors.json")), params)
result.summary().to_csv("fit.csv", index=False)
plot_fit(result, "plots/fit.png")
"""
PRIORS = json.dumps(
    {"beta": {"gamma": [2.0, 0.15]}, "sigma": {"fixed": 0.125}, "gamma": {"beta": [4, 28]}},
    indent=2,
).encode()
REPORT_SCRIPT = b"""orderly2::orderly_description(
  display = "Measles situation report",
  long = "The weekly situation report: cases by region and the model's reproduction number.")
orderly2::orderly_resource("template.Rmd")
orderly2::orderly_dependency("model-fit", "latest", c("fit.csv" = "fit.csv"))
orderly2::orderly_artefact("Situation report", "report.html")
rmarkdown::render("template.Rmd", output_file = "report.html")
"""
REPORT_TEMPLATE = b"""---
title: "Measles situation report"
output: html_document
---

```{r}
fit <- read.csv("fit.csv")
knitr::kable(fit, digits = 3)
```
"""


def incidence_packet(year: int, moment) -> tuple[dict, dict]:
    cases = weekly_cases(year)
    rows = [(region, week, n) for region in REGIONS for week, n in enumerate(cases[region], 1)]
    raw = [(year, region, week, n + 1 if (week + len(region)) % 5 == 0 else n)
           for region, week, n in rows]  # fmt: skip
    files = {
        "incidence.py": INCIDENCE_SCRIPT,
        "raw/export.csv": csv_text(("year", "region", "week", "cases"), raw),
        "cases.csv": csv_text(("region", "week", "cases"), rows),
        "cleaning.log": f"read {len(raw)} rows for {year}\ndropped 0 incomplete rows\n".encode(),
    }
    custom = pyorderly_custom(
        "incidence.py",
        ["raw/export.csv"],
        [("Weekly cases", ["cases.csv"])],
        "Weekly measles cases by region",
        "Case counts from the surveillance export, cleaned and summed by week.",
        {"team": "surveillance", "source": "national export"},
    )
    return metadata("incidence", moment, {"year": year}, files, [], custom, 14.2), files


def model_fit_packet(moment, tolerance, chains, incidence_id, year) -> tuple[dict, dict]:
    cases = weekly_cases(year)
    totals = [sum(cases[region][week] for region in REGIONS) for week in range(WEEKS)]
    r0 = 1.6 + 0.3 * (year - 2023) + round(0.05 * fraction("r0", tolerance, chains), 3)
    fitted = [
        round(max(totals) * math.exp(-(((week - 6.8) / (2.4 + r0 / 4)) ** 2)) + 30, 1)
        for week in range(WEEKS)
    ]
    steps = round(2000 * math.log10(1 / tolerance) * chains / 4)
    estimates = [
        ("R0", round(r0, 3), round(r0 - 0.21 * tolerance**0.1, 3), round(r0 + 0.19, 3)),
        ("beta", round(r0 * 0.125, 4), round(r0 * 0.118, 4), round(r0 * 0.131, 4)),
        ("reporting", round(0.41 + 0.02 * fraction("rep", chains), 3), 0.37, 0.46),
    ]
    files = {
        "model-fit.py": FIT_SCRIPT,
        "priors.json": PRIORS,
        "inputs/cases.csv": csv_text(
            ("region", "week", "cases"),
            [(region, week, n) for region in REGIONS for week, n in enumerate(cases[region], 1)],
        ),
        "fit.csv": csv_text(("parameter", "estimate", "lower", "upper"), estimates),
        "plots/fit.png": chart_png(totals, fitted),
        "log.txt": (
            f"{chains} chains, tolerance {tolerance}\nconverged after {steps} steps\n"
            f"R0 = {r0:.3f}\n"
        ).encode(),
    }
    custom = pyorderly_custom(
        "model-fit.py",
        ["priors.json"],
        [("Posterior estimates", ["fit.csv"]), ("Fit against the data", ["plots/fit.png"])],
        "SEIR model fit",
        "Fits an SEIR model to the weekly cases by MCMC and plots the fit.",
        {"team": "modelling"},
    )
    depends = [
        (incidence_id, f"latest(name == \"incidence\" && parameter:year == {year})",
         {"inputs/cases.csv": "cases.csv"})
    ]  # fmt: skip
    parameters = {"disease": "measles", "tolerance": tolerance, "chains": chains, "year": year}
    took = 40.0 * chains * math.log10(1 / tolerance)
    return metadata("model-fit", moment, parameters, files, depends, custom, took), files


def report_packet(moment, fit_id, fit_files) -> tuple[dict, dict]:
    table = fit_files["fit.csv"].decode().splitlines()
    rows = "".join(
        "<tr>" + "".join(f"<td>{cell}</td>" for cell in line.split(",")) + "</tr>\n"
        for line in table[1:]
    )
    html = (
        "<!doctype html>\n<html><head><title>Measles situation report</title></head><body>\n"
        "<h1>Measles situation report</h1>\n<p>Week 12: cases fell in every region.</p>\n"
        f"<table>\n<tr><th>parameter</th><th>estimate</th><th>lower</th><th>upper</th></tr>\n"
        f"{rows}</table>\n</body></html>\n"
    ).encode()
    files = {
        "report.R": REPORT_SCRIPT,
        "template.Rmd": REPORT_TEMPLATE,
        "fit.csv": fit_files["fit.csv"],
        "report.html": html,
    }
    custom = {
        "orderly": {
            "role": [
                {"path": "report.R", "role": "orderly"},
                {"path": "template.Rmd", "role": "resource"},
            ],
            "artefacts": [{"description": "Situation report", "paths": ["report.html"]}],
            "shared": [],
            "description": {
                "display": "Measles situation report",
                "long": "The weekly situation report: cases by region and the model's "
                "reproduction number.",
                "custom": {"audience": "public health team", "weekly": True},
            },
            "session": {
                "platform": {
                    "version": "R version 4.4.1 (2024-06-14)",
                    "os": "Debian GNU/Linux 12 (bookworm)",
                    "system": "x86_64, linux-gnu",
                },
                "packages": [
                    {"package": "orderly2", "version": "1.99.13", "attached": False},
                    {"package": "rmarkdown", "version": "2.27", "attached": False},
                ],
            },
        }
    }
    depends = [(fit_id, 'latest(name == "model-fit")', {"fit.csv": "fit.csv"})]
    return metadata("report", moment, None, files, depends, custom, 22.7), files


def pyorderly_custom(entrypoint, resources, artefacts, display, long, fields) -> dict:
    """`custom.orderly` as pyorderly 0.2 writes it."""
    return {
        "orderly": {
            "role": [{"path": entrypoint, "role": "orderly"}]
            + [{"path": path, "role": "resource"} for path in resources],
            "artefacts": [{"name": name, "files": paths} for name, paths in artefacts],
            "description": {"display": display, "long": long, "custom": fields},
            "shared": {},
        }
    }


def metadata(name, moment, parameters, files, depends, custom, took) -> dict:
    start = moment.timestamp()
    return {
        "schema_version": "0.1.1",
        "id": packet_id(name, moment),
        "name": name,
        "parameters": parameters,
        "time": {"start": start, "end": round(start + took, 3)},
        "files": [
            {"path": path, "size": len(data), "hash": sha256(data)} for path, data in files.items()
        ],
        "depends": [
            {
                "packet": used,
                "query": query,
                "files": [{"here": here, "there": there} for here, there in pairs.items()],
            }
            for used, query, pairs in depends
        ],
        "git": GIT,
        "custom": custom,
    }


def pipeline() -> list[tuple[dict, dict]]:
    """(metadata, files) of every packet, each after the packets it uses."""
    at = PIPELINE_START
    minutes = datetime.timedelta(minutes=1)
    made = [incidence_packet(2023, at), incidence_packet(2024, at + 2 * minutes)]
    by_year = {2023: made[0][0]["id"], 2024: made[1][0]["id"]}
    settings = [(0.001, 4, 2023, 31), (0.001, 4, 2024, 72), (0.0001, 8, 2024, 118)]
    for tolerance, chains, year, after in settings:
        made.append(model_fit_packet(at + after * minutes, tolerance, chains, by_year[year], year))
    newest_fit, fit_files = made[-1]
    made.append(report_packet(at + 151 * minutes, newest_fit["id"], fit_files))
    return made


def do_load_demo_packets(root) -> list[str]:
    """Push the pipeline into `root`, each packet once: one already there is left alone (so
    loading again changes nothing, even where a newer zlib would compress the plot otherwise)."""
    made = pipeline()
    for meta, files in made:
        if operations.is_known(root, meta["id"]):
            continue
        for data in files.values():
            operations.do_upload_file(root, sha256(data), io.BytesIO(data))
        body = json.dumps(meta).encode()
        operations.do_upload_packet(root, sha256(body), body)
    names = sorted({meta["name"] for meta, _ in made})
    return [f"Loaded {len(made)} demo packets called {', '.join(names)}, with dependencies."]


def chart_png(observed, fitted, width=480, height=240) -> bytes:
    """A small real PNG: the weekly cases as bars and the fitted curve as dots over them."""
    top = max(max(observed), max(fitted)) * 1.1
    canvas = [bytearray(b"\xff\xff\xff" * width) for _ in range(height)]

    def paint(x, y, colour):
        if 0 <= x < width and 0 <= y < height:
            canvas[y][3 * x : 3 * x + 3] = colour

    bar = width // len(observed)
    for week, value in enumerate(observed):
        for x in range(week * bar + 4, (week + 1) * bar - 4):
            for y in range(height - round(value / top * (height - 10)), height):
                paint(x, y, b"\x9e\xc5\xe8")
    for week, value in enumerate(fitted):
        cx, cy = week * bar + bar // 2, height - round(value / top * (height - 10))
        for dx in range(-4, 5):
            for dy in range(-4, 5):
                if dx * dx + dy * dy <= 16:
                    paint(cx + dx, cy + dy, b"\xb3\x3d\x26")
    raw = b"".join(b"\x00" + bytes(row) for row in canvas)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )
