import Hyper

/// The demo's page frame, a component: `Layout(title:viewer:) { … }` around a page's content.
/// It shows who is signed in, carries the session's CSRF token for htmx requests, and tells the
/// reader when a live part of the page stopped because the session ended (`event: signed-out`).
func Layout(title: String, viewer: Viewer, content: () -> HTML) -> HTML {
    """
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    \(viewer.csrfMetaTag)
    <title>\(title) · Hyper demo</title>
    <link rel="icon" href="data:,">
    <script src="\(HTMXAssets.htmx)"></script>
    <script src="\(HTMXAssets.serverSentEvents)"></script>
    \(resumeScript)
    \(signedOutScript)
    </head>
    <body \(viewer.csrfHTMXHeaders)>
    <nav><a href="/">Hyper demo</a> \(account(viewer))</nav>
    <p id="signed-out" role="alert" hidden>You are signed out: this page no longer updates. \
    <a href="/login">Sign in</a> again.</p>
    <main>
    \(content())
    </main>
    </body>
    </html>

    """
}

/// The signed-in user's name and a sign-out button, or a sign-in link.
private func account(_ viewer: Viewer) -> HTML {
    guard let user = viewer.user else { return "<a id=\"sign-in\" href=\"/login\">Sign in</a>" }
    return """
        <span id="signed-in-as">Signed in as \(user.name)</span> \
        <form id="sign-out" method="post" action="/logout" style="display:inline">\(viewer.csrfField)\
        <button>Sign out</button></form>
        """
}

/// The element a live area holds so that its stream's `signed-out` event reaches the page.
let signedOutListener: HTML = #"<div sse-swap="signed-out" hx-swap="none"></div>"#

/// Keeps the `after=` of each `sse-connect` link at the id of the last event its stream
/// delivered. A browser's EventSource resumes by itself with `Last-Event-ID`, but when it gives up
/// (an error status), htmx 2 opens a new one on the link as it then reads: with this, that one
/// resumes where the stream left off too, instead of from when the page was rendered.
private let resumeScript: HTML = """
    <script>
    document.addEventListener("htmx:sseMessage", (event) => {
      const id = event.detail.lastEventId, source = event.target.closest("[sse-connect]");
      if (!id || !source) return;
      const link = new URL(source.getAttribute("sse-connect"), location.href);
      if (!link.searchParams.has("after")) return;
      link.searchParams.set("after", id);
      source.setAttribute("sse-connect", link.pathname + link.search);
    });
    </script>
    """

/// On a stream's `signed-out` event: closes the stream (its right has ended, so it must not
/// reconnect), shows the page's "signed out" notice and takes the signed-in user's name away.
private let signedOutScript: HTML = """
    <script>
    document.addEventListener("htmx:sseMessage", (event) => {
      if (event.detail.type !== "signed-out") return;
      event.detail.target.close();
      document.getElementById("signed-out").hidden = false;
      for (const id of ["signed-in-as", "sign-out"]) document.getElementById(id)?.remove();
    });
    </script>
    """
