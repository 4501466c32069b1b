"""Plots across runs: the records of a project (or of a search) as a scatter plot or as parallel
coordinates, built as data (for the JSON endpoint) and drawn as SVG on the server.

The values are numbers only, read from the typed parameter index (`RecordParameter.number`, so
a bool or a string is never plotted) and from the record columns `duration` and `timestamp`;
no record document is ever read. A plot shows at most POINTS_LIMIT records, the newest, so that
a project of 100,000 records answers as fast as one of 5,000 and the page stays a size a browser
draws at once.

The SVG needs no script and no style attribute (the Content-Security-Policy forbids both): each
record is an `<a>` to its page with a `<title>` tooltip, colours are presentation attributes,
and the shape of a point (the dash of a line) says the record's status, so the plot reads
without colour vision too. A numeric colour uses viridis, whose lightness rises steadily.
"""

import datetime
import hashlib
import html
import json
import math
import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.core.cache import cache
from django.db.models import F, FloatField, Func
from django.utils.safestring import SafeString

from reprostore.lib.parameters import Kind
from reprostore.query.evaluate import PkAmong
from reprostore.records import listing
from reprostore.records.models import RecordParameter, RecordTag
from reprostore.records.status import Status, statuses_of
from reprostore.web.formatting import duration
from reprostore.web.project_cache import project_version
from reprostore.web.search import search_records

POINTS_LIMIT = 5000
INF, NAN = math.inf, math.nan
SAMPLE_KEPT_SECONDS = 600
UNKNOWN = Status.UNKNOWN.value
STATUS_OF = {status.value: status for status in Status}  # the statuses the points carry
PARALLEL_AXES_DEFAULT = 6
PARALLEL_AXES_MAX = 12
PARAMETER = "parameter:"
TIMESTAMP, DURATION, STATUS, NO_COLOUR = "timestamp", "duration", "status", "none"
FIELDS = {TIMESTAMP: "Timestamp", DURATION: "Duration (s)"}
# Characters a label keeps as they are in a URL path (listing.path_part keeps these).
PLAIN_LABEL = re.compile(r"[A-Za-z0-9_.~:@!$&'()*+,;=-]*")
VIEWS = {"scatter": "Scatter plot", "parallel": "Parallel coordinates"}


# ---- The data ------------------------------------------------------------------------------


@dataclass
class Choice:
    """What to plot: the view, the keys of its axes and of the colour (see `key_title`)."""

    view: str
    x: str
    y: str
    colour: str
    axes: list[str]

    def plotted_keys(self) -> list[str]:
        wanted = [self.x, self.y] if self.view == "scatter" else list(self.axes)
        if self.colour not in (STATUS, NO_COLOUR):
            wanted.append(self.colour)
        return list(dict.fromkeys(wanted))

    def drawn_keys(self) -> list[str]:
        """The keys a record must have a value for to be drawn (the colour may be missing)."""
        return [self.x, self.y] if self.view == "scatter" else list(self.axes)


@dataclass
class Plot:
    choice: Choice
    keys: list[str]  # every key that may be plotted: the fields, then the numeric parameters
    records: int  # how many records match
    considered: int  # how many of them (the newest) the plot looks at
    points: list[dict] = field(default_factory=list)  # those with values for every drawn key
    search_message: str | None = None  # why the search could not be run

    @property
    def skipped(self) -> int:
        return self.considered - len(self.points)

    @property
    def limited(self) -> bool:
        return self.records > self.considered

    def as_json(self) -> dict:
        return {
            "view": self.choice.view,
            "x": self.choice.x,
            "y": self.choice.y,
            "colour": self.choice.colour,
            "axes": self.choice.axes,
            "keys": self.keys,
            "records": self.records,
            "limit": POINTS_LIMIT,
            "considered": self.considered,
            "skipped": self.skipped,
            "points": self.points,
        }


def key_title(key: str) -> str:
    return FIELDS.get(key) or key.removeprefix(PARAMETER)


class Epoch(Func):
    """A datetime column as seconds since 1970, computed by the database: Django's conversion of
    each value to a datetime would take longer than the whole query (60 ms for 5,000 rows)."""

    output_field = FloatField()

    def as_sqlite(self, compiler, connection, **extra):
        # Django keeps UTC times as text, which julianday() reads (to the millisecond).
        template = "((julianday(%(expressions)s) - 2440587.5) * 86400.0)"
        return self.as_sql(compiler, connection, template=template, **extra)

    def as_postgresql(self, compiler, connection, **extra):
        template = "EXTRACT(EPOCH FROM %(expressions)s)::double precision"
        return self.as_sql(compiler, connection, template=template, **extra)


