"""The deployment as data: ordered steps that a dry run prints and a real run makes.

Each step names its cloud, what it does, the resource it creates or removes and
the tag that resource carries, plus the exact call: a boto3 client call or a
gcloud command line. A dry run and a real run walk the same steps, so what the
dry run prints is what the real run does.
"""

from __future__ import annotations

import json
import pprint
import re
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, TextIO

# Values only a real run can find out (an account id, a service account's
# unique id) are shown as <name> until they are known.
PLACEHOLDER: Final = re.compile(r"<[a-z0-9-]+>")
# Printed calls wrap near this width, so a notebook cell shows them unbroken.
_WIDTH: Final = 80


class Facts:
    """What a run has found out so far; unknown values read as `<name>`."""

    def __init__(self, known: Mapping[str, Any] | None = None) -> None:
        self._values: dict[str, Any] = dict(known or {})

    def __getitem__(self, name: str) -> Any:
        return self._values.get(name, f"<{name}>")

    def __contains__(self, name: str) -> bool:
        return name in self._values

    def get(self, name: str, default: Any = None) -> Any:
        return self._values.get(name, default)

    def set(self, name: str, value: Any) -> None:
        self._values[name] = value


@dataclass(frozen=True)
class LocalPath:
    """A local path, shown the way a reader would type it on this machine."""

    path: Path
    shown: str

    def __str__(self) -> str:
        return str(self.path)

    def flag(self, name: str) -> ShownArg:
        """`--name=PATH`, run with the real path and shown the readable way."""
        return ShownArg(f"{name}={self.path}", f"{name}={self.shown}")


@dataclass(frozen=True)
class ShownArg:
    """A command-line word run with one value and printed as another (a path)."""

    value: str
    shown: str

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class FileContent:
    """A file's content, read only when the call is made, so a dry run reads nothing."""

    file: LocalPath
    text: bool = False

    def read(self) -> bytes | str:
        if self.text:
            return self.file.path.read_text(encoding="utf-8")
        return self.file.path.read_bytes()

    def __repr__(self) -> str:
        return f"<contents of {self.file.shown}>"


@dataclass(frozen=True)
class JsonText:
    """A JSON document passed as a string (IAM and S3 policies), shown indented."""

    document: Mapping[str, Any]

    def dumps(self) -> str:
        return json.dumps(self.document, separators=(",", ":"))

    def __repr__(self) -> str:
        body = json.dumps(self.document, indent=2)
        return "json.dumps(" + body.replace("\n", "\n    ") + ")"


def resolve(value: Any) -> Any:
    """Turn a call's parameters into what boto3 takes: files read, JSON dumped."""
    if isinstance(value, FileContent):
        return value.read()
    if isinstance(value, JsonText):
        return value.dumps()
    if isinstance(value, LocalPath):
        return str(value)
    if isinstance(value, Mapping):
        return {key: resolve(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [resolve(item) for item in value]
    return value


@dataclass(frozen=True)
class ApiCall:
    """One boto3 client call, as data, so it can be printed before it is made."""

    service: str
    operation: str
    params: Mapping[str, Any] = field(default_factory=dict)
    display: str = ""

    def render(self) -> str:
        if self.display:
            return self.display
        if not self.params:
            return f"{self.service}.{self.operation}()"
        lines = [f"{self.service}.{self.operation}("]
        for key, value in self.params.items():
            lead = f"    {key}="
            if isinstance(value, Mapping | list):
                text = pprint.pformat(value, width=_WIDTH - len(lead), sort_dicts=False)
                text = text.replace("\n", "\n" + " " * len(lead))
            else:
                text = repr(value)
            lines.append(f"{lead}{text},")
        lines.append(")")
        return "\n".join(lines)


@dataclass(frozen=True)
class Command:
    """One gcloud command line: positional words first, then one flag a line."""

    argv: tuple[str | LocalPath | ShownArg, ...]

    def args(self) -> list[str]:
        return [str(arg) for arg in self.argv]

    def render(self) -> str:
        words = [_shell_word(arg) for arg in self.argv]
        first = next(
            (i for i, word in enumerate(words) if word.startswith("-")), len(words)
        )
        return " \\\n    ".join([*_wrap(words[:first]), *words[first:]])


def _wrap(words: list[str]) -> list[str]:
    """Join words into lines near the print width, never splitting a word."""
    lines: list[str] = []
    for word in words:
        if lines and len(lines[-1]) + 1 + len(word) <= _WIDTH:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


def _shell_word(arg: str | LocalPath | ShownArg) -> str:
    if isinstance(arg, LocalPath | ShownArg):
        return arg.shown
    if "=" in arg and arg.startswith("--"):
        flag, value = arg.split("=", 1)
        return f"{flag}={_quote(value)}"
    return _quote(arg)


def _quote(word: str) -> str:
    # CEL expressions are full of single quotes; double quotes keep them readable.
    if "'" in word and not set('"$`\\!') & set(word):
        return f'"{word}"'
    return shlex.quote(word)


@dataclass(frozen=True)
class LocalAction:
    """Work done on this machine (building a bundle), described for the plan."""

    description: str
    action: Callable[[], Any]

    def render(self) -> str:
        return self.description


@dataclass(frozen=True, kw_only=True)
class Step:
    """One thing a run does, in order; `produces` names the fact it finds out."""

    cloud: str
    verb: str
    resource: str
    call: ApiCall | Command | LocalAction
    tag: str = ""
    produces: str = ""
    note: str = ""

    def heading(self, number: int) -> str:
        text = f"{number:>2}. {self.cloud:<5} {self.verb:<9} {self.resource}"
        if self.tag:
            text += f"  [{self.tag}]"
        if self.produces:
            text += f"  -> <{self.produces}>"
        return text

    def render(self, number: int) -> str:
        body = self.call.render()
        if self.note:
            body += f"\n# {self.note}"
        indented = "\n".join(f"    {line}" for line in body.splitlines())
        return f"{self.heading(number)}\n{indented}"


class Printer:
    """Numbers steps across the whole run and writes them out, executing nothing."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.count = 0

    def run(self, step: Step, facts: Facts) -> None:
        self.count += 1
        print(step.render(self.count), file=self.out)


def unresolved(step: Step) -> list[str]:
    """The placeholders a step still holds, which a real run must never send."""
    return sorted(set(PLACEHOLDER.findall(step.call.render())))
