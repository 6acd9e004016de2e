"""Server-side SVG charts (bars, lines, shares, a bubble map of regions) for the pages and the PDF briefs.

No JavaScript and no CDN: each function returns one ``<svg role="img">`` as a safe string, drawn with
presentation attributes only (the pages' CSP forbids inline ``style``), with a ``<title>`` for screen readers
and a Chinese font stack, so that the same markup works inline in HTML and in WeasyPrint.
"""

import math
from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

FONT_FAMILY = '"Noto Sans CJK SC", "Noto Sans SC", sans-serif'
INK = "#222222"
MUTED = "#666666"
GRID = "#e3e3e3"
# The site's red first, then colours that stay distinct for the common kinds of colour blindness.
PALETTE = ("#c4161c", "#0b4ea2", "#1e6b34", "#e08a00", "#7b3fa0", "#00838f", "#8d6e63", "#9e9e9e")
OTHER_COLOUR = "#bdbdbd"
EMPTY_TEXT = "暂无数据"
OTHER_LABEL = "其他"
MAX_SERIES = 4
MAX_SLICES = 7  # named slices of a share chart; the rest is 其他
TITLE_SIZE = 15
LABEL_SIZE = 12
TITLE_BAND = 30


def bar_chart(
    rows: Sequence[tuple[str, float]], *, title: str, unit: str = "", width: int = 640
) -> SafeString:
    """Horizontal bars, one per row in the given order, each with its value written at its end."""
    rows = [(str(label), _number(value)) for label, value in rows]
    if not rows:
        return _empty(title, width)
    row_height, bar_height = 26, 16
    label_width = min(max(_text_width(label, LABEL_SIZE) for label, _ in rows) + 12, width * 0.32)
    value_width = max(_text_width(_format(value) + unit, LABEL_SIZE) for _, value in rows) + 10
    bar_area = max(width - label_width - value_width - 8, 20)
    largest = max((value for _, value in rows), default=0.0)
    height = TITLE_BAND + len(rows) * row_height + 8
    parts = [_title(title)]
    for index, (label, value) in enumerate(rows):
        top = TITLE_BAND + index * row_height
        middle = top + row_height / 2
        length = bar_area * max(value, 0.0) / largest if largest > 0 else 0.0
        parts.append(
            _text(
                _truncate(label, label_width - 12, LABEL_SIZE),
                label_width - 8,
                middle,
                anchor="end",
                baseline="central",
            )
        )
        parts.append(
            f'<rect class="bar" data-value="{_format(value)}" x="{_f(label_width)}" '
            f'y="{_f(middle - bar_height / 2)}" width="{_f(length)}" height="{bar_height}" '
            f'fill="{PALETTE[0]}" rx="2"><title>{escape(label)}：{escape(_format(value) + unit)}</title>'
            "</rect>"
        )
        parts.append(
            _text(_format(value) + unit, label_width + length + 6, middle, baseline="central", fill=INK)
        )
    return _svg(title, width, height, parts)


