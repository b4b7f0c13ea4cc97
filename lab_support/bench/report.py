"""The benchmark's targets, their verdicts, and the report a person reads."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from lab_support.trace import HOPS

TARGET_IMAGE: Final = "grace_hopper.jpg"


@dataclass(frozen=True)
class Target:
    """One number the project holds itself to, on a 2-core machine."""

    name: str
    what: str
    limit: float
    unit: str
    at_most: bool

    def verdict(self, measured: float) -> dict[str, Any]:
        """Compare a measured value with the limit; the ratio is measured / limit."""
        ratio = measured / self.limit
        met = ratio <= 1 if self.at_most else ratio >= 1
        return {
            "name": self.name,
            "what": self.what,
            "measured": round(measured, 3),
            "limit": self.limit,
            "unit": self.unit,
            "at_most": self.at_most,
            "ratio": round(ratio, 3),
            "met": met,
        }


TARGETS: Final = (
    Target(
        "e2e_median_ms",
        f"end-to-end median, {TARGET_IMAGE} upload to result in S3",
        100.0,
        "ms",
        at_most=True,
    ),
    Target(
        "throughput_ratio",
        "pipeline throughput / processing-only throughput",
        0.5,
        "",
        at_most=False,
    ),
    Target("startup_s", "local cloud start-up, median", 5.0, "s", at_most=True),
    Target(
        "memory_mb",
        "local cloud resident memory under load, p95",
        800.0,
        "MB",
        at_most=True,
    ),
)


def measured(results: Mapping[str, Any]) -> dict[str, float | None]:
    """Pick from the results the value each target is judged on."""
    latency = results["latency_ms"].get(TARGET_IMAGE)
    startup = results["startup_s"]
    memory = results["memory"]
    return {
        "e2e_median_ms": latency["to_s3"]["median"] if latency else None,
        "throughput_ratio": results["throughput"]["ratio"],
        "startup_s": startup["median"] if startup else None,
        "memory_mb": memory["under_load_total_mb"]["p95"] if memory else None,
    }


def verdicts(results: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Return one verdict per target that this run could measure."""
    values = measured(results)
    return [
        target.verdict(values[target.name])
        for target in TARGETS
        if values[target.name] is not None
    ]


def _pair(stat: Mapping[str, Any]) -> str:
    return f"{stat['median']:g} / {stat['p95']:g}"


def _verdict_line(verdict: Mapping[str, Any]) -> str:
    sign = "<=" if verdict["at_most"] else ">="
    unit = f" {verdict['unit']}" if verdict["unit"] else ""
    ratio = verdict["ratio"]
    if verdict["met"]:
        outcome = "met"
    elif verdict["at_most"]:
        outcome = f"MISSED: {ratio - 1:.0%} over"
    else:
        outcome = f"MISSED: {1 - ratio:.0%} short"
    return (
        f"  {verdict['what']:<55} {verdict['measured']:>8g}{unit:<3} "
        f"{sign} {verdict['limit']:g}{unit:<3} ratio {ratio:<6.2f} {outcome}"
    )


def _cpu_line(per_image: Mapping[str, float], alone: Mapping[str, Any]) -> str:
    spent = ", ".join(f"{name} {ms:g}" for name, ms in per_image.items())
    services = sum(ms for name, ms in per_image.items() if name != "clients")
    return (
        f"  CPU ms per image: {spent}; services {services:.1f}, the processing "
        f"step alone {_pair(alone)}"
    )


