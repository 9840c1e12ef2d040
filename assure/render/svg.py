"""Charts and icons as SVG text: the SPC chart, a sparkline, and the Making Data Count
variation and assurance icons, drawn here so a report needs no image, font or script
from anywhere.

Every function returns one `<svg>` element with `role="img"`, an `aria-label` and a
`<title>`, so each picture has its text equivalent. Every piece of text put into the
SVG is escaped here: callers may pass strings that came from a return. Output is
deterministic (coordinates rounded to 0.1) so the same inputs give the same bytes.
"""

from __future__ import annotations

import math
from html import escape as _html_escape
from typing import Optional, Sequence

SVG_NS = "http://www.w3.org/2000/svg"

# Colours: NHS identity blue and Making Data Count's orange and purple, darkened where
# needed so every mark has at least 3:1 contrast with white (WCAG 2.1 AA, 1.4.11).
COLOURS = {
    "improving": "#005EB8",   # NHS blue, 5.9:1
    "concerning": "#B35900",  # MDC orange, darkened from #ED8B00: 4.6:1
    "neither": "#5B2C86",     # MDC purple, 9:1
    "common": "#595959",      # grey, 7:1
    "target": "#A00054",      # 7:1
    "trajectory": "#00703C",  # 6.4:1
    "limit": "#595959",
    "mean": "#222222",
    "grid": "#D8DDE0",        # background gridlines only: carry no information
    "text": "#212B32",
}

VARIATION_TEXT = {
    "common_cause": "Common cause variation: no significant change",
    "improving_high": "Special cause variation: improving, higher values",
    "improving_low": "Special cause variation: improving, lower values",
    "concerning_high": "Special cause variation: concerning, higher values",
    "concerning_low": "Special cause variation: concerning, lower values",
    "neither_high": "Special cause variation: higher values, neither improving nor concerning",
    "neither_low": "Special cause variation: lower values, neither improving nor concerning",
    "none": "No variation icon: too few points for SPC",
}
ASSURANCE_TEXT = {
    "consistently_pass": "Assurance: the process will consistently pass the target",
    "consistently_fail": "Assurance: the process will consistently fail the target",
    "hit_and_miss": "Assurance: the process will hit and miss the target",
    "none": "No assurance icon: no target or too few points",
}
VARIATION_SHORT = {
    "common_cause": "common cause", "improving_high": "improving (high)", "improving_low": "improving (low)",
    "concerning_high": "concerning (high)", "concerning_low": "concerning (low)",
    "neither_high": "special cause (high)", "neither_low": "special cause (low)", "none": "no icon",
}
ASSURANCE_SHORT = {
    "consistently_pass": "consistently pass", "consistently_fail": "consistently fail",
    "hit_and_miss": "hit and miss", "none": "no icon",
}
POINT_TEXT = {
    "special_cause_improving": "special cause, improving",
    "special_cause_concerning": "special cause, concerning",
    "special_cause_high": "special cause, high",
    "special_cause_low": "special cause, low",
}
RULE_TEXT = {
    "outside_limits": "outside the process limits",
    "shift": "a run of points on one side of the mean",
    "trend": "a run of points rising or falling",
    "two_in_three": "two of three points near a limit",
}


def esc(text) -> str:
    """Text for SVG/XML content or a quoted attribute; drops characters XML forbids."""
    return _html_escape(_xml_chars(str(text)), quote=True)


def _xml_chars(text: str) -> str:
    return "".join(c if _xml_ok(c) else "\ufffd" for c in text)


def _xml_ok(c: str) -> bool:
    n = ord(c)
    return n in (0x9, 0xA, 0xD) or 0x20 <= n <= 0xD7FF or 0xE000 <= n <= 0xFFFD or 0x10000 <= n <= 0x10FFFF


def _n(x: float) -> str:
    """A coordinate: rounded to 0.1 and without a trailing .0, so output is stable."""
    text = f"{round(x, 1):.1f}"
    text = text[:-2] if text.endswith(".0") else text
    return "0" if text == "-0" else text


def number(value: Optional[float], unit: str = "") -> str:
    """A value as a person reads it on a chart: one decimal, whole numbers as integers."""
    if value is None:
        return "no value"
    if float(value).is_integer() and unit != "percent":
        shown = f"{value:,.0f}"
    else:
        shown = f"{value:,.1f}"
    return shown + ("%" if unit == "percent" else "")


