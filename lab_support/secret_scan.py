"""Look for key-shaped strings in the repository and in the bundles that deploy.

No key belongs in code, a notebook or a bundle (DESIGN.md, "Credentials, done
right"): the functions get theirs from the platform at run time. This scan
fails on anything shaped like a credential, real or not; a test that needs a
fake key builds it at run time, so the file never holds one.

Run: python -m lab_support.secret_scan [PATH ...]   (default: the git-tracked files)
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from lab_support.config import PROJECT_ROOT

# Each kind of credential and the shape its issuer gives it.
PATTERNS: Final = {
    "AWS access key id": re.compile(
        r"\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|APKA|AROA|ASCA)"
        r"[A-Z0-9]{16}\b"
    ),
    "AWS secret access key": re.compile(
        r"(?i)aws_?secret_?access_?key\W{0,4}[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])"
    ),
    "private key (PEM)": re.compile(
        r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY"
    ),
    "GCP service-account key": re.compile(r'"private_key(?:_id)?"\s*:\s*"[^"]{16,}'),
    "Google API key": re.compile(r"\bAIza[0-9A-Za-z_\-]{35}\b"),
    "GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"),
    "Slack token": re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
}
# A file with a NUL byte in its first 8 KiB is binary, as git decides it.
_BINARY_PROBE: Final = 8192


@dataclass(frozen=True)
class Finding:
    """One key-shaped string: where it is and what it looks like, never the value."""

    where: str
    line: int
    kind: str

    def __str__(self) -> str:
        return f"{self.where}:{self.line}: looks like a {self.kind}"


def scan_text(text: str, where: str) -> list[Finding]:
    """Return every key-shaped string in a text, by line."""
    findings = []
    for number, line in enumerate(text.splitlines(), start=1):
        for kind, pattern in PATTERNS.items():
            if pattern.search(line):
                findings.append(Finding(where, number, kind))
    return findings


def _text_of(data: bytes) -> str | None:
    if b"\0" in data[:_BINARY_PROBE]:
        return None
    return data.decode("utf-8", errors="replace")


def scan_file(path: Path, where: str | None = None) -> list[Finding]:
    """Scan one file; a zip is scanned member by member."""
    name = where or str(path)
    if zipfile.is_zipfile(path):
        return scan_zip(path, name)
    text = _text_of(path.read_bytes())
    return [] if text is None else scan_text(text, name)


def scan_zip(path: Path, where: str) -> list[Finding]:
    """Scan every text member of a zip archive (a Lambda bundle)."""
    findings = []
    with zipfile.ZipFile(path) as archive:
        for member in archive.namelist():
            text = _text_of(archive.read(member))
            if text is not None:
                findings += scan_text(text, f"{where}!{member}")
    return findings


def tracked_files(root: Path = PROJECT_ROOT) -> list[Path]:
    """Return the files git tracks in the repository."""
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=root, capture_output=True, check=True
    )
    names = [name for name in listed.stdout.decode().split("\0") if name]
    return [root / name for name in names if (root / name).is_file()]


def files_under(folder: Path) -> Iterator[Path]:
    """Every file below a folder (a staged bundle)."""
    return (path for path in sorted(folder.rglob("*")) if path.is_file())


def scan(paths: Iterable[Path], root: Path = PROJECT_ROOT) -> list[Finding]:
    """Scan many files; name each by its path relative to root where it can."""
    findings = []
    for path in paths:
        try:
            where = str(path.relative_to(root))
        except ValueError:
            where = str(path)
        findings += scan_file(path, where)
    return findings


def main(argv: list[str] | None = None) -> int:
    """Print each finding; exit 1 when there is any."""
    parser = argparse.ArgumentParser(prog="python -m lab_support.secret_scan")
    parser.add_argument("paths", nargs="*", type=Path, help="default: tracked files")
    args = parser.parse_args(argv)

    paths: list[Path] = []
    for given in args.paths:
        paths += list(files_under(given)) if given.is_dir() else [given]
    findings = scan(paths or tracked_files())
    for finding in findings:
        print(finding)
    if findings:
        print(
            f"{len(findings)} key-shaped string(s): remove them; a test that needs a "
            "fake key builds it at run time",
            file=sys.stderr,
        )
        return 1
    print("no key-shaped strings found")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
