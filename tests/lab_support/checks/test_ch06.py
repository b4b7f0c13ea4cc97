"""Chapter 6's checks fail on wrong answers and pass on the solutions."""

from __future__ import annotations

import json

import pytest

from lab_support import client, config, lambda_lab, trace
from lab_support.checks import ch06
from notebooks.solutions import ch06_ingest_lambda as solution

FIXTURES = config.PROJECT_ROOT / "tests" / "fixtures" / "function_url"
NOT_AN_IMAGE = config.SAMPLE_IMAGES / "tricky" / "not_an_image.jpg"


@pytest.fixture(scope="module")
def unpadded():
    return json.loads((FIXTURES / "post_image_base64_unpadded.json").read_text())


def test_padding_passes_the_solution_only(unpadded):
    right = solution.padding(unpadded)

    assert right == 2
    assert ch06.padding(unpadded, right).ok
    for wrong in (None, 0, 1, 3, "2", 2.0, True):
        assert not ch06.padding(unpadded, wrong).ok, wrong


@pytest.mark.integration
def test_raw_not_an_image_passes_a_raw_upload_only(local_cloud):
    url = local_cloud.endpoints.function_url

    verdict = ch06.raw_not_an_image(url, solution.raw_not_an_image(url))
    assert verdict.ok, verdict

    as_form = client.upload_bytes(url, NOT_AN_IMAGE.name, NOT_AN_IMAGE.read_bytes())
    as_text = client.request(
        "POST", url.rstrip("/") + "/images", b"hello", {"content-type": "image/jpeg"}
    )
    elsewhere = client.request("POST", url.rstrip("/") + "/nowhere", b"x")
    for wrong in (None, as_form.status, as_form, elsewhere):
        assert not ch06.raw_not_an_image(url, wrong).ok, wrong
    assert as_text.status == 415
    assert ch06.raw_not_an_image(url, as_text).ok


@pytest.mark.integration
def test_raw_not_an_image_refuses_an_answer_from_elsewhere(local_cloud):
    forged = client.Response(415, {"x-amzn-requestid": "not-a-request"}, b"{}", 1.0)
    without_id = client.Response(415, {}, b"{}", 1.0)

    url = local_cloud.endpoints.function_url
    assert "no record" in ch06.raw_not_an_image(url, forged).message
    assert "x-amzn-RequestId" in ch06.raw_not_an_image(url, without_id).message


@pytest.mark.integration
def test_billed_duration_passes_the_solution_only(local_cloud):
    photo = config.SAMPLE_IMAGES / "chelsea.png"
    receipt = client.upload(local_cloud.endpoints.function_url, photo)
    log = trace.invocation_log(local_cloud, lambda_lab.request_id(receipt.response))
    fields = lambda_lab.report_fields(log)
    duration = float(fields["Duration"].split()[0])

    right = solution.billed_duration(log)
    assert ch06.billed_duration(log, right).ok
    for wrong in (None, "x", True, right + 1):
        assert not ch06.billed_duration(log, wrong).ok, wrong
    if duration != right:
        assert "that is Duration" in ch06.billed_duration(log, duration).message


def test_report_fields_needs_a_report_line():
    with pytest.raises(Exception, match="no REPORT line"):
        lambda_lab.report_fields("START RequestId: x Version: $LATEST")
