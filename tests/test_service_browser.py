"""The service as people use it, in headless Chromium (Selenium and Debian's chromium-driver): a student signs in
from their link, downloads the bundle, uploads, sees the verdict arrive; the instructor grades, releases and
downloads; the student then sees the hidden tests' results. A screenshot of every page is saved under
tmp_path/screens (look at them: `pytest tests/test_service_browser.py --basetemp=/tmp/shots`)."""
from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the service's extra is not installed (pip install -e '.[service]')")
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install -e '.[test]')")

from selenium.common.exceptions import StaleElementReferenceException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402
from servicekit import ROOT, Server, issue_tokens, public_max, write_roster  # noqa: E402

CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(not (CHROMIUM and DRIVER),
                                reason="needs Debian's chromium and chromium-driver (.ci/run installs them)")


@pytest.fixture
def browser(tmp_path):
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1280,900",
                 f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False})
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=DRIVER))
    driver.downloads = downloads
    driver.screens = tmp_path / "screens"
    driver.screens.mkdir()
    yield driver
    driver.quit()


def shot(driver, name: str) -> None:
    driver.save_screenshot(str(driver.screens / f"{len(list(driver.screens.iterdir())):02d}-{name}.png"))


def downloaded(folder: Path, name: str, timeout: float = 30) -> Path:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [p for p in folder.iterdir() if p.name == name]
        if found and found[0].stat().st_size:
            return found[0]
        time.sleep(0.2)
    raise AssertionError(f"{name} was not downloaded: {sorted(p.name for p in folder.iterdir())}")


def sign_in(driver, server: Server, who: str) -> None:
    driver.delete_all_cookies()
    driver.get(f"{server.url}/signin?token={server.tokens[who]}")


def test_a_student_hands_in_and_the_instructor_grades_and_releases(tmp_path, browser):
    data = tmp_path / "data"
    server = Server(data)
    server.tokens = issue_tokens(data, write_roster(tmp_path / "roster.csv", ["ada", "bruno"]))
    server.start()
    # The live pages replace their parts as results arrive: an element read as it is replaced is read again.
    wait = WebDriverWait(browser, 60, ignored_exceptions=[StaleElementReferenceException])
    try:
        browser.get(server.url)
        shot(browser, "signin")
        sign_in(browser, server, "ada")
        assert "token=" not in browser.current_url and "My assignments" in browser.page_source
        shot(browser, "student-home")
        browser.find_element(By.LINK_TEXT, "hw2").click()
        assert "Late policy" in browser.page_source and "Deadline" in browser.page_source
        shot(browser, "student-assignment")
        browser.find_element(By.PARTIAL_LINK_TEXT, "Download the assignment").click()
        assert downloaded(browser.downloads, "hw2-bundle.zip").stat().st_size > 1000

        browser.find_element(By.ID, "file").send_keys(str(ROOT / "samples/hw2/mistake_update_sign_flipped.py"))
        browser.find_element(By.ID, "submit").click()
        wait.until(EC.presence_of_element_located((By.ID, "outcomes")))  # the page updates itself
        wait.until(lambda d: "failed" in d.find_element(By.ID, "outcomes").text)
        shot(browser, "verdict-mistake")
        browser.find_element(By.PARTIAL_LINK_TEXT, "hw2").click()
        browser.find_element(By.ID, "file").send_keys(str(ROOT / "reference/hw2/backprop.py"))
        browser.find_element(By.ID, "submit").click()
        wait.until(EC.presence_of_element_located((By.ID, "score")))
        full = f"{public_max('hw2'):g}"
        wait.until(lambda d: f"{full} / {full}" in d.find_element(By.ID, "score").text)
        shot(browser, "verdict-full-marks")
        final_page = browser.current_url
        browser.get(f"{server.url}/assignments/hw2")
        assert len(browser.find_elements(By.CSS_SELECTOR, "#history tbody tr")) == 2
        shot(browser, "student-history")

        sign_in(browser, server, "instructor")
        assert browser.current_url.endswith("/instructor")
        shot(browser, "instructor-home")
        browser.find_element(By.LINK_TEXT, "hw2").click()
        browser.find_element(By.ID, "grade").click()
        wait.until(lambda d: "done" in d.find_element(By.ID, "run-state").text)  # the class page is live
        wait.until(lambda d: "30 / 30" in d.find_element(By.ID, "class-table").text)
        shot(browser, "class-graded")
        browser.find_element(By.ID, "release").click()
        wait.until(lambda d: "run #1" in d.find_element(By.ID, "release-state").text)
        shot(browser, "class-released")
        browser.find_element(By.ID, "grades-csv").click()
        grades = downloaded(browser.downloads, "hw2_grades.csv").read_text()
        assert grades.startswith("student_id,score,max_score,status") and "ada,30.0,30.0,graded" in grades
        browser.find_element(By.LINK_TEXT, "csv").click()
        assert "ada" in downloaded(browser.downloads, "hw2_csv.csv").read_text()
        browser.find_element(By.ID, "canvas-id").send_keys("4242")
        browser.find_element(By.ID, "canvas-id").submit()
        try:
            assert "(4242)" in downloaded(browser.downloads, "hw2_canvas.csv").read_text()
        finally:
            shot(browser, "canvas-export")
        browser.find_element(By.LINK_TEXT, "ada").click()
        assert len(browser.find_elements(By.CSS_SELECTOR, "tbody tr")) == 2
        shot(browser, "instructor-student-history")

        sign_in(browser, server, "ada")
        browser.get(final_page)
        assert "Final result" in browser.page_source and "30 / 30" in browser.find_element(By.ID, "score").text
        assert "(hidden)" in browser.find_element(By.ID, "outcomes").text
        shot(browser, "verdict-released")
    finally:
        server.stop()