def _open(width: float, height: float, label: str, cls: str, standalone: bool) -> list[str]:
    ns = f' xmlns="{SVG_NS}"' if standalone else ""
    return [f'<svg{ns} class="{cls}" width="{_n(width)}" height="{_n(height)}" viewBox="0 0 {_n(width)} '
            f'{_n(height)}" role="img" aria-label="{esc(label)}" focusable="false">', f"<title>{esc(label)}</title>"]


# --- MDC icons --------------------------------------------------------------


def variation_icon(name: str, *, size: int = 32, standalone: bool = False) -> str:
    """The Making Data Count variation icon: a ringed circle, its colour and letter saying
    which way the special cause points (H higher, L lower) and whether that is good."""
    name = name if name in VARIATION_TEXT else "none"
    label = VARIATION_TEXT[name]
    out = _open(size, size, label, f"icon variation {name.replace('_', '-')}", standalone)
    s = size / 32
    if name == "none":
        out.append(f'<circle cx="{_n(16 * s)}" cy="{_n(16 * s)}" r="{_n(14 * s)}" fill="#FFFFFF" '
                   f'stroke="{COLOURS["common"]}" stroke-width="{_n(1.5 * s)}" stroke-dasharray="{_n(3 * s)} '
                   f'{_n(2 * s)}"/>')
        out.append(_letter("–", s, COLOURS["common"]))
        return "".join(out) + "</svg>"
    kind = ("common" if name == "common_cause" else "improving" if name.startswith("improving")
            else "concerning" if name.startswith("concerning") else "neither")
    colour = COLOURS[kind]
    out.append(f'<circle cx="{_n(16 * s)}" cy="{_n(16 * s)}" r="{_n(14 * s)}" fill="#FFFFFF" stroke="{colour}" '
               f'stroke-width="{_n(2.5 * s)}"/>')
    # Seven dots, as on the MDC icon: flat for common cause, the last ones raised or
    # lowered (and coloured) for special cause.
    high = name.endswith("_high")
    for i in range(7):
        x = (6 + i * 3.3) * s
        y = 22.0
        dot = COLOURS["common"]
        if kind != "common":
            y = 25.0 if high else 19.0
            if i >= 4:
                y += (i - 3) * 1.6 * (-1 if high else 1)
                dot = colour
        out.append(f'<circle cx="{_n(x)}" cy="{_n(y * s)}" r="{_n(1.5 * s)}" fill="{dot}"/>')
    if kind != "common":
        out.append(_letter("H" if high else "L", s, colour, y=14.5, size=10))
    return "".join(out) + "</svg>"


def assurance_icon(name: str, *, size: int = 32, standalone: bool = False) -> str:
    """The Making Data Count assurance icon: P (consistently pass), F (consistently fail),
    or a wavy line (hit and miss), against a target line."""
    name = name if name in ASSURANCE_TEXT else "none"
    label = ASSURANCE_TEXT[name]
    out = _open(size, size, label, f"icon assurance {name.replace('_', '-')}", standalone)
    s = size / 32
    colour = {"consistently_pass": COLOURS["improving"], "consistently_fail": COLOURS["concerning"],
              "hit_and_miss": COLOURS["common"], "none": COLOURS["common"]}[name]
    dash = f' stroke-dasharray="{_n(3 * s)} {_n(2 * s)}"' if name == "none" else ""
    out.append(f'<circle cx="{_n(16 * s)}" cy="{_n(16 * s)}" r="{_n(14 * s)}" fill="#FFFFFF" stroke="{colour}" '
               f'stroke-width="{_n(2.5 * s if name != "none" else 1.5 * s)}"{dash}/>')
    if name == "none":
        out.append(_letter("–", s, colour))
    elif name == "hit_and_miss":
        out.append(f'<line x1="{_n(6 * s)}" y1="{_n(16 * s)}" x2="{_n(26 * s)}" y2="{_n(16 * s)}" '
                   f'stroke="{COLOURS["target"]}" stroke-width="{_n(1.2 * s)}" stroke-dasharray="{_n(2 * s)} '
                   f'{_n(1.5 * s)}"/>')
        path = " ".join(f"{_n((6 + i) * s)},{_n((16 + 5 * math.sin(i / 20 * 2 * math.pi)) * s)}" for i in range(21))
        out.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="{_n(1.8 * s)}"/>')
    else:
        out.append(_letter("P" if name == "consistently_pass" else "F", s, colour))
    return "".join(out) + "</svg>"


