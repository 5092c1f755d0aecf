"""The demo's live pages in Debian's Chromium with real htmx, checked the way a user sees them.

Usage: live_pages.py BASE_URL ARTIFACT_FOLDER

Each page opens in a window of its own, is checked in the DOM, photographed into
ARTIFACT_FOLDER/<page>.png and closed, which closes its streams; the server's open streams must
then drop back to none. Prints every failure and exits 1 if there was any.

Chat is for the signed-in: the browser first signs in as Ada (user 1) through the /login form,
and the script's own posts (urllib) are Grace's (user 2), with her session's cookie and the CSRF
token of her page's <meta name="csrf-token">.
"""

import concurrent.futures
import html
import json
import re
import signal
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
TIMEOUT = 15  # seconds any one awaited condition may take (the browser runs at the lowest priority)
SETTLE = 1.5  # seconds the live feed must stay consistent after its checks


class Failure(Exception):
    pass


def wait_for(description, condition, timeout=TIMEOUT):
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise Failure(f"waited {timeout} s for {description}")
        time.sleep(0.05)
    return value


def check(condition, message):
    if not condition:
        raise Failure(message)


class NoRedirects(urllib.request.HTTPRedirectHandler):
    """Hands a redirect back as the response: its Set-Cookie must be read before it is followed."""

    def redirect_request(self, *args, **kwargs):
        return None


class Demo:
    """The demo at `base_url`, as the script reaches it: signed in as `user_id` with urllib."""

    PASSWORD = "hyper"  # every sample user's, in the demo only

    def __init__(self, base_url, user_id="2"):
        self.base_url = base_url
        self.cookie = None
        self.csrf_token = None
        self.sign_in(user_id)

    def sign_in(self, user_id):
        """POSTs the sign-in form, keeps the session cookie of its 303, and reads the CSRF token
        from the page it leads to."""
        data = urllib.parse.urlencode({"user_id": user_id, "password": self.PASSWORD}).encode()
        opener = urllib.request.build_opener(NoRedirects)
        try:
            response = opener.open(self.base_url + "/login", data=data, timeout=TIMEOUT)
            status, headers = response.status, response.headers
            response.close()
        except urllib.error.HTTPError as error:  # the 303, handed back unfollowed
            status, headers = error.code, error.headers
        check(status == 303, f"POST /login as user {user_id} answered {status}, not 303")
        cookies = [value.split(";", 1)[0] for value in headers.get_all("Set-Cookie") or []]
        check(cookies, "POST /login set no cookie")
        self.cookie = "; ".join(cookies)
        location = urllib.parse.urljoin(self.base_url + "/login", headers["Location"])
        request = urllib.request.Request(location, headers={"Cookie": self.cookie})
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            page = response.read().decode()
        match = re.search(r'<meta name="csrf-token" content="([^"]*)"', page)
        check(match, f"the page after signing in ({location}) carries no csrf-token meta tag")
        self.csrf_token = html.unescape(match.group(1))

    def counts(self):
        with urllib.request.urlopen(self.base_url + "/debug/counts", timeout=TIMEOUT) as response:
            return json.load(response)

    def post(self, path, fields=None):
        data = urllib.parse.urlencode(fields or {}).encode()
        headers = {"Cookie": self.cookie, "X-CSRF-Token": self.csrf_token}
        request = urllib.request.Request(self.base_url + path, data=data, headers=headers)
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            check(response.status == 200, f"POST {path} answered {response.status}")

    def wait_for_subscriptions(self, expected):
        wait_for(
            f"{expected} live subscription(s) on the server",
            lambda: self.counts()["hubSubscriptions"] == expected,
        )

    def wait_until_no_streams(self, page):
        counts = {}

        def idle():
            # Only the /debug/counts request itself may be running.
            counts.update(self.counts())
            return counts["runningRouteTasks"] == 1 and counts["hubSubscriptions"] == 0

        try:
            wait_for(f"the streams of {page} to end on the server", idle)
        except Failure as failure:
            raise Failure(f"{failure}; /debug/counts says {counts}") from None


