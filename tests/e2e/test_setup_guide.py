"""The setup guide in a real browser: beside the fields when wide, above them when narrow,
its commands following what is typed, a working Copy button, and no serious axe violation."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import log_in
from tests.e2e.test_accessibility import assert_no_serious_violations

pytestmark = pytest.mark.e2e


@pytest.fixture
def guide_page(csp_bypassed_page, e2e_user):
    log_in(csp_bypassed_page, e2e_user)
    return csp_bypassed_page


def test_the_guide_fills_in_as_you_type_and_passes_axe(guide_page, axe_source, artifacts):
    page = guide_page
    page.set_viewport_size({"width": 1400, "height": 900})
    page.goto("/connections/new/?type=snowflake")
    guide = page.locator("#setup-guide")
    fields = page.locator("#type-fields fieldset")
    expect(guide).to_be_visible()
    # Wide: side by side, the guide on the right.
    assert (
        guide.bounding_box()["x"] > fields.bounding_box()["x"] + fields.bounding_box()["width"] - 1
    )
    page.locator("#create-form [name=user]").fill('FARA"DAY')
    command = page.locator("#command-1")
    expect(command).to_contain_text('GRANT ROLE <role> TO USER "FARA""DAY";')
    assert_no_serious_violations(page, axe_source, artifacts, "guide-wide")

    origin = page.url.split("/connections")[0]
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=origin)
    page.get_by_role("button", name="Copy A read-only role").click()
    expect(page.locator("#guide-commands .copy-status").first).to_have_text("Copied.")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert 'TO USER "FARA""DAY";' in copied

    # Narrow: the guide comes first, above the fields.
    page.set_viewport_size({"width": 480, "height": 900})
    assert guide.bounding_box()["y"] + guide.bounding_box()["height"] <= fields.bounding_box()["y"]
    assert_no_serious_violations(page, axe_source, artifacts, "guide-narrow")


def test_the_finish_on_your_side_step_passes_axe(
    guide_page, create_in_simulator, axe_source, artifacts
):
    page = guide_page
    created = create_in_simulator(
        "Files for Faraday", type="s3_csv", bucket_name="faraday-acme-x1", aws_region="us-east-1"
    )
    page.goto(f"/connections/{created.id}/")
    step = page.locator("#finish-step")
    expect(step).to_contain_text("Bucket policy for Faraday (S3)")
    expect(step).to_contain_text("arn:aws:s3:::faraday-acme-x1/*")
    expect(step.get_by_role("button", name="I've done it — check again")).to_be_visible()
    assert_no_serious_violations(page, axe_source, artifacts, "finish-step")