def newest_rows(records) -> list[tuple]:
    """(id, label, seconds since 1970, duration) of the newest POINTS_LIMIT records."""
    rows = listing.newest_records(records).annotate(seconds=Epoch("timestamp"))
    return list(rows.values_list("id", "label", "seconds", "duration")[:POINTS_LIMIT])


@dataclass
class Sample:
    """The records a plot looks at, with what any choice of axes needs of them."""

    rows: list[tuple]  # (id, label, seconds since 1970, duration) of the newest that match
    statuses: dict[int, str]  # by record id; none for a record without a status tag
    records: int  # how many match
    names: list[str]  # the names of the numeric parameters of `rows`
    search_message: str | None = None  # why the search could not be run


def sample_of(project, search: dict) -> Sample:
    """The records of `project` that `search` (its `q` and `tags`) selects, for plotting.

    Reading them is most of a plot's time (30 of 65 ms for 100,000 records), and the next
    request usually plots the same records another way, so they are kept until the project's
    next write (every accepted write adds a revision), as the tag counts are
    (web/record_display.py): one entry per project and search, replaced when it is out of date.
    """
    what = json.dumps([project.pk, search["q"], search["tags"]])
    key = "web:plot:" + hashlib.sha256(what.encode()).hexdigest()
    version = project_version(project)
    kept = cache.get(key)
    if kept is not None and kept[0] == version:
        return kept[1]
    sample = read_sample(project, search)
    if sample.search_message is None:  # a query that ran out of time may not, another time
        cache.set(key, (version, sample), SAMPLE_KEPT_SECONDS)
    return sample


def read_sample(project, search: dict) -> Sample:
    records = listing.records_of(project, listing.parse_tags(search["tags"]))
    records, search_message = search_records(records, search["q"])
    if search_message is not None:
        return Sample([], {}, 0, [], search_message)
    rows = newest_rows(records)
    ids = [row[0] for row in rows]
    return Sample(
        rows=rows,
        statuses={record_id: status.value for record_id, status in record_statuses(ids).items()},
        records=len(rows) if len(rows) < POINTS_LIMIT else records.count(),
        names=parameter_names(ids),
    )


class OfRecords(PkAmong):
    """Rows of a table beside the records (tags, parameters) whose record is one of `values`:
    PkAmong's one parameter however many, on `record_id`, so that no join reads the records'
    own table, whose rows (with their documents) are far larger than these."""

    def __init__(self, values):
        super().__init__(values)
        self.column = F("record_id")


def parameter_names(ids: list[int]) -> list[str]:
    """The names of the numeric parameters of the records with these ids, sorted."""
    rows = RecordParameter.objects.filter(OfRecords(ids), kind=Kind.NUMBER)
    return list(rows.values_list("name", flat=True).distinct().order_by("name"))


def parameter_numbers(ids: list[int], keys: list[str]) -> dict[int, dict[str, float]]:
    """{record id: {key: number}} of the numeric parameters of these records that `keys`
    (`parameter:name`) name."""
    numbers: dict[int, dict[str, float]] = {}
    if keys:
        names = [key.removeprefix(PARAMETER) for key in keys]
        rows = RecordParameter.objects.filter(OfRecords(ids), kind=Kind.NUMBER, name__in=names)
        for record_id, name, number in rows.values_list("record_id", "name", "number"):
            numbers.setdefault(record_id, {})[PARAMETER + name] = number
    return numbers


def record_statuses(ids: list[int]) -> dict[int, Status]:
    return statuses_of(RecordTag.objects.filter(OfRecords(ids)).values_list("record_id", "name"))


def plot_data(project, search: dict, params, project_url: str) -> tuple[Plot, list[str]]:
    """The plot that `params` (the request's GET parameters) ask for, of the records of
    `project` that `search` (its `q` and `tags`) selects; and the problems found in `params`
    (a choice that can't be had is replaced by a default)."""
    sample = sample_of(project, search)
    keys = [TIMESTAMP, DURATION, *(PARAMETER + name for name in sample.names)]
    choice, problems = choose(params, keys)
    plot = Plot(
        choice, keys, sample.records, len(sample.rows), search_message=sample.search_message
    )
    plot.points = points(sample, choice, project_url)
    return plot, problems


