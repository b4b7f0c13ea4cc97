"""What the notebooks show: tables, the event at each hop, timings and images.

Every helper returns an object that renders as HTML in JupyterLab and as
aligned text elsewhere, so nbval compares the same words a learner reads.
"""

from __future__ import annotations

import html
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageOps

from lab_support.trace import EventTrace

THUMBNAIL_PX = 280


@dataclass
class Table:
    """A small table with a caption; HTML in a notebook, text in a terminal."""

    header: Sequence[str]
    rows: Sequence[Sequence[Any]]
    caption: str = ""

    def _cells(self) -> list[list[str]]:
        return [[str(value) for value in row] for row in self.rows]

    def __repr__(self) -> str:
        cells = [list(self.header), *self._cells()]
        widths = [max(len(row[i]) for row in cells) for i in range(len(self.header))]
        lines = [self.caption] if self.caption else []
        for row in cells:
            lines.append(
                "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
            )
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(h)}</th>" for h in self.header)
        body = "".join(
            "<tr>"
            + "".join(f"<td><code>{html.escape(c)}</code></td>" for c in row)
            + "</tr>"
            for row in self._cells()
        )
        caption = f"<caption>{html.escape(self.caption)}</caption>"
        return (
            f"<table>{caption if self.caption else ''}<thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table>"
        )


def mapping(
    values: Mapping[str, Any],
    caption: str = "",
    header=("name", "value"),
    *,
    sort: bool = False,
) -> Table:
    """Show a mapping (headers, attributes, metadata) as a two-column table.

    sort=True orders the names, for mappings whose order carries no meaning
    (Pub/Sub attributes, HTTP headers) and may differ between deliveries.
    """
    items = sorted(values.items()) if sort else list(values.items())
    return Table(header, items, caption)


def size(n: int, *, exact: bool = True) -> str:
    """Say a byte count the way a person reads it, with the exact figure if asked.

    exact=False suits sizes that wobble by a few bytes between runs, such as a
    JSON envelope that carries a Pub/Sub message id.
    """
    if n < 1024:
        return f"{n} B"
    return f"{n / 1024:.1f} KiB ({n:,} B)" if exact else f"{n / 1024:.1f} KiB"


def message_id_marked(headers: Mapping[str, str]) -> dict[str, str]:
    """Label the Pub/Sub message id in Eventarc headers, so it is not mistaken."""
    return {**headers, "ce-id": f"{headers['ce-id']} (the Pub/Sub message id)"}


def endpoints(local) -> Table:
    """Where each piece of the running local cloud answers."""
    return mapping(vars(local.endpoints), "local cloud endpoints", ("endpoint", "url"))


def hops(trace: EventTrace, result_head: Mapping[str, Any]) -> Table:
    """The same event as each hop saw it: what travelled, and how big it was."""
    event = trace.invocation["event"]
    delivery, processor = trace.delivery, trace.processor
    ce_attributes = ", ".join(sorted(delivery["attributes"]))
    rows = [
        (
            "1 client -> Function URL",
            f"{event['requestContext']['http']['method']} {event['rawPath']}",
            event["headers"].get("content-type", "").split(";")[0],
            size(trace.invocation["body_length"]) + " as base64 text",
        ),
        (
            "2 Lambda -> Pub/Sub",
            "binary content mode",
            ce_attributes,
            size(trace.ingest["bytes"]) + " of message data",
        ),
        (
            "3 Eventarc -> processor",
            delivery["eventarc_headers"]["ce-type"],
            ", ".join(
                h for h in sorted(delivery["eventarc_headers"]) if h[:3] == "ce-"
            ),
            size(delivery["eventarc_body_bytes"], exact=False) + " of JSON",
        ),
        (
            "4 processor -> S3",
            processor["result_key"].split("/")[0] + "/{event id}.jpg",
            result_head["ContentType"],
            size(result_head["ContentLength"]),
        ),
    ]
    return Table(("hop", "what", "names", "size"), rows, "one event, four hops")


def timings(values: Mapping[str, float]) -> Table:
    """Per-hop milliseconds as a table (the chart shows the same figures)."""
    return Table(("hop", "time"), [(hop, f"{ms:.1f} ms") for hop, ms in values.items()])


def timings_chart(
    values: Mapping[str, float],
    title: str = "where the time went",
    unit: str = "milliseconds",
):
    """A horizontal bar per entry, total excluded, so the slow one stands out."""
    import matplotlib.pyplot as plt

    hops_only = {hop: ms for hop, ms in values.items() if hop != "total"}
    figure, axes = plt.subplots(figsize=(6, 0.4 * len(hops_only) + 0.8), dpi=80)
    axes.barh(list(hops_only), list(hops_only.values()), color="#4c72b0")
    axes.invert_yaxis()
    axes.set_xlabel(unit)
    axes.set_title(title)
    figure.tight_layout()
    plt.close(figure)
    return figure


def _thumbnail(source: Path | bytes) -> Image.Image:
    raw = source.read_bytes() if isinstance(source, Path) else source
    with Image.open(io.BytesIO(raw)) as image:
        upright = ImageOps.exif_transpose(image)
        upright.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX))
        return upright.convert("RGB")


def side_by_side(pictures: Iterable[tuple[str, Path | bytes]]):
    """Thumbnails next to each other, each titled, as one small JPEG."""
    from IPython.display import Image as Picture

    items = [(title, _thumbnail(source)) for title, source in pictures]
    gap, caption = 12, 22
    width = sum(thumb.width for _, thumb in items) + gap * (len(items) + 1)
    height = max(thumb.height for _, thumb in items) + caption + gap
    canvas = Image.new("RGB", (width, height), "white")
    pen = ImageDraw.Draw(canvas)
    left = gap
    for title, thumb in items:
        pen.text((left, 4), title, fill="black", font_size=15)
        canvas.paste(thumb, (left, caption))
        left += thumb.width + gap
    encoded = io.BytesIO()
    canvas.save(encoded, "JPEG", quality=82)
    return Picture(data=encoded.getvalue(), format="jpeg")


@dataclass
class Banner:
    """A notice a learner must not miss, such as a cell that needs a real account."""

    title: str
    text: str

    def __repr__(self) -> str:
        return f"!! {self.title}: {self.text}"

    def _repr_html_(self) -> str:
        return (
            '<div style="border:2px solid #b26a00;background:#fff4e0;'
            'color:#4a2c00;padding:8px 12px;margin:4px 0;border-radius:4px">'
            f"<b>&#9888; {html.escape(self.title)}</b><br>{html.escape(self.text)}"
            "</div>"
        )


def banner(title: str, text: str) -> Banner:
    """A boxed warning above a cell, e.g. "Needs your AWS account"."""
    return Banner(title, text)
