"""Interactive pieces of the notebooks, built on ipywidgets."""

from __future__ import annotations

from pathlib import Path

import ipywidgets as widgets

from lab_support import config
from lab_support.config import DEFAULT_IMAGE, SAMPLE_IMAGES
from lab_support.errors import CourseError


def photo_picker() -> tuple[widgets.Dropdown, widgets.FileUpload, widgets.HBox]:
    """A bundled-photo menu beside an upload button for a photo of your own."""
    photos = sorted(p.name for p in SAMPLE_IMAGES.iterdir() if p.suffix != ".md")
    choice = widgets.Dropdown(
        options=[name for name in photos if (SAMPLE_IMAGES / name).is_file()],
        value=DEFAULT_IMAGE.name,
        description="photo",
    )
    upload = widgets.FileUpload(accept="image/*", multiple=False, description="yours")
    return choice, upload, widgets.HBox([choice, upload])


def chosen_photo(choice: widgets.Dropdown, upload: widgets.FileUpload) -> Path:
    """The uploaded photo if there is one (saved under output/), else the chosen one."""
    if not upload.value:
        return SAMPLE_IMAGES / choice.value
    item = upload.value[0]
    name = Path(item["name"]).name
    if not name:
        raise CourseError("the uploaded file has no name: upload it again")
    folder = config.settings().output_dir / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(bytes(item["content"]))
    return path