def points(sample: Sample, choice: Choice, project_url: str) -> list[dict]:
    """The records of the sample that have a value for every key drawn, with their values.

    Run for up to POINTS_LIMIT records on every request, so written for speed.
    """
    plotted, drawn = choice.plotted_keys(), set(choice.drawn_keys())
    wanted = [key for key in plotted if key.startswith(PARAMETER)]
    numbers = parameter_numbers([row[0] for row in sample.rows], wanted)
    found = []
    for record_id, label, seconds, run_time in sample.rows:
        known = numbers.get(record_id, {})
        known[TIMESTAMP] = round(seconds, 3)
        known[DURATION] = NAN if run_time is None else run_time
        # The comparison leaves out what no axis can place: missing values (NaN stands in for
        # them), infinities and NaN.
        values = {key: value for key in plotted if -INF < (value := known.get(key, NAN)) < INF}
        if drawn <= values.keys():
            found.append(
                {
                    "label": label,
                    "url": project_url + url_part(label) + "/",
                    "status": sample.statuses.get(record_id, UNKNOWN),
                    "values": values,
                }
            )
    return found


def url_part(label: str) -> str:
    # Most labels (time stamps) need no quoting, and checking is 30 times faster than quote().
    return label if PLAIN_LABEL.fullmatch(label) else listing.path_part(label)


def choose(params, keys: list[str]) -> tuple[Choice, list[str]]:
    """The view and keys `params` asks for; a default (and a problem) for any it can't have."""
    problems = []
    parameters = [key for key in keys if key.startswith(PARAMETER)]

    def pick(name: str, default: str, allowed: list[str]) -> str:
        wanted = params.get(name)
        if wanted in (None, ""):
            return default
        if wanted in allowed:
            return wanted
        problems.append(
            f"No numeric values of '{wanted.removeprefix(PARAMETER)}' among these records to "
            f"use for {name}: showing {key_title(default)} instead."
        )
        return default

    view = params.get("view") if params.get("view") in VIEWS else "scatter"
    x = pick("x", parameters[0] if parameters else TIMESTAMP, keys)
    y = pick("y", DURATION if x != DURATION else TIMESTAMP, keys)
    colour = pick("colour", STATUS, [STATUS, NO_COLOUR, *keys])
    axes = []
    for wanted in params.getlist("axis"):
        if wanted in keys and wanted not in axes:
            axes.append(wanted)
        elif wanted not in keys:
            problems.append(f"No numeric values of '{wanted.removeprefix(PARAMETER)}' among "
                            "these records to use as an axis: left out.")  # fmt: skip
    if len(axes) > PARALLEL_AXES_MAX:
        problems.append(f"At most {PARALLEL_AXES_MAX} axes: the first {PARALLEL_AXES_MAX} shown.")
        axes = axes[:PARALLEL_AXES_MAX]
    if len(axes) < 2:
        axes = [*parameters[:PARALLEL_AXES_DEFAULT], DURATION]
        axes = axes if len(axes) >= 2 else [TIMESTAMP, DURATION]
    return Choice(view=view, x=x, y=y, colour=colour, axes=axes), problems


def plot_query(search: dict, params, **changes) -> str:
    """The query string of a plot page: the `search` (q, tags), the choices in `params` (GET
    parameters) with `changes` made to them."""
    pairs = [(key, value) for key, value in search.items() if value]
    for key in ("view", "x", "y", "colour"):
        if value := changes.get(key, params.get(key)):
            pairs.append((key, value))
    pairs += [("axis", value) for value in changes.get("axis", params.getlist("axis"))]
    return "?" + urlencode(pairs) if pairs else ""


# ---- Scales, ticks and colours -------------------------------------------------------------


@dataclass
class Scale:
    """A linear map from the values' range (widened a little) to pixels."""

    low: float
    high: float
    start: float
    end: float

    @classmethod
    def of(cls, values: list[float], start: float, end: float) -> "Scale":
        low, high = min(values, default=0.0), max(values, default=1.0)
        if low == high:
            spread = abs(low) * 0.1 or 1.0
            low, high = low - spread, high + spread
        margin = (high - low) * 0.04
        return cls(low - margin, high + margin, start, end)

    def __call__(self, value: float) -> float:
        return self.start + (value - self.low) / (self.high - self.low) * (self.end - self.start)

    def fraction(self, value: float) -> float:
        return (value - self.low) / (self.high - self.low)


