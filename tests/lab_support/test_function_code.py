"""function_code imports the deployable modules themselves and lists their source."""

from __future__ import annotations

import sys

import pytest

from lab_support import function_code
from lab_support.config import FUNCTIONS_DIR
from lab_support.errors import CourseError


def test_load_imports_the_module_from_the_function_folder():
    module = function_code.load("ingest", "http_response")

    where = function_code.relative(module.__file__)
    assert where == "functions/ingest/http_response.py"
    assert str(FUNCTIONS_DIR / "ingest") in sys.path


def test_load_refuses_unknown_functions_and_modules():
    with pytest.raises(CourseError, match="choose one of ingest, processor"):
        function_code.load("billing", "main")
    with pytest.raises(CourseError, match="has no module nothing_here.py"):
        function_code.load("ingest", "nothing_here")


def test_load_refuses_a_same_named_module_from_elsewhere(monkeypatch, tmp_path):
    (tmp_path / "json.py").write_text("")
    monkeypatch.setattr(function_code, "folder", lambda name: tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))

    with pytest.raises(CourseError, match="already imported from"):
        function_code.load("ingest", "json")


def test_listing_names_the_file_and_renders_as_text_and_markdown():
    module = function_code.load("ingest", "http_response")

    shown = function_code.listing(module.json_response)

    text = repr(shown)
    assert text.startswith("# functions/ingest/http_response.py: json_response\n")
    assert "def json_response(" in text
    assert shown._repr_markdown_().startswith(
        "`functions/ingest/http_response.py: json_response`\n\n```python\ndef "
    )


def test_listing_of_a_module_is_titled_by_its_file_only():
    module = function_code.load("ingest", "http_response")

    assert repr(function_code.listing(module)).startswith(
        "# functions/ingest/http_response.py\n"
    )
