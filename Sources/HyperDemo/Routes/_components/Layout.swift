import Hyper

/// The demo's page frame, a component: `Layout(title:) { … }` around a page's content.
func Layout(title: String, content: () -> HTML) -> HTML {
    """
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>\(title) · Hyper demo</title>
    <link rel="icon" href="data:,">
    <script src="\(HTMXAssets.htmx)"></script>
    <script src="\(HTMXAssets.serverSentEvents)"></script>
    \(resumeScript)
    </head>
    <body>
    <nav><a href="/">Hyper demo</a></nav>
    <main>
    \(content())
    </main>
    </body>
    </html>

    """
}

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