NICE_STEPS = (1, 2, 2.5, 5, 10)
# Steps of a time axis, in seconds: whole minutes, hours, days, weeks, months and years.
TIME_STEPS = (
    1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200,
    86400, 2 * 86400, 7 * 86400, 14 * 86400, 30 * 86400, 91 * 86400, 182 * 86400, 365 * 86400,
)  # fmt: skip


def ticks(scale: Scale, key: str, count: int = 5) -> list[float]:
    """Round values within the scale, about `count` of them."""
    span = scale.high - scale.low
    rough = span / count
    if key == TIMESTAMP:
        step = next((step for step in TIME_STEPS if step >= rough), None)
        if step is None:
            step = 365 * 86400 * nice_step(rough / (365 * 86400))
    else:
        step = nice_step(rough)
    first = math.ceil(scale.low / step)
    return [n * step for n in range(first, math.floor(scale.high / step) + 1)]


def nice_step(rough: float) -> float:
    power = 10 ** math.floor(math.log10(rough))
    return next(step * power for step in NICE_STEPS if step * power >= rough)


def tick_label(key: str, value: float, span: float) -> str:
    if key == TIMESTAMP:
        moment = datetime.datetime.fromtimestamp(value, tz=datetime.UTC)
        return moment.strftime("%Y-%m-%d" if span > 3 * 86400 else "%m-%d %H:%M")
    return number_text(value)


def number_text(value: float) -> str:
    text = f"{value:.6g}"
    return "0" if text == "-0" else text


def value_text(key: str, value: float) -> str:
    """A value as the tooltips show it: a time, a duration, or the number (50 for 50.0, as
    web/formatting.py shows parameters; repr() is what JSON would write, at a tenth the cost)."""
    if key == TIMESTAMP:
        moment = datetime.datetime.fromtimestamp(value, tz=datetime.UTC)
        return moment.strftime("%Y-%m-%d %H:%M:%S")
    if key == DURATION:
        return duration(value)
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


# Viridis (matplotlib's), at eleven evenly spaced points.
VIRIDIS = (
    "#440154", "#482475", "#414487", "#355f8d", "#2a788e", "#21918c",
    "#22a884", "#44bf70", "#7ad151", "#bddf26", "#fde725",
)  # fmt: skip
# Okabe and Ito's colours, told apart with any colour vision; the shapes tell them apart anyway.
STATUS_COLOURS = {
    Status.FINISHED: "#0072b2",
    Status.FAILED: "#d55e00",
    Status.RUNNING: "#e69f00",
    Status.KILLED: "#cc79a7",
    Status.UNKNOWN: "#8c8c8c",
}
# A line's dash says the status in the parallel coordinates, as the shape does for a point.
STATUS_DASHES = {
    Status.FINISHED: "",
    Status.FAILED: "7 3",
    Status.RUNNING: "2 3",
    Status.KILLED: "9 3 2 3",
    Status.UNKNOWN: "1 5",
}
NO_VALUE = "#ffffff"
PLAIN = "#0072b2"


def viridis(fraction: float) -> str:
    fraction = min(1.0, max(0.0, fraction))
    position = fraction * (len(VIRIDIS) - 1)
    index = min(int(position), len(VIRIDIS) - 2)
    within = position - index
    low, high = rgb(VIRIDIS[index]), rgb(VIRIDIS[index + 1])
    mixed = (round(a + (b - a) * within) for a, b in zip(low, high, strict=True))
    return "#" + "".join(f"{part:02x}" for part in mixed)


def rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


class Colouring:
    """The colour of each point: by status, by a number on viridis, or one colour for all."""

    def __init__(self, key: str, points: list[dict]):
        self.key = key
        numeric = key not in (STATUS, NO_COLOUR)
        values = [point["values"][key] for point in points if key in point["values"]]
        self.scale = Scale.of(values, 0, 1) if numeric and values else None
        self.missing = numeric and len(values) < len(points)

    def __call__(self, point: dict) -> str:
        if self.key == STATUS:
            return STATUS_COLOURS[STATUS_OF[point["status"]]]
        if self.key == NO_COLOUR:
            return PLAIN
        value = point["values"].get(self.key)
        return NO_VALUE if value is None else viridis(self.scale.fraction(value))


