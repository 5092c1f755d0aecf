import Testing
import HyperTesting

@Suite("Where pages load htmx from")
struct HTMXAssetsTests {
    @Test("by default pages load htmx 2 and its SSE extension from /static/htmx/, which nginx serves")
    func servedLocally() async throws {
        try await LiveServer.withDemo { server in
            let page = try await server.request("/live-feed")
            for path in ["/static/htmx/htmx-2.min.js", "/static/htmx/ext/hx-sse-2.min.js"] {
                #expect(page.body.contains("<script src=\"\(path)\"></script>"), "\(path)")
                let script = try await server.request(path)
                #expect(script.status == 200, "\(path): run scripts/fetch-htmx")
                #expect(script.header("content-type") == "text/javascript", "\(path)")
            }
            let htmx = try await server.request("/static/htmx/htmx-2.min.js")
            #expect(htmx.body.contains("version:\"2.0.10\""))
        }
    }

    @Test("with HYPER_HTMX_CDN=1 pages load htmx and its SSE extension from jsDelivr")
    func fromTheCDN() async throws {
        try await LiveServer.withDemo(environment: ["HYPER_HTMX_CDN": "1"]) { server in
            let client = try await server.signedIn()  // the chat page is for the signed-in
            let response = try await client.request("/chat/lobby")
            #expect(response.status == 200)
            let page = response.body
            #expect(
                page.contains("<script src=\"https://cdn.jsdelivr.net/npm/htmx.org@2.0.10/dist/htmx.min.js\"></script>")
            )
            #expect(page.contains("<script src=\"https://cdn.jsdelivr.net/npm/htmx-ext-sse@2.2.4\"></script>"))
            #expect(!page.contains("/static/htmx/"))
        }
    }
}
