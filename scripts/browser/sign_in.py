"""Signing in and out of the demo in Debian's Chromium, and a forged cross-site form.

Usage: sign_in.py BASE_URL ARTIFACT_FOLDER

1. Tab one signs in through /login and lands on its notifications; a notification sent with the
   page's own form arrives live.
2. Tab two signs out; tab one's stream ends with `signed-out` and its page says so, without
   reconnecting, and the server holds no stream any more.
3. A page on another origin (127.0.0.2) posts a form to the app's chat: the app refuses it with
   403 and no message is posted.
Screenshots go to ARTIFACT_FOLDER/sign-in-*.png. Prints every failure and exits 1 if any.
"""

import http.server
import signal
import socket
import sys
import threading
import time
from pathlib import Path

from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from live_pages import Demo, Failure, check, start_browser, wait_for

ATTACKER_HOST = "127.0.0.2"


def sign_in(driver, base_url, user_id):
    driver.get(base_url + "/login")
    Select(driver.find_element(By.NAME, "user_id")).select_by_value(str(user_id))
    driver.find_element(By.NAME, "password").send_keys("hyper")
    driver.find_element(By.CSS_SELECTOR, "form[action='/login'] button").click()
    wait_for("the notifications page after sign-in", lambda: driver.current_url.endswith("/notifications"))
    wait_for("the signed-in user's name", lambda: "Signed in as" in driver.find_element(By.TAG_NAME, "nav").text)


def check_live_notification(driver):
    wait_for("the stream to connect", lambda: "Connected to notifications" in driver.page_source)
    driver.find_element(By.NAME, "title").send_keys("Hello from the browser")
    driver.find_element(By.NAME, "message").send_keys("sent to myself")
    driver.find_element(By.CSS_SELECTOR, "form[hx-post] button").click()
    wait_for(
        "the notification to arrive live",
        lambda: "Hello from the browser" in driver.find_element(By.ID, "notifications").text,
    )


def check_sign_out_ends_stream(driver, demo, base_url, artifacts):
    first = driver.current_window_handle
    check(demo.counts()["hubSubscriptions"] == 1, f"expected one live subscription, got {demo.counts()}")
    driver.switch_to.new_window("tab")
    driver.get(base_url + "/")
    driver.find_element(By.CSS_SELECTOR, "#sign-out button").click()
    wait_for("the sign-in page after sign-out", lambda: driver.current_url.endswith("/login"))
    check("Sign in" in driver.find_element(By.TAG_NAME, "nav").text, "the second tab still shows a user")
    driver.close()
    driver.switch_to.window(first)
    notice = driver.find_element(By.ID, "signed-out")
    wait_for("the first tab to say it is signed out", notice.is_displayed)
    check("Signed in as" not in driver.find_element(By.TAG_NAME, "nav").text, "the first tab still names the user")
    driver.save_screenshot(str(artifacts / "sign-in-signed-out.png"))
    demo.wait_for_subscriptions(0)
    # No reconnection: the stream stays closed.
    time.sleep(1.5)
    check(demo.counts()["hubSubscriptions"] == 0, f"the signed-out page reconnected: {demo.counts()}")


class AttackerPage(http.server.BaseHTTPRequestHandler):
    """Serves a page that posts a form to the app as soon as it loads."""

    target = ""

    def do_GET(self):
        body = (
            "<!doctype html><title>Win a prize</title>"
            f'<form id="forged" method="post" action="{self.target}">'
            '<input name="text" value="forged by another origin"></form>'
            "<script>document.getElementById('forged').submit()</script>"
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def check_cross_site_form(driver, base_url, artifacts):
    sign_in(driver, base_url, 1)
    AttackerPage.target = base_url + "/chat/lobby/messages"
    with socket.socket() as probe:
        probe.bind((ATTACKER_HOST, 0))
        port = probe.getsockname()[1]
    attacker = http.server.ThreadingHTTPServer((ATTACKER_HOST, port), AttackerPage)
    threading.Thread(target=attacker.serve_forever, daemon=True).start()
    try:
        driver.get(f"http://{ATTACKER_HOST}:{port}/")
        wait_for("the forged form's answer", lambda: driver.current_url.startswith(base_url))
        answer = driver.find_element(By.TAG_NAME, "body").text
        driver.save_screenshot(str(artifacts / "sign-in-cross-site.png"))
        check("403" in driver.title or "403" in answer, f"the forged post was not refused with 403: {answer!r}")
    finally:
        attacker.shutdown()
        attacker.server_close()
    driver.get(base_url + "/chat/lobby")
    check("forged by another origin" not in driver.page_source, "the forged message was posted")


def main(base_url, artifacts):
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("sign_in.py: stopped by SIGTERM"))
    artifacts.mkdir(parents=True, exist_ok=True)
    demo = Demo(base_url)
    failures = []
    driver = start_browser()
    try:
        for name, step in [
            ("live notification", lambda: (sign_in(driver, base_url, 1), check_live_notification(driver))),
            ("sign-out in another tab", lambda: check_sign_out_ends_stream(driver, demo, base_url, artifacts)),
            ("cross-site form", lambda: check_cross_site_form(driver, base_url, artifacts)),
        ]:
            started = time.monotonic()
            try:
                step()
            except (Failure, WebDriverException) as failure:
                failures.append(f"{name}: {failure}")
                driver.save_screenshot(str(artifacts / f"sign-in-failed-{name.replace(' ', '-')}.png"))
            print(f"{name}: {time.monotonic() - started:.1f} s", flush=True)
    finally:
        driver.quit()
    for failure in failures:
        print(f"FAILED {failure}", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], Path(sys.argv[2])))
