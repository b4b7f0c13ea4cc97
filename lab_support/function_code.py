"""Import a deployable function's own modules and show their source, never a copy.

Each runtime puts its function's folder first on sys.path (Lambda the task
root, functions-framework the folder of main.py), so the modules import each
other by bare name; the notebooks load them the same way.
"""

from __future__ import annotations

import importlib
import inspect
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from lab_support.config import FUNCTIONS_DIR, PROJECT_ROOT
from lab_support.errors import CourseError

FUNCTIONS = ("ingest", "processor")


def folder(function: str) -> Path:
    """Return the folder a function deploys from, or say which functions exist."""
    if function not in FUNCTIONS:
        raise CourseError(
            f"no function called {function!r}: choose one of {', '.join(FUNCTIONS)}"
        )
    return FUNCTIONS_DIR / function


def load(function: str, module: str) -> ModuleType:
    """Import one module of a function with its folder on sys.path, as its runtime."""
    root = folder(function)
    if not (root / f"{module}.py").is_file():
        raise CourseError(f"functions/{function} has no module {module}.py")
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))

    loaded = importlib.import_module(module)
    origin = Path(getattr(loaded, "__file__", "") or "").resolve()
    if origin.parent != root.resolve():
        raise CourseError(
            f"a module named {module!r} is already imported from {origin}; "
            "restart the kernel and load the function's modules first"
        )
    return loaded


def relative(path: str | Path) -> str:
    """Name a file by its path inside the project, as the course refers to it."""
    resolved = Path(path).resolve()
    try:
        return resolved.relative_to(PROJECT_ROOT).as_posix()
    except ValueError:
        return str(resolved)


@dataclass(frozen=True)
class Listing:
    """Source text with the file it comes from; highlighted in JupyterLab."""

    title: str
    source: str

    def __repr__(self) -> str:
        return f"# {self.title}\n{self.source.rstrip()}"

    def _repr_markdown_(self) -> str:
        return f"`{self.title}`\n\n```python\n{self.source.rstrip()}\n```"


def listing(obj: Any) -> Listing:
    """Show the real source of a function, class or module, titled by its file."""
    source = inspect.getsource(obj)
    where = relative(inspect.getsourcefile(obj) or "")
    name = getattr(obj, "__qualname__", None)
    if inspect.ismodule(obj) or not name:
        return Listing(where, source)
    return Listing(f"{where}: {name}", source)