# ---- SVG -----------------------------------------------------------------------------------

WIDTH, HEIGHT = 960, 500
LEFT, RIGHT, TOP, BOTTOM = 84, 740, 24, 430  # the plotting area
PARALLEL_RIGHT = 690  # room for the last axis's title beside the legend
LEGEND_X = 764
FONT = 'font-family="system-ui, sans-serif" font-size="12" fill="#1b1f24"'
AXIS = 'stroke="#57606a" stroke-width="1"'
GRID = 'stroke="#d0d7de" stroke-width="1"'


def cross(size: float, arm: float) -> str:
    """An X as one closed path (a plus turned by 45°), so it fills like the other shapes."""
    quarter = [(-arm, -size), (arm, -size), (arm, -arm)]
    plus = []
    for _ in range(4):
        plus += quarter
        quarter = [(-y, x) for x, y in quarter]
    turned = [((x - y) * math.sqrt(0.5), (x + y) * math.sqrt(0.5)) for x, y in plus]
    return "M" + "L".join(f"{x:.2f},{y:.2f}" for x, y in turned) + "Z"


# One shape per status, defined once and placed with <use>: circle, cross, triangle, square and
# diamond (no status).
SHAPES = {
    Status.FINISHED: '<circle id="{id}" r="4.6"/>',
    Status.FAILED: f'<path id="{{id}}" d="{cross(6.4, 1.9)}"/>',
    Status.RUNNING: '<path id="{id}" d="M0,-6L5.4,3.8L-5.4,3.8Z"/>',
    Status.KILLED: '<rect id="{id}" x="-4.2" y="-4.2" width="8.4" height="8.4"/>',
    Status.UNKNOWN: '<path id="{id}" d="M0,-5.6L5.6,0L0,5.6L-5.6,0Z"/>',
}
SHAPE_NAMES = {
    Status.FINISHED: "circle",
    Status.FAILED: "cross",
    Status.RUNNING: "triangle",
    Status.KILLED: "square",
    Status.UNKNOWN: "diamond",
}


def shape_id(status) -> str:
    return f"shape-{status}"


def shape_defs() -> str:
    shapes = "".join(SHAPES[status].format(id=shape_id(status)) for status in Status)
    gradient = "".join(
        f'<stop offset="{index / (len(VIRIDIS) - 1):.2f}" stop-color="{colour}"/>'
        for index, colour in enumerate(VIRIDIS)
    )
    return (
        f'<defs>{shapes}<linearGradient id="viridis" x1="0" y1="1" x2="0" y2="0">'
        f"{gradient}</linearGradient></defs>"
    )


def svg(title: str, description: str, body: str, height: int = HEIGHT) -> SafeString:
    return SafeString(
        f'<svg class="plot" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'role="group" aria-labelledby="plot-title plot-desc">'
        f'<title id="plot-title">{html.escape(title)}</title>'
        f'<desc id="plot-desc">{html.escape(description)}</desc>{shape_defs()}{body}</svg>'
    )


def tooltip(point: dict, keys: list[str]) -> str:
    parts = [point["label"], STATUS_OF[point["status"]].label]
    parts += [f"{key.removeprefix(PARAMETER)} = {value_text(key, point['values'][key])}"
              for key in keys if key in point["values"]]  # fmt: skip
    return html.escape(" · ".join(parts))


def scatter_svg(plot: Plot) -> SafeString:
    choice = plot.choice
    xs = [point["values"][choice.x] for point in plot.points]
    ys = [point["values"][choice.y] for point in plot.points]
    x_scale, y_scale = Scale.of(xs, LEFT, RIGHT), Scale.of(ys, BOTTOM, TOP)
    colouring = Colouring(choice.colour, plot.points)
    keys = choice.plotted_keys()
    marks = []
    for point in drawing_order(plot.points):
        values = point["values"]
        marks.append(
            f'<a href="{html.escape(point["url"])}"><title>{tooltip(point, keys)}</title>'
            f'<use href="#{shape_id(point["status"])}" x="{x_scale(values[choice.x]):.1f}" '
            f'y="{y_scale(values[choice.y]):.1f}" fill="{colouring(point)}"/></a>'
        )
    body = (
        x_axis(x_scale, choice.x)
        + y_axis(y_scale, choice.y)
        + f'<g class="points" stroke="#1b1f24" stroke-width="0.8">{"".join(marks)}</g>'
        + legend(colouring, plot, lines=False)
    )
    title = f"{key_title(choice.y)} against {key_title(choice.x)}"
    return svg(title, description(plot), body)