def line_chart(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    title: str,
    unit: str = "",
    width: int = 640,
    height: int = 260,
) -> SafeString:
    """Up to four lines over the same x labels; ``None`` leaves a gap. The x labels are thinned to fit."""
    if len(series) > MAX_SERIES:
        raise ValueError(f"line_chart draws at most {MAX_SERIES} series, got {len(series)}")
    labels = [str(label) for label in labels]
    cleaned = [
        (str(name), [None if value is None else _number(value) for value in values][: len(labels)])
        for name, values in series
    ]
    present = [value for _, values in cleaned for value in values if value is not None]
    if not labels or not present:
        return _empty(title, width)
    top_value = _nice_ceiling(max(max(present), 0.0))
    bottom_value = min(min(present), 0.0)
    ticks = _ticks(bottom_value, top_value)
    tick_width = max(_text_width(_format(tick) + unit, LABEL_SIZE) for tick in ticks)
    left, right = tick_width + 14, 16
    legend_height = 22
    top, bottom = TITLE_BAND + legend_height, 28
    plot_width = max(width - left - right, 40)
    plot_height = max(height - top - bottom, 40)
    span = (ticks[-1] - ticks[0]) or 1.0

    def x_at(index: int) -> float:
        return left + (plot_width * index / (len(labels) - 1) if len(labels) > 1 else plot_width / 2)

    def y_at(value: float) -> float:
        return top + plot_height - plot_height * (value - ticks[0]) / span

    parts = [_title(title)]
    for tick in ticks:
        y = y_at(tick)
        parts.append(
            f'<line x1="{_f(left)}" y1="{_f(y)}" x2="{_f(left + plot_width)}" y2="{_f(y)}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        parts.append(_text(_format(tick) + unit, left - 6, y, anchor="end", baseline="central"))
    for index, anchor in _thinned(labels, x_at, left, left + plot_width):
        parts.append(
            _text(labels[index], x_at(index), top + plot_height + 16, anchor=anchor, size=LABEL_SIZE - 1)
        )
    legend_x = left
    for number, (name, values) in enumerate(cleaned):
        colour = PALETTE[number]
        parts.append(f'<rect x="{_f(legend_x)}" y="{TITLE_BAND + 4}" width="14" height="4" fill="{colour}"/>')
        parts.append(_text(name, legend_x + 18, TITLE_BAND + 6, baseline="central"))
        legend_x += _text_width(name, LABEL_SIZE) + 36
        for segment in _segments(values):
            points = " ".join(f"{_f(x_at(i))},{_f(y_at(v))}" for i, v in segment)
            if len(segment) > 1:
                parts.append(
                    f'<polyline class="series" data-series="{escape(name)}" points="{points}" fill="none" '
                    f'stroke="{colour}" stroke-width="2" stroke-linejoin="round"/>'
                )
            if len(segment) == 1 or len(labels) <= 40:
                for i, v in segment:
                    parts.append(
                        f'<circle cx="{_f(x_at(i))}" cy="{_f(y_at(v))}" r="2.5" fill="{colour}">'
                        f"<title>{escape(name)} {escape(labels[i])}：{escape(_format(v) + unit)}</title>"
                        "</circle>"
                    )
    return _svg(title, width, height, parts)


def _thinned(labels: Sequence[str], x_at, left: float, right: float) -> list[tuple[int, str]]:
    """The x labels to draw, evenly spaced so that none overlap, always with the first and the last."""
    size = LABEL_SIZE - 1
    widest = max(_text_width(label, size) for label in labels) + 12
    count = len(labels)
    if count == 1:
        return [(0, "middle")]
    # The first and last labels hang inwards (anchored at start / end): reserve half a label at each end.
    fitting = max(2, int((right - left - widest) // widest) + 1)
    step = max(1, math.ceil((count - 1) / (fitting - 1)))
    chosen = list(range(0, count, step))
    if chosen[-1] != count - 1:
        # Too close to the last label: drop the one before it rather than let the two overlap.
        if x_at(count - 1) - x_at(chosen[-1]) < widest * 1.5 and len(chosen) > 1:
            chosen.pop()
        chosen.append(count - 1)
    return [(index, "start" if index == 0 else "end" if index == count - 1 else "middle") for index in chosen]


def share_chart(rows: Sequence[tuple[str, float]], *, title: str, width: int = 640) -> SafeString:
    """Shares of a whole as a donut with a legend (label, percentage, value); small shares become 其他."""
    slices = _group_small([(str(label), _number(value)) for label, value in rows if _number(value) > 0])
    total = sum(value for _, value in slices)
    if not slices or total <= 0:
        return _empty(title, width)
    # A narrow chart (a phone) keeps its text at full size by drawing a smaller donut.
    radius, inner = (80, 48) if width >= 420 else (62, 37)
    row_height = 22
    legend_rows = len(slices)
    height = int(max(TITLE_BAND + 2 * radius + 20, TITLE_BAND + legend_rows * row_height + 16))
    centre_x, centre_y = 16 + radius, TITLE_BAND + 10 + radius
    parts = [_title(title)]
    angle = -math.pi / 2
    legend_x = centre_x + radius + (32 if width >= 420 else 20)
    legend_top = centre_y - legend_rows * row_height / 2
    for index, (label, value) in enumerate(slices):
        colour = OTHER_COLOUR if label == OTHER_LABEL and index == len(slices) - 1 else PALETTE[index]
        share = value / total
        percent = _percent(share)
        tooltip = f"<title>{escape(label)}：{escape(_format(value))}（{percent}）</title>"
        if share >= 0.9999:
            parts.append(
                f'<circle class="slice" data-share="{share:.4f}" cx="{centre_x}" cy="{_f(centre_y)}" '
                f'r="{(radius + inner) / 2}" fill="none" stroke="{colour}" '
                f'stroke-width="{radius - inner}">{tooltip}</circle>'
            )
        else:
            end = angle + 2 * math.pi * share
            parts.append(
                f'<path class="slice" data-share="{share:.4f}" '
                f'd="{_donut_path(centre_x, centre_y, radius, inner, angle, end)}" fill="{colour}" '
                f'stroke="#ffffff" stroke-width="1">{tooltip}</path>'
            )
            angle = end
        y = legend_top + index * row_height + row_height / 2
        parts.append(f'<rect x="{_f(legend_x)}" y="{_f(y - 6)}" width="12" height="12" fill="{colour}"/>')
        available = width - legend_x - 20
        legend_text = f"{label}  {percent}（{_format(value)}）"
        parts.append(
            _text(
                _truncate(legend_text, available, LABEL_SIZE), legend_x + 18, y, baseline="central", fill=INK
            )
        )
    parts.append(
        _text(
            _format(total),
            centre_x,
            centre_y - 7,
            anchor="middle",
            baseline="central",
            size=TITLE_SIZE,
            fill=INK,
        )
    )
    parts.append(_text("合计", centre_x, centre_y + 12, anchor="middle", baseline="central"))
    return _svg(title, width, height, parts)


def region_map(
    points: Sequence[tuple[str, float, float, float]],
    *,
    title: str,
    width: int = 640,
    height: int = 480,
) -> SafeString:
    """Regions as bubbles (area proportional to value) at their coordinates, fitted to the points' extent."""
    places = [
        (str(name), float(longitude), float(latitude), max(_number(value), 0.0))
        for name, longitude, latitude, value in points
        if longitude is not None and latitude is not None
    ]
    if not places:
        return _empty(title, width)
    largest = max(value for *_, value in places)
    max_radius = min(width, height) / 14
    margin = max_radius + 8
    # Equirectangular: x = longitude · cos(mean latitude), y = latitude, one scale for both axes.
    mean_latitude = math.radians(sum(latitude for _, _, latitude, _ in places) / len(places))
    squeeze = max(math.cos(mean_latitude), 0.2)
    xs = [longitude * squeeze for _, longitude, _, _ in places]
    ys = [latitude for _, _, latitude, _ in places]
    x_span = max(max(xs) - min(xs), 1.0)
    y_span = max(max(ys) - min(ys), 1.0)
    plot_width, plot_height = width - 2 * margin, height - TITLE_BAND - 2 * margin
    scale = min(plot_width / x_span, plot_height / y_span)
    x_centre, y_centre = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2

    def project(longitude: float, latitude: float) -> tuple[float, float]:
        x = width / 2 + (longitude * squeeze - x_centre) * scale
        y = TITLE_BAND + margin + plot_height / 2 - (latitude - y_centre) * scale
        return x, y

    parts = [_title(title)]
    parts.append(
        f'<rect x="0.5" y="{TITLE_BAND}" width="{width - 1}" height="{height - TITLE_BAND - 0.5}" '
        f'fill="#fbfbfb" stroke="{GRID}"/>'
    )
    parts.extend(_graticule(project, squeeze, scale, width, height))
    ranked = sorted(places, key=lambda place: place[3], reverse=True)
    for place in ranked:  # the largest first, so that small bubbles stay visible on top
        name, longitude, latitude, value = place
        x, y = project(longitude, latitude)
        radius = max_radius * math.sqrt(value / largest) if largest > 0 else 0.0
        tooltip = f"<title>{escape(name)}：{escape(_format(value))}</title>"
        if radius < 2:
            parts.append(
                f'<circle class="bubble" data-value="{_format(value)}" cx="{_f(x)}" cy="{_f(y)}" r="2" '
                f'fill="#ffffff" stroke="{MUTED}" stroke-width="1">{tooltip}</circle>'
            )
        else:
            parts.append(
                f'<circle class="bubble" data-value="{_format(value)}" cx="{_f(x)}" cy="{_f(y)}" '
                f'r="{_f(radius)}" fill="{PALETTE[0]}" fill-opacity="0.55" stroke="{PALETTE[0]}" '
                f'stroke-width="1">{tooltip}</circle>'
            )
    # Labels beside the bubbles, largest first, skipping any that would overlap one already placed.
    placed: list[tuple[float, float, float, float]] = []
    for name, longitude, latitude, value in ranked[: 10 if width >= 480 else 6]:
        if value <= 0:
            break
        x, y = project(longitude, latitude)
        radius = max_radius * math.sqrt(value / largest)
        label = f"{name} {_format(value)}"
        label_width = _text_width(label, LABEL_SIZE)
        for anchor, left in (("start", x + radius + 3), ("end", x - radius - 3 - label_width)):
            box = (left, y - LABEL_SIZE / 2 - 1, left + label_width, y + LABEL_SIZE / 2 + 1)
            inside = box[0] >= 2 and box[2] <= width - 2
            if inside and not any(_overlap(box, other) for other in placed):
                placed.append(box)
                x_text = box[0] if anchor == "start" else box[2]
                parts.append(_text(label, x_text, y, anchor=anchor, baseline="central", fill=INK, halo=True))
                break
    return _svg(title, width, height, parts)


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _graticule(project, squeeze: float, scale: float, width: int, height: int) -> list[str]:
    """Light meridians and parallels every 5 or 10 degrees, so that the bubbles read as a map."""
    step = 10 if width / scale / squeeze > 40 else 5 if width / scale / squeeze > 8 else 1
    parts = []
    # The longitudes at the left and right edges and the latitudes at the top and bottom (project inverted).
    x0, y0 = project(0.0, 0.0)
    lon_left = (0 - x0) / scale / squeeze
    lon_right = (width - x0) / scale / squeeze
    lat_top = (y0 - TITLE_BAND) / scale
    lat_bottom = (y0 - height) / scale
    for longitude in range(math.ceil(lon_left / step) * step, math.floor(lon_right) + 1, step):
        x, _ = project(longitude, 0)
        if x > width - 40:
            continue
        parts.append(
            f'<line x1="{_f(x)}" y1="{TITLE_BAND}" x2="{_f(x)}" y2="{height}" stroke="{GRID}" '
            f'stroke-dasharray="2 4"/>'
        )
        parts.append(_text(f"{_degrees(longitude)}°E", x + 3, height - 6, size=10))
    for latitude in range(math.ceil(lat_bottom / step) * step, math.floor(lat_top) + 1, step):
        _, y = project(0, latitude)
        parts.append(
            f'<line x1="0" y1="{_f(y)}" x2="{width}" y2="{_f(y)}" stroke="{GRID}" stroke-dasharray="2 4"/>'
        )
        parts.append(_text(f"{_degrees(latitude)}°N", 4, y - 3, size=10))
    return parts


def _degrees(value: int) -> str:
    return str(abs(value))


def _group_small(rows: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """Largest first; beyond seven slices, or under 2% of the whole, rows merge into one 其他 slice last."""
    total = sum(value for _, value in rows)
    if total <= 0:
        return []
    kept: list[tuple[str, float]] = []
    other = 0.0
    for label, value in sorted(rows, key=lambda row: row[1], reverse=True):
        if label == OTHER_LABEL or len(kept) >= MAX_SLICES or value / total < 0.02:
            other += value
        else:
            kept.append((label, value))
    if other > 0:
        kept.append((OTHER_LABEL, other))
    return kept


def _donut_path(cx: float, cy: float, outer: float, inner: float, start: float, end: float) -> str:
    large = 1 if end - start > math.pi else 0
    points = [
        (cx + outer * math.cos(start), cy + outer * math.sin(start)),
        (cx + outer * math.cos(end), cy + outer * math.sin(end)),
        (cx + inner * math.cos(end), cy + inner * math.sin(end)),
        (cx + inner * math.cos(start), cy + inner * math.sin(start)),
    ]
    (ax, ay), (bx, by), (cx2, cy2), (dx, dy) = points
    return (
        f"M{_f(ax)} {_f(ay)} A{outer} {outer} 0 {large} 1 {_f(bx)} {_f(by)} "
        f"L{_f(cx2)} {_f(cy2)} A{inner} {inner} 0 {large} 0 {_f(dx)} {_f(dy)} Z"
    )


def _segments(values: Sequence[float | None]) -> list[list[tuple[int, float]]]:
    """Runs of consecutive present values: a ``None`` breaks the line."""
    segments: list[list[tuple[int, float]]] = [[]]
    for index, value in enumerate(values):
        if value is None:
            if segments[-1]:
                segments.append([])
        else:
            segments[-1].append((index, value))
    return [segment for segment in segments if segment]


def _nice_ceiling(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 × 10ⁿ at or above value, so that axis ticks are round numbers."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    for factor in (1, 2, 2.5, 5, 10):
        if factor * magnitude >= value - 1e-9:
            return factor * magnitude
    return 10 * magnitude


def _ticks(bottom: float, top: float) -> list[float]:
    step = _nice_ceiling((top - bottom) / 4) if top > bottom else 1.0
    first = math.floor(bottom / step) * step
    ticks = []
    value = first
    while value < top + step / 2:
        ticks.append(round(value, 10))
        value += step
    return ticks if len(ticks) > 1 else [first, first + step]


def _number(value: float | int | None) -> float:
    if value is None:
        return 0.0
    number = float(value)
    return number if math.isfinite(number) else 0.0


def _format(value: float) -> str:
    """Whole numbers without decimals; others with at most two, trailing zeros dropped."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _percent(share: float) -> str:
    return f"{share * 100:.1f}%"


def _f(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _text_width(text: str, size: float) -> float:
    """An estimate of a text's width: CJK and full-width characters are one em, others about half."""
    return sum(size if ord(char) > 0x2E7F else size * 0.58 for char in text)


def _truncate(text: str, available: float, size: float) -> str:
    if _text_width(text, size) <= available:
        return text
    while text and _text_width(text + "…", size) > available:
        text = text[:-1]
    return text + "…"


def _text(
    content: str,
    x: float,
    y: float,
    *,
    anchor: str = "start",
    baseline: str = "auto",
    size: float = LABEL_SIZE,
    fill: str = MUTED,
    halo: bool = False,
) -> str:
    extra = ' stroke="#ffffff" stroke-width="3" paint-order="stroke"' if halo else ""
    # WeasyPrint ignores dominant-baseline, so "central" is also approximated with a dy shift.
    shift = f' dy="{_f(size * 0.35)}"' if baseline == "central" else ""
    return (
        f'<text x="{_f(x)}" y="{_f(y)}"{shift} font-size="{size}" fill="{fill}" '
        f'text-anchor="{anchor}"{extra}>{escape(content)}</text>'
    )


def _title(title: str) -> str:
    return (
        f'<text class="chart-title" x="0" y="18" font-size="{TITLE_SIZE}" font-weight="bold" '
        f'fill="{INK}">{escape(title)}</text>'
    )


def _svg(title: str, width: int, height: float, parts: list[str]) -> SafeString:
    height = math.ceil(height)
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-label="{escape(title)}" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f"font-family='{FONT_FAMILY}'><title>{escape(title)}</title>" + "".join(parts) + "</svg>"
    )


def _empty(title: str, width: int) -> SafeString:
    height = TITLE_BAND + 60
    parts = [
        _title(title),
        f'<rect x="0.5" y="{TITLE_BAND}" width="{width - 1}" height="50" fill="#fafafa" stroke="{GRID}"/>',
        _text(EMPTY_TEXT, width / 2, TITLE_BAND + 25, anchor="middle", baseline="central"),
    ]
    return _svg(title, width, height, parts)