def start_browser():
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1000,700"]:
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(TIMEOUT)
    driver.set_script_timeout(TIMEOUT)
    return driver


def sign_in(driver, demo, user_id="1", name="Ada Lovelace"):
    """Signs the browser in through the /login form, in a window of its own (the cookie then goes
    with every window), checks it lands on the user's notifications, and closes the window, which
    closes the page's stream (navigating away may keep the page, and its stream, in the
    back/forward cache)."""
    home = driver.current_window_handle
    driver.switch_to.new_window("window")
    driver.get(demo.base_url + "/login")
    Select(driver.find_element(By.NAME, "user_id")).select_by_value(user_id)
    driver.find_element(By.NAME, "password").send_keys(Demo.PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "form[action='/login'] button").click()
    try:
        wait_for("the notifications page after signing in", lambda: driver.current_url.endswith("/notifications"))
    except Failure as failure:
        page = driver.execute_script("return document.body ? document.body.innerText : ''")[:200]
        raise Failure(f"{failure}; the browser shows {driver.current_url}: {page!r}") from None
    heading = wait_for("the notifications heading", lambda: texts(driver, "h1"))
    check(heading == [f"Notifications for {name}"], f"signed in, the notifications page reads {heading}")
    signed_in = texts(driver, "#signed-in-as")
    check(signed_in == [f"Signed in as {name}"], f"the page says {signed_in}, not signed in as {name}")
    driver.close()
    driver.switch_to.window(home)


def open_page(driver, url):
    driver.get(url)
    loaded = "return window.htmx && htmx.createEventSource && htmx.version"
    version = wait_for("htmx and its SSE extension to load", lambda: driver.execute_script(loaded))
    check(version.startswith("2."), f"{url} runs htmx {version}, not htmx 2")


def texts(driver, selector):
    """The rendered text of each element matching `selector`, read at one instant."""
    script = "return [...document.querySelectorAll(arguments[0])].map(element => element.innerText)"
    return driver.execute_script(script, selector)


def check_live_feed(driver, demo):
    # Posts come at least a second apart, so their second-resolution timestamps differ.
    open_page(driver, demo.base_url + "/live-feed?interval_ms=1000")
    feed = "[sse-connect^='/stream/feed']"

    def check_feed():
        # One read each: a post may arrive between two reads of the whole feed.
        others = texts(driver, feed + " > :not(.post)")
        check(others == ["Feed connected"], f"the feed holds more than its connected message and posts: {others}")
        check(texts(driver, feed + " > *")[:1] == ["Feed connected"], "the feed does not start with the connected message")
        posts = texts(driver, feed + " > .post > h3")
        check(posts == sorted(set(posts)), f"posts repeated or out of order: {posts}")
        return len(posts)

    wait_for("two posts in the feed", lambda: len(texts(driver, feed + " > .post")) >= 2)
    before = check_feed()
    time.sleep(SETTLE)
    after = check_feed()
    check(after >= before, f"the feed shrank from {before} to {after} posts")


def check_dashboard(driver, demo):
    open_page(driver, demo.base_url + "/dashboard-live?interval_ms=200")
    # Marks what is on screen, then waits until a later event has replaced it.
    for selector, target in [(".metrics", "metric"), ("#status > span", "status")]:
        wait_for(f"a first {target} event", lambda: texts(driver, selector))
        driver.execute_script(f"document.querySelector({selector!r}).dataset.seen = 'yes'")
        wait_for(
            f"the {target} target to be replaced by a later event",
            lambda: driver.find_elements(By.CSS_SELECTOR, f"{selector}:not([data-seen])"),
        )
    metrics = texts(driver, "[sse-swap='metric'] > *")
    check(len(metrics) == 1, f"the metric target holds {len(metrics)} elements, not one: {metrics}")
    check(metrics[0].startswith("CPU: "), f"the metric reads {metrics[0]!r}")
    status = texts(driver, "#status > *")
    check(len(status) == 1 and status[0].startswith("Load "), f"the status reads {status}")