def _letter(text: str, s: float, colour: str, y: float = 20.5, size: float = 12) -> str:
    return (f'<text x="{_n(16 * s)}" y="{_n(y * s)}" text-anchor="middle" font-family="Arial, Helvetica, sans-serif" '
            f'font-weight="bold" font-size="{_n(size * s)}" fill="{colour}">{esc(text)}</text>')


# --- sparkline --------------------------------------------------------------


def sparkline(values: Sequence[Optional[float]], *, labels: Sequence[str] = (), unit: str = "",
              width: int = 96, height: int = 24, standalone: bool = False) -> str:
    """A small line of the series, the latest point marked; gaps where values are missing."""
    present = [(i, v) for i, v in enumerate(values) if v is not None]
    if not present:
        label = "Trend: no values"
        return "".join(_open(width, height, label, "sparkline", standalone)) + "</svg>"
    first, last = present[0], present[-1]
    when = (lambda i: f" ({labels[i]})" if i < len(labels) else "")
    label = (f"Trend over {len(values)} periods: from {number(first[1], unit)}{when(first[0])} "
             f"to {number(last[1], unit)}{when(last[0])}")
    out = _open(width, height, label, "sparkline", standalone)
    low = min(v for _, v in present)
    high = max(v for _, v in present)
    span = (high - low) or 1.0
    pad = 3.0
    step = (width - 2 * pad) / max(len(values) - 1, 1)
    x = lambda i: pad + i * step  # noqa: E731
    y = lambda v: height - pad - (v - low) / span * (height - 2 * pad)  # noqa: E731
    for run in _runs(values):
        if len(run) > 1:
            pts = " ".join(f"{_n(x(i))},{_n(y(v))}" for i, v in run)
            out.append(f'<polyline points="{pts}" fill="none" stroke="{COLOURS["common"]}" stroke-width="1.5"/>')
    out.append(f'<circle cx="{_n(x(last[0]))}" cy="{_n(y(last[1]))}" r="2.5" fill="{COLOURS["mean"]}"/>')
    return "".join(out) + "</svg>"


def _runs(values: Sequence[Optional[float]]) -> list[list[tuple[int, float]]]:
    """Consecutive present values, so a missing period breaks the line."""
    runs, current = [], []
    for i, v in enumerate(values):
        if v is None:
            if current:
                runs.append(current)
            current = []
        else:
            current.append((i, v))
    if current:
        runs.append(current)
    return runs


# --- SPC chart --------------------------------------------------------------


