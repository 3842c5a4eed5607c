"""An admin at their desk, in headless chromium: the admin page with its sections,
a new wall screen added and its one-time enrolment link shown."""

from __future__ import annotations

from tests.browser.contrast import CONTRAST_FAILURES


def test_an_admin_adds_a_wall_screen_and_sees_its_enrolment_link(wall):
    wall.driver.get(wall.server_url + "/admin")
    wall.wait_for_element("#admin-health-body .health-line", timeout=30)
    for section in ("health", "stage", "screens", "accounts", "config"):
        wall.wait_for_element(f"#admin-{section}-section .admin-heading")
    wall.wait_for_element("#admin-stage-now .stage-banner")
    wall.wait_for_element(".settings-table tbody tr")
    wall.wait_for_text_to_equal(".wall-navbar .nav-link.active", "Admin")
    wall.find_element("#admin-screen-label").send_keys("control-room-wall")
    wall.find_element("#admin-screen-add").click()
    link = wall.wait_for_element("#admin-enrol-link", timeout=20)
    assert "/_citywall/enrol/" in link.text
    wall.wait_for_contains_text("#admin-screens", "control-room-wall")
    # every piece of text readable on the dark page: WCAG 2.1 AA contrast
    assert wall.driver.execute_script(CONTRAST_FAILURES) == []
    assert wall.get_logs() == []