def check_chat(driver, demo):
    room = demo.base_url + "/chat/browser-test"
    open_page(driver, room)
    first = driver.current_window_handle
    driver.switch_to.new_window("window")
    open_page(driver, room)
    second = driver.current_window_handle
    demo.wait_for_subscriptions(2)
    # The author is whoever is signed in: Ada in both windows of the browser.
    sent = [
        (first, "Ada Lovelace", "<b>bold?</b> & <script>alert(1)</script>"),
        (second, "Ada Lovelace", "Hello, Ada!"),
    ]
    for window, user, text in sent:
        driver.switch_to.window(window)
        driver.find_element(By.NAME, "text").send_keys(text)
        driver.find_element(By.CSS_SELECTOR, "main form button").click()
        text_field = driver.find_element(By.NAME, "text")
        wait_for("the form to be reset after posting", lambda: text_field.get_attribute("value") == "")
    expected = [(user, text) for _, user, text in sent]
    for number, window in enumerate((first, second), start=1):
        driver.switch_to.window(window)
        wait_for(f"both messages in window {number}", lambda: len(texts(driver, "#messages .message")) == 2)
        shown = list(zip(texts(driver, "#messages .message strong"), texts(driver, "#messages .message p")))
        check(shown == expected, f"window {number} shows {shown}, not {expected}")
        elements = driver.find_elements(By.CSS_SELECTOR, "#messages b, #messages script")
        check(not elements, f"markup in a message became elements in window {number}")


def check_chat_reconnect(driver, demo):
    """While messages are posted, the server cuts the room's stream twice: once EventSource
    reconnects by itself (Last-Event-ID), once its reconnections get 503 until it gives up and htmx
    opens a new one (on the page's after= link). Every message must show exactly once, in order."""
    room = "reconnect-test"
    sent = []

    def send(count):
        for _ in range(count):
            text = f"message {len(sent) + 1}"
            demo.post(f"/chat/{room}/messages", {"text": text})
            sent.append(text)
            time.sleep(0.02)

    send(3)  # before the page: rendered by it, not sent again by its stream
    open_page(driver, f"{demo.base_url}/chat/{room}")
    driver.execute_script(
        "window.streamOpens = 0; document.addEventListener('htmx:sseOpen', () => window.streamOpens++)")
    demo.wait_for_subscriptions(1)
    opens = lambda: driver.execute_script("return window.streamOpens")
    for refusals in (0, 2):
        send(8)
        before = opens()
        demo.post(f"/debug/chat/{room}/cut?refuse={refusals}")
        send(8)  # while the stream is down
        wait_for(f"the stream to reconnect after a cut refusing {refusals}", lambda: opens() > before)
    send(3)
    wait_for(f"all {len(sent)} messages", lambda: len(texts(driver, "#messages .message p")) >= len(sent))
    time.sleep(SETTLE)
    shown = texts(driver, "#messages .message p")
    check(shown == sent, f"the page shows {shown}, not {sent}")