def spc_chart(result, labels: Sequence[str] = (), *, title: str = "", unit: str = "",
              target: Optional[float] = None, trajectory: Sequence[Optional[float]] = (),
              width: int = 640, height: int = 260, standalone: bool = True) -> str:
    """An XmR chart of a spc.SpcResult: the series, mean, process limits, the target (the
    result's own unless given) and a planned trajectory, special-cause points marked by
    colour AND shape (circle improving, diamond concerning, square neither), with a
    legend and a text description of what the chart shows."""
    points = list(result.points)
    labels = list(labels) + [str(i + 1) for i in range(len(labels), len(points))]
    target = result.target if target is None else target
    trajectory = list(trajectory)
    label = _chart_label(title, points, labels, unit, target)
    out = _open(width, height, label, "spc-chart", standalone)
    left, right, top, bottom = 52.0, 28.0, 12.0, 58.0
    plot_w, plot_h = width - left - right, height - top - bottom
    numbers = [v for p in points for v in (p.value, p.lpl, p.upl, p.mean) if v is not None]
    numbers += [v for v in trajectory if v is not None]
    if target is not None:
        numbers.append(target)
    if not numbers:
        out.append(f'<text x="{_n(width / 2)}" y="{_n(height / 2)}" text-anchor="middle" '
                   f'font-family="Arial, Helvetica, sans-serif" font-size="13" fill="{COLOURS["text"]}">'
                   f'No values to chart</text>')
        return "".join(out) + "</svg>"
    ticks = _ticks(min(numbers), max(numbers))
    low, high = ticks[0], ticks[-1]
    n = max(len(points), 1)
    step = plot_w / max(n - 1, 1)
    x = lambda i: left + (i * step if n > 1 else plot_w / 2)  # noqa: E731
    y = lambda v: top + plot_h - (v - low) / (high - low) * plot_h  # noqa: E731
    font = 'font-family="Arial, Helvetica, sans-serif"'
    # Axes and gridlines.
    for t in ticks:
        out.append(f'<line x1="{_n(left)}" y1="{_n(y(t))}" x2="{_n(width - right)}" y2="{_n(y(t))}" '
                   f'stroke="{COLOURS["grid"]}" stroke-width="1"/>')
        out.append(f'<text x="{_n(left - 6)}" y="{_n(y(t) + 4)}" text-anchor="end" {font} font-size="11" '
                   f'fill="{COLOURS["text"]}">{esc(_tick_text(t, ticks))}</text>')
    every = max(1, math.ceil(n / 12))
    for i in range(0, n, every):
        out.append(f'<text x="{_n(x(i))}" y="{_n(top + plot_h + 16)}" text-anchor="middle" {font} font-size="10" '
                   f'fill="{COLOURS["text"]}">{esc(labels[i])}</text>')
    out.append(f'<line x1="{_n(left)}" y1="{_n(top + plot_h)}" x2="{_n(width - right)}" y2="{_n(top + plot_h)}" '
               f'stroke="{COLOURS["text"]}" stroke-width="1"/>')
    # Lines: process limits, mean, target, trajectory.
    out += _step_line([(i, p.upl) for i, p in enumerate(points)], x, y, COLOURS["limit"], "6 4", 1.2, "upper limit")
    out += _step_line([(i, p.lpl) for i, p in enumerate(points)], x, y, COLOURS["limit"], "6 4", 1.2, "lower limit")
    out += _step_line([(i, p.mean) for i, p in enumerate(points)], x, y, COLOURS["mean"], "", 1.2, "mean")
    if target is not None:
        out.append(f'<line class="target" x1="{_n(left)}" y1="{_n(y(target))}" x2="{_n(width - right)}" '
                   f'y2="{_n(y(target))}" stroke="{COLOURS["target"]}" stroke-width="2" stroke-dasharray="2 3"/>')
    if any(v is not None for v in trajectory):
        out += _step_line(list(enumerate(trajectory)), x, y, COLOURS["trajectory"], "8 3 2 3", 2, "trajectory")
    # The series and its points.
    for run in _runs([p.value for p in points]):
        if len(run) > 1:
            pts = " ".join(f"{_n(x(i))},{_n(y(v))}" for i, v in run)
            out.append(f'<polyline class="series" points="{pts}" fill="none" stroke="{COLOURS["common"]}" '
                       f'stroke-width="1.5"/>')
    for i, p in enumerate(points):
        if p.value is not None:
            out.append(_marker(p, x(i), y(p.value), labels[i], unit))
    out += _legend(left, height - 18, target is not None, any(v is not None for v in trajectory), font)
    return "".join(out) + "</svg>"


def _chart_label(title, points, labels, unit, target) -> str:
    present = [(i, p) for i, p in enumerate(points) if p.value is not None]
    head = f"SPC chart: {title}. " if title else "SPC chart. "
    if not present:
        return head + "No values."
    i, last = present[-1]
    text = head + (f"{len(points)} periods from {labels[0]} to {labels[-1]}; latest value "
                   f"{number(last.value, unit)} in {labels[i]}.")
    if last.mean is not None:
        text += f" Mean {number(last.mean, unit)}"
        if last.lpl is not None and last.upl is not None:
            text += f", process limits {number(last.lpl, unit)} to {number(last.upl, unit)}"
        text += "."
    if target is not None:
        text += f" Target {number(target, unit)}."
    special = [(labels[j], POINT_TEXT[p.variation]) for j, p in present if p.variation in POINT_TEXT]
    if special:
        text += f" {len(special)} special-cause point{'s' * (len(special) != 1)}: " + \
                "; ".join(f"{when} ({what})" for when, what in special) + "."
    else:
        text += " No special-cause points."
    return text


def _marker(p, cx: float, cy: float, label: str, unit: str) -> str:
    what = POINT_TEXT.get(p.variation)
    tip = f"{label}: {number(p.value, unit)}"
    if what:
        tip += f", {what} (" + ", ".join(RULE_TEXT.get(r, r) for r in p.rules) + ")"
    title = f"<title>{esc(tip)}</title>"
    if p.variation == "special_cause_improving":
        return (f'<circle class="point improving" cx="{_n(cx)}" cy="{_n(cy)}" r="5" fill="{COLOURS["improving"]}" '
                f'stroke="#FFFFFF" stroke-width="1">{title}</circle>')
    if p.variation == "special_cause_concerning":
        d = 6.0
        return (f'<polygon class="point concerning" points="{_n(cx)},{_n(cy - d)} {_n(cx + d)},{_n(cy)} '
                f'{_n(cx)},{_n(cy + d)} {_n(cx - d)},{_n(cy)}" fill="{COLOURS["concerning"]}" stroke="#FFFFFF" '
                f'stroke-width="1">{title}</polygon>')
    if p.variation in ("special_cause_high", "special_cause_low"):
        return (f'<rect class="point neither" x="{_n(cx - 4.5)}" y="{_n(cy - 4.5)}" width="9" height="9" '
                f'fill="{COLOURS["neither"]}" stroke="#FFFFFF" stroke-width="1">{title}</rect>')
    return f'<circle class="point" cx="{_n(cx)}" cy="{_n(cy)}" r="3" fill="{COLOURS["common"]}">{title}</circle>'