def parallel_svg(plot: Plot) -> SafeString:
    choice = plot.choice
    axes = choice.axes
    gap = (PARALLEL_RIGHT - LEFT) / (len(axes) - 1)
    positions = [LEFT + index * gap for index in range(len(axes))]
    scales = {
        key: Scale.of([point["values"][key] for point in plot.points], BOTTOM, TOP + 12)
        for key in axes
    }
    colouring = Colouring(choice.colour, plot.points)
    keys = choice.plotted_keys()
    lines = []
    for point in drawing_order(plot.points):
        corners = " ".join(
            f"{x:.1f},{scales[key](point['values'][key]):.1f}"
            for x, key in zip(positions, axes, strict=True)
        )
        dash = STATUS_DASHES[STATUS_OF[point["status"]]]
        dashes = f' stroke-dasharray="{dash}"' if dash else ""
        lines.append(
            f'<a href="{html.escape(point["url"])}"><title>{tooltip(point, keys)}</title>'
            f'<polyline points="{corners}" stroke="{colouring(point)}"{dashes}/></a>'
        )
    body = (
        f'<g class="lines" fill="none" stroke-width="1.6" stroke-opacity="0.75">'
        f"{''.join(lines)}</g>"
        + "".join(
            parallel_axis(x, key, scales[key]) for x, key in zip(positions, axes, strict=True)
        )
        + legend(colouring, plot, lines=True)
    )
    title = "Parallel coordinates: " + ", ".join(key_title(key) for key in axes)
    return svg(title, description(plot), body, height=BOTTOM + 20)  # no x axis below


# Records that went wrong are drawn last, on top, so that none hides under a finished one.
LAYERS = {Status.FINISHED: 0, Status.UNKNOWN: 1, Status.RUNNING: 2, Status.KILLED: 3,
          Status.FAILED: 4}  # fmt: skip


def drawing_order(points: list[dict]) -> list[dict]:
    """Finished records first, failed ones last; within each, oldest first (newest on top)."""
    return sorted(reversed(points), key=lambda point: LAYERS[STATUS_OF[point["status"]]])


def description(plot: Plot) -> str:
    text = f"{len(plot.points)} records, each a link to its page."
    if plot.skipped:
        text += f" {plot.skipped} more have no numeric value for an axis and are not shown."
    return text


def short(text: str, length: int = 22) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def x_axis(scale: Scale, key: str) -> str:
    span = scale.high - scale.low
    parts = [f'<line x1="{LEFT}" y1="{BOTTOM}" x2="{RIGHT}" y2="{BOTTOM}" {AXIS}/>']
    for value in ticks(scale, key, count=6 if key != TIMESTAMP else 4):
        x = scale(value)
        parts.append(
            f'<line x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{BOTTOM}" {GRID}/>'
            f'<line x1="{x:.1f}" y1="{BOTTOM}" x2="{x:.1f}" y2="{BOTTOM + 5}" {AXIS}/>'
            f'<text x="{x:.1f}" y="{BOTTOM + 19}" text-anchor="middle" {FONT}>'
            f"{html.escape(tick_label(key, value, span))}</text>"
        )
    parts.append(
        f'<text x="{(LEFT + RIGHT) / 2:.0f}" y="{BOTTOM + 46}" text-anchor="middle" '
        f'font-weight="600" {FONT}>{html.escape(key_title(key))}</text>'
    )
    return '<g class="axis x">' + "".join(parts) + "</g>"


def y_axis(scale: Scale, key: str) -> str:
    span = scale.high - scale.low
    parts = [f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{BOTTOM}" {AXIS}/>']
    for value in ticks(scale, key):
        y = scale(value)
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{RIGHT}" y2="{y:.1f}" {GRID}/>'
            f'<line x1="{LEFT - 5}" y1="{y:.1f}" x2="{LEFT}" y2="{y:.1f}" {AXIS}/>'
            f'<text x="{LEFT - 8}" y="{y + 4:.1f}" text-anchor="end" {FONT}>'
            f"{html.escape(short(tick_label(key, value, span), 12))}</text>"
        )
    middle = (TOP + BOTTOM) / 2
    parts.append(
        f'<text x="18" y="{middle:.0f}" transform="rotate(-90 18 {middle:.0f})" '
        f'text-anchor="middle" font-weight="600" {FONT}>{html.escape(key_title(key))}</text>'
    )
    return '<g class="axis y">' + "".join(parts) + "</g>"


