import Foundation

/// Where the demo's pages load htmx and its SSE extension from: the one place naming them.
///
/// By default from `/static/htmx/`, which `scripts/fetch-htmx` fills and nginx serves, so the demo
/// needs no internet. With the environment variable `HYPER_HTMX_CDN=1`, from the jsDelivr CDN
/// (the same htmx version).
enum HTMXAssets {
    static let usesCDN = ProcessInfo.processInfo.environment["HYPER_HTMX_CDN"] == "1"

    static let htmx =
        usesCDN ? "https://cdn.jsdelivr.net/npm/htmx.org@2.0.10/dist/htmx.min.js" : "/static/htmx/htmx-2.min.js"

    static let serverSentEvents =
        usesCDN ? "https://cdn.jsdelivr.net/npm/htmx-ext-sse@2.2.4" : "/static/htmx/ext/hx-sse-2.min.js"
}