def check_chat_reset(driver, demo):
    """The room's stream is down (cut, reconnections refused) while more messages are posted than
    history holds: on reconnecting it gets `reset`, and the page re-renders the room with the 50
    newest messages and a new stream link, which then carries on live."""
    room = "reset-test"
    open_page(driver, f"{demo.base_url}/chat/{room}")
    driver.execute_script(
        "window.resets = 0;"
        "document.addEventListener('htmx:sseMessage', event => { if (event.detail.type === 'reset') window.resets++ })")
    demo.wait_for_subscriptions(1)
    demo.post(f"/debug/chat/{room}/cut?refuse=4")
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as posters:
        list(posters.map(lambda number: demo.post(f"/chat/{room}/messages", {"text": f"m{number}"}),
                         range(1, 1101)))
    wait_for("the room re-rendered after reset", lambda: len(texts(driver, "#messages .message p")) == 50, timeout=30)
    shown = texts(driver, "#messages .message p")
    check(len(set(shown)) == 50, f"the re-rendered room repeats messages: {shown}")
    resets = driver.execute_script("return window.resets")
    check(resets == 1, f"the page received {resets} reset events, not 1")
    demo.wait_for_subscriptions(1)
    demo.post(f"/chat/{room}/messages", {"text": "after the reset"})
    wait_for("a live message after the reset", lambda: texts(driver, "#messages .message p")[-1:] == ["after the reset"])
    check(len(texts(driver, "#messages .message p")) == 51, "the live message arrived more than once")


def check_status(driver, demo):
    open_page(driver, demo.base_url + "/status/42")
    initial = texts(driver, "[id='status']")
    check(initial == ["Status: offline"], f"the status starts as {initial}")
    demo.wait_for_subscriptions(1)
    for status in ["away", "online", "away"]:
        Select(driver.find_element(By.NAME, "status")).select_by_visible_text(status)
        driver.find_element(By.CSS_SELECTOR, "main form button").click()  # not the nav's sign-out
        # One element with that id, updated in place: never two, never a list.
        wait_for(f"the status to become {status}", lambda: texts(driver, "[id='status']") == [f"Status: {status}"])


def severe_console_entries(driver, expected=lambda message: False):
    return [
        entry["message"]
        for entry in driver.get_log("browser")
        if entry["level"] == "SEVERE" and not expected(entry["message"])
    ]


def refused_reconnection(message):
    """A console line about a stream connection the chat-reconnect check cut or refused on
    purpose: the browser's own about the 503, or htmx logging the EventSource's error event."""
    refused = "/stream" in message and "503" in message
    return refused or ("/static/htmx/htmx-2.min.js" in message and message.endswith('"[object Event]"'))


def main(base_url, artifacts):
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("live_pages.py: stopped by SIGTERM"))
    artifacts.mkdir(parents=True, exist_ok=True)
    try:
        demo = Demo(base_url)
    except (Failure, OSError) as failure:
        print(f"FAILED signing in with urllib: {failure}", flush=True)
        return 1
    failures = []
    driver = start_browser()
    home = driver.current_window_handle
    try:
        try:
            sign_in(driver, demo)
            demo.wait_until_no_streams("the sign-in")
        except (Failure, WebDriverException) as failure:
            print(f"FAILED sign-in: {failure}", flush=True)
            return 1
        for name, check_page in [
            ("live-feed", check_live_feed),
            ("dashboard-live", check_dashboard),
            ("chat", check_chat),
            ("chat-reconnect", check_chat_reconnect),
            ("chat-reset", check_chat_reset),
            ("status", check_status),
        ]:
            started = time.monotonic()
            driver.switch_to.new_window("window")
            try:
                check_page(driver, demo)
            except (Failure, WebDriverException) as failure:
                failures.append(f"{name}: {failure}")
            expected = refused_reconnection if name.startswith("chat-re") else (lambda message: False)
            windows = [handle for handle in driver.window_handles if handle != home]
            for number, window in enumerate(windows, start=1):
                driver.switch_to.window(window)
                driver.save_screenshot(str(artifacts / (name + (f"-{number}" if number > 1 else "") + ".png")))
                failures += [
                    f"{name}: console: {message}"
                    for message in severe_console_entries(driver, expected)
                ]
                driver.close()
            driver.switch_to.window(home)
            try:
                demo.wait_until_no_streams(name)
            except Failure as failure:
                failures.append(f"{name}: {failure}")
            print(f"{name}: {time.monotonic() - started:.1f} s", flush=True)
    finally:
        driver.quit()
    for failure in failures:
        print(f"FAILED {failure}", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], Path(sys.argv[2])))
