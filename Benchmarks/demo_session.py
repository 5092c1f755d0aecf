"""Signing in to hyper-demo for the benchmarks. Chat and notifications are the signed-in's: their
streams need the session's cookie, and their posts the cookie and the session's CSRF token too.

    session = demo_session.sign_in(port)                 # POST /login as user 1, through nginx
    urllib.request.Request(url, data=body, headers=session.headers)
    f"GET /chat/lobby/stream HTTP/1.0\\r\\n{session.header_lines()}..."   # a raw request's headers
"""
import html
import http.client
import re
import urllib.parse

PASSWORD = "hyper"  # every sample user's (1, 2 and 3), in the demo only


class Session:
    """A signed-in session: its `Cookie` header's value and its CSRF token."""

    def __init__(self, cookie, csrf_token):
        self.cookie, self.csrf_token = cookie, csrf_token

    @property
    def headers(self):
        """The headers that make a request the session's, unsafe ones included."""
        return {"Cookie": self.cookie, "X-CSRF-Token": self.csrf_token}

    def header_lines(self):
        """`headers` as lines of a raw HTTP request, each ending with CRLF."""
        return "".join(f"{name}: {value}\r\n" for name, value in self.headers.items())


def sign_in(port, user_id=1, host="127.0.0.1", timeout=30):
    """Signs in as `user_id` through the demo's form at host:port: keeps the session cookie of
    the 303 and reads the CSRF token from the `<meta name="csrf-token">` of the page it leads to."""
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        body = urllib.parse.urlencode({"user_id": user_id, "password": PASSWORD})
        connection.request("POST", "/login", body, {"Content-Type": "application/x-www-form-urlencoded"})
        response = connection.getresponse()
        response.read()
        if response.status != 303:
            raise RuntimeError(f"POST /login as user {user_id} on port {port} answered {response.status}, not 303")
        cookie = "; ".join(value.split(";", 1)[0] for value in response.headers.get_all("Set-Cookie") or [])
        if not cookie:
            raise RuntimeError(f"POST /login on port {port} set no cookie")
        location = urllib.parse.urlsplit(response.headers["Location"])
        connection.request("GET", location.path + (f"?{location.query}" if location.query else ""),
                           headers={"Cookie": cookie})
        page = connection.getresponse().read().decode()
    finally:
        connection.close()
    match = re.search(r'<meta name="csrf-token" content="([^"]*)"', page)
    if not match:
        raise RuntimeError(f"the page after signing in on port {port} carries no csrf-token meta tag")
    return Session(cookie, html.unescape(match.group(1)))