def _step_line(pairs, x, y, colour: str, dash: str, stroke: float, name: str) -> list[str]:
    """A horizontal line per point, joined: limits, mean and trajectories step at rebases."""
    out = []
    segment = []
    for i, v in pairs:
        if v is None:
            if segment:
                out.append(segment)
            segment = []
            continue
        segment.append((i, v))
    if segment:
        out.append(segment)
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    lines = []
    for seg in out:
        coords = []
        for k, (i, v) in enumerate(seg):
            coords.append(f"{_n(x(i))},{_n(y(v))}")
            if k + 1 < len(seg) and seg[k + 1][1] != v:
                coords.append(f"{_n(x(i + 1))},{_n(y(v))}")
        if len(seg) == 1:
            coords.append(f"{_n(x(seg[0][0]) + 4)},{_n(y(seg[0][1]))}")
        lines.append(f'<polyline class="{name.replace(" ", "-")}" points="{" ".join(coords)}" fill="none" '
                     f'stroke="{colour}" stroke-width="{_n(stroke)}"{dash_attr}/>')
    return lines


def _legend(x0: float, y0: float, target: bool, trajectory: bool, font: str) -> list[str]:
    items = [("line", COLOURS["common"], "", "value"), ("line", COLOURS["mean"], "", "mean"),
             ("line", COLOURS["limit"], "6 4", "process limits")]
    if target:
        items.append(("line", COLOURS["target"], "2 3", "target"))
    if trajectory:
        items.append(("line", COLOURS["trajectory"], "8 3 2 3", "trajectory"))
    items += [("circle", COLOURS["improving"], "", "improving"), ("diamond", COLOURS["concerning"], "", "concerning"),
              ("square", COLOURS["neither"], "", "neither")]
    out = ['<g class="legend" aria-hidden="true">']
    x = x0
    for kind, colour, dash, text in items:
        if kind == "line":
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            out.append(f'<line x1="{_n(x)}" y1="{_n(y0)}" x2="{_n(x + 18)}" y2="{_n(y0)}" stroke="{colour}" '
                       f'stroke-width="2"{dash_attr}/>')
            x += 22
        elif kind == "circle":
            out.append(f'<circle cx="{_n(x + 5)}" cy="{_n(y0)}" r="5" fill="{colour}"/>')
            x += 14
        elif kind == "diamond":
            out.append(f'<polygon points="{_n(x + 5)},{_n(y0 - 6)} {_n(x + 11)},{_n(y0)} {_n(x + 5)},{_n(y0 + 6)} '
                       f'{_n(x - 1)},{_n(y0)}" fill="{colour}"/>')
            x += 16
        else:
            out.append(f'<rect x="{_n(x)}" y="{_n(y0 - 4.5)}" width="9" height="9" fill="{colour}"/>')
            x += 13
        out.append(f'<text x="{_n(x)}" y="{_n(y0 + 4)}" {font} font-size="11" fill="{COLOURS["text"]}">'
                   f'{esc(text)}</text>')
        x += 7 * len(text) + 12
    out.append("</g>")
    return out


def _ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round-numbered axis ticks covering [low, high]."""
    if high == low:
        pad = abs(low) * 0.05 or 1.0
        low, high = low - pad, high + pad
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.floor(low / step) * step
    stop = math.ceil(high / step) * step
    ticks = []
    k = 0
    while start + k * step <= stop + step * 1e-9:
        ticks.append(round(start + k * step, 10))
        k += 1
    return ticks if len(ticks) > 1 else [start, start + step]


def _tick_text(t: float, ticks: Sequence[float]) -> str:
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1
    decimals = 0 if float(step).is_integer() else min(3, max(1, -math.floor(math.log10(step)) + 1))
    return f"{t:,.{decimals}f}"
