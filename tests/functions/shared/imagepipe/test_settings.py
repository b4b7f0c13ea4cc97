"""imagepipe.settings: defaults, normalisation, and errors that name the variable."""

from __future__ import annotations

import pytest
from imagepipe.settings import OUTPUT_FORMATS, SettingsError, load


def test_defaults_describe_the_local_cloud():
    settings = load({})

    assert (
        settings.pubsub_topic == "projects/cloudevents-course/topics/cec-image-uploads"
    )
    assert settings.results_bucket == "cec-results"
    assert settings.output_format.name == "JPEG"
    assert settings.fit_box == 1024
    assert settings.operation == "grayscale"
    assert settings.aws_region == "us-east-1"


def test_output_format_and_operation_are_case_insensitive():
    settings = load({"OUTPUT_FORMAT": " webp ", "OPERATION": "Caption"})

    assert settings.output_format == OUTPUT_FORMATS["WEBP"]
    assert settings.output_format.extension == "webp"
    assert settings.output_format.content_type == "image/webp"
    assert settings.operation == "caption"


def test_empty_variable_falls_back_to_the_default():
    assert load({"FIT_BOX": "", "OUTPUT_FORMAT": "  "}).fit_box == 1024


@pytest.mark.parametrize(
    ("name", "value", "allowed"),
    [
        ("OUTPUT_FORMAT", "GIF", "JPEG, PNG, WEBP"),
        ("OPERATION", "sepia", "grayscale, caption, none"),
        ("FIT_BOX", "big", "from 16 to 8192"),
        ("FIT_BOX", "0", "from 16 to 8192"),
        ("FIT_BOX", "100000", "from 16 to 8192"),
        ("PUBSUB_TOPIC", "cec-image-uploads", "projects/PROJECT/topics/TOPIC"),
    ],
)
def test_bad_value_error_names_the_variable_and_what_is_allowed(name, value, allowed):
    with pytest.raises(SettingsError) as raised:
        load({name: value})

    assert f"{name}={value!r}" in str(raised.value)
    assert allowed in str(raised.value)
