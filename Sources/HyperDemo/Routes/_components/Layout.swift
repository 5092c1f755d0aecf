import Hyper

/// The demo's page frame: the seed's `<{Layout}>…</{Layout}>`.
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
