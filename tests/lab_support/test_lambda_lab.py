"""lambda_lab reads the local Lambda host's records and its REPORT lines."""

from __future__ import annotations

import pytest

from lab_support import client, config, lambda_lab
from lab_support.errors import CourseError

LOG = (
    "START RequestId: r-1 Version: $LATEST\n"
    '{"outcome":"published"}\n'
    "END RequestId: r-1\n"
    "REPORT RequestId: r-1\tDuration: 12.34 ms\tBilled Duration: 13 ms\t"
    "Memory Size: 512 MB\tMax Memory Used: 81 MB\tInit Duration: 300.10 ms"
)


def test_report_fields_reads_every_field_of_the_report_line():
    assert lambda_lab.report_fields(LOG) == {
        "RequestId": "r-1",
        "Duration": "12.34 ms",
        "Billed Duration": "13 ms",
        "Memory Size": "512 MB",
        "Max Memory Used": "81 MB",
        "Init Duration": "300.10 ms",
    }


def test_report_fields_says_what_to_pass_without_a_report_line():
    with pytest.raises(CourseError, match="trace.invocation_log"):
        lambda_lab.report_fields(LOG.rsplit("\n", 1)[0])


def test_flatten_names_nested_fields_with_dots_and_keeps_empty_mappings():
    event = {"a": 1, "b": {"c": {"d": 2}, "e": "x"}, "f": {}}

    assert lambda_lab.flatten(event) == {"a": 1, "b.c.d": 2, "b.e": "x", "f": {}}


def test_request_id_explains_an_answer_without_one():
    with pytest.raises(CourseError, match="x-amzn-RequestId"):
        lambda_lab.request_id(client.Response(200, {}, b"", 1.0))


@pytest.mark.integration
def test_invocation_finds_the_event_of_a_request(local_cloud):
    url = local_cloud.endpoints.function_url
    photo = config.SAMPLE_IMAGES / "coffee.png"
    answer = client.upload_bytes(url, photo.name, photo.read_bytes())

    record = lambda_lab.invocation(url, lambda_lab.request_id(answer))

    assert record["status_code"] == answer.status == 202
    assert record["event"]["rawPath"] == "/images"
    assert record["event"]["isBase64Encoded"] is True
    with pytest.raises(CourseError, match="no record of request"):
        lambda_lab.invocation(url, "not-a-request")