def render(results: Mapping[str, Any]) -> str:
    """Render the results as the text report a person reads at a terminal."""
    machine = results["machine"]
    lines = [
        f"benchmark ({'quick' if results['quick'] else 'full'}): {machine['cpus']} "
        f"cores, Python {machine['python']}, delivery {machine['delivery']}, "
        f"{machine['date']}, load {machine['load_1m_before']:.2f} before / "
        f"{machine['load_1m_after']:.2f} after",
        "",
        "targets (ratio = measured / target)",
        *(_verdict_line(v) for v in results["targets"]),
        "",
        "end-to-end latency, ms, median / p95 ("
        f"{next(iter(results['latency_ms'].values()))['to_s3']['runs']} runs a photo)",
        f"  {'photo':<22} {'bytes':>8}  {'to S3':>13}  {'round trip':>13}  "
        + "  ".join(f"{hop:>11}" for hop in HOPS),
    ]
    for name, photo in results["latency_ms"].items():
        hops = "  ".join(f"{_pair(photo['hops'][hop]):>11}" for hop in HOPS)
        lines.append(
            f"  {name:<22} {photo['bytes']:>8}  {_pair(photo['to_s3']):>13}  "
            f"{_pair(photo['total']):>13}  {hops}"
        )
    idle = results["latency_after_idle_ms"]
    lines.append(
        f"  after {idle['idle_s']:g} s idle ({TARGET_IMAGE}, {idle['to_s3']['runs']} "
        f"runs): to S3 {_pair(idle['to_s3'])}, delivery "
        f"{_pair(idle['hops']['delivery'])}"
    )

    flow = results["throughput"]
    pipeline, alone = flow["pipeline"], flow["processing_only"]
    lines += [
        "",
        f"throughput, images/s, median / p95 ({flow['image']})",
        f"  pipeline, {pipeline['clients']} clients, {pipeline['images_per_round']} "
        f"images a round: {_pair(pipeline['images_per_s'])}; latency under load "
        f"{_pair(pipeline['latency_under_load_ms'])} ms",
        *(
            f"  processing only, {key.replace('_', ' ')}: {_pair(stat)}"
            for key, stat in alone.items()
            if key.startswith("threads_")
        ),
        f"  ratio pipeline / processing only (best): {flow['ratio']:.2f}",
        _cpu_line(pipeline["cpu_ms_per_image"], alone["cpu_ms_per_image"]),
        f"  ratio the CPU alone allows (step CPU / services' CPU): "
        f"{flow['cpu_bound_ratio']:.2f}",
    ]

    codec = results["encoding"]
    lines += [
        "",
        f"content modes, {codec['image']} ({codec['image_bytes']} bytes); "
        "codec times in microseconds, median / p95",
        f"  {'mode':<18} {'metadata':>8} {'payload':>8} {'wire':>8} {'overhead':>8}"
        f"  {'encode':>15}  {'decode':>15}",
    ]
    for mode, row in codec.items():
        if not isinstance(row, dict):
            continue
        lines.append(
            f"  {mode:<18} {row['metadata_bytes']:>8} {row['payload_bytes']:>8} "
            f"{row['wire_bytes']:>8} {row['overhead_pct']:>7g}%  "
            f"{_pair(row['encode_us']):>15}  {_pair(row['decode_us']):>15}"
        )

    lines.append("")
    startup = results["startup_s"]
    if startup:
        lines.append(
            f"start-up, up to every endpoint answering: {_pair(startup)} s "
            f"({startup['runs']} runs)"
        )
    else:
        lines.append("start-up: not measured (reused a running local cloud)")
    memory = results["memory"]
    if memory:
        peak = ", ".join(f"{k} {v:g}" for k, v in memory["under_load_peak_mb"].items())
        lines.append(
            f"resident memory: {memory['after_start_total_mb']:g} MB after start, "
            f"{_pair(memory['under_load_total_mb'])} MB under load (peak: {peak})"
        )
    nbval = results["nbval"]
    if "wall_s" in nbval:
        cells = ", ".join(f"{n} {kind}" for kind, n in nbval["cells"].items())
        wall = nbval["wall_s"]["median"]
        lines.append(
            f"nbval run of {nbval['notebooks']} notebooks: {wall:g} s "
            f"(exit {nbval['exit_code']}; {cells})"
        )
        lines += [f"  failed: {failure[:150]}" for failure in nbval["failed"]]
    else:
        lines.append(f"nbval run: skipped ({nbval['skipped']})")
    return "\n".join(lines)