def parallel_axis(x: float, key: str, scale: Scale) -> str:
    span = scale.high - scale.low
    title = key_title(key)
    parts = [
        f'<line x1="{x:.1f}" y1="{TOP + 12}" x2="{x:.1f}" y2="{BOTTOM}" {AXIS}/>',
        f'<text x="{x:.1f}" y="{TOP}" text-anchor="middle" font-weight="600" {FONT}>'
        f"<title>{html.escape(title)}</title>{html.escape(short(title, 16))}</text>",
    ]
    for value in ticks(scale, key, count=4):
        y = scale(value)
        parts.append(
            f'<line x1="{x - 4:.1f}" y1="{y:.1f}" x2="{x:.1f}" y2="{y:.1f}" {AXIS}/>'
            f'<text x="{x - 6:.1f}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
            f'paint-order="stroke" stroke="#ffffff" stroke-width="3" '
            f'font-family="system-ui, sans-serif" fill="#1b1f24">'
            f"{html.escape(short(tick_label(key, value, span), 12))}</text>"
        )
    return '<g class="axis parallel">' + "".join(parts) + "</g>"


def legend(colouring: Colouring, plot: Plot, lines: bool) -> str:
    """Which shape (or dash) is which status, and what the colours mean."""
    y = TOP + 6
    parts = [f'<text x="{LEGEND_X}" y="{y}" font-weight="600" {FONT}>Status</text>']
    present = {point["status"] for point in plot.points}
    for status in Status:
        if status.value not in present:
            continue
        y += 22
        colour = STATUS_COLOURS[status] if colouring.key == STATUS else "#57606a"
        if lines:
            dash = STATUS_DASHES[status]
            dashes = f' stroke-dasharray="{dash}"' if dash else ""
            sample = (f'<line x1="{LEGEND_X}" y1="{y - 4}" x2="{LEGEND_X + 28}" y2="{y - 4}" '
                      f'stroke="{colour}" stroke-width="2.5"{dashes}/>')  # fmt: skip
            text_x = LEGEND_X + 36
        else:
            sample = (f'<use href="#{shape_id(status)}" x="{LEGEND_X + 7}" y="{y - 4}" '
                      f'fill="{colour}" stroke="#1b1f24" stroke-width="0.8"/>')  # fmt: skip
            text_x = LEGEND_X + 20
        name = status.label if lines else f"{status.label} ({SHAPE_NAMES[status]})"
        parts.append(f'{sample}<text x="{text_x}" y="{y}" {FONT}>{html.escape(name)}</text>')
    if colouring.scale is not None:
        parts.append(colour_bar(colouring, y + 40))
    return '<g class="legend">' + "".join(parts) + "</g>"


def colour_bar(colouring: Colouring, top: int) -> str:
    scale, key = colouring.scale, colouring.key
    height = 150
    bar = Scale(scale.low, scale.high, top + height, top)
    title = key_title(key)
    parts = [
        f'<text x="{LEGEND_X}" y="{top - 10}" font-weight="600" {FONT}><title>'
        f"{html.escape(title)}</title>Colour: {html.escape(short(title, 16))}</text>",
        f'<rect x="{LEGEND_X}" y="{top}" width="16" height="{height}" fill="url(#viridis)" '
        f'stroke="#57606a" stroke-width="0.8"/>',
    ]
    for value in ticks(scale, key, count=4):
        y = bar(value)
        parts.append(
            f'<line x1="{LEGEND_X + 16}" y1="{y:.1f}" x2="{LEGEND_X + 21}" y2="{y:.1f}" {AXIS}/>'
            f'<text x="{LEGEND_X + 25}" y="{y + 4:.1f}" {FONT}>'
            f"{html.escape(short(tick_label(key, value, scale.high - scale.low), 16))}</text>"
        )
    if colouring.missing:
        y = top + height + 26
        parts.append(
            f'<rect x="{LEGEND_X}" y="{y - 11}" width="16" height="12" fill="{NO_VALUE}" '
            f'stroke="#57606a" stroke-width="0.8"/><text x="{LEGEND_X + 25}" y="{y}" {FONT}>'
            "no value</text>"
        )
    return "".join(parts)
