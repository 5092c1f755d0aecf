import HyperTransport
import Testing
import HyperTesting

@Suite("Pages through nginx")
struct PagesTests {
    @Test("every demo page answers with its status and content type", arguments: WireProtocol.allCases)
    func statusesAndTypes(wireProtocol: WireProtocol) async throws {
        try await LiveServer.withDemo(wireProtocol) { server in
            for (path, status) in [
                ("/", 200), ("/about", 200), ("/users/1", 200), ("/users/2", 200), ("/users/9", 404),
                ("/users/abc", 404),
                ("/users/1/extra", 404), ("/nope", 404), ("/hello", 200), ("/app/about", 200), ("/app/users/2", 200),
            ] {
                let response = try await server.request(path)
                #expect(response.status == status, "\(path)")
                #expect(response.header("content-type") == "text/html; charset=utf-8", "\(path)")
                #expect(response.header("x-content-type-options") == "nosniff", "\(path)")
            }
        }
    }

    @Test("the rows page has 1,000 rows, their awkward strings escaped")
    func rowsPage() async throws {
        try await LiveServer.withDemo { server in
            let response = try await server.request("/rows")
            #expect(response.status == 200)
            #expect(response.body.components(separatedBy: "<tr>").count - 1 == 1000)
            #expect(response.body.contains("<td>User number 0 &lt;b&gt;&amp;&quot;bold&quot;&lt;/b&gt;</td>"))
            #expect(response.body.contains("<td>O&#39;Brien &amp; user0@example.com &gt; you</td>"))
        }
    }

    @Test("the about page renders the company name escaped", arguments: WireProtocol.allCases)
    func aboutPage(wireProtocol: WireProtocol) async throws {
        try await LiveServer.withDemo(wireProtocol) { server in
            let response = try await server.request("/about")
            #expect(response.body.contains("<h1>About Hyper &amp; Sons &lt;Swift&gt;</h1>"))
        }
    }

    @Test("the async user page loads the user and their posts", arguments: WireProtocol.allCases)
    func userPage(wireProtocol: WireProtocol) async throws {
        try await LiveServer.withDemo(wireProtocol) { server in
            let response = try await server.request("/users/1")
            #expect(response.body.contains("<h1>Ada Lovelace</h1>"))
            #expect(response.body.contains("<li>Notes on the Analytical Engine</li>"))
            #expect(response.body.contains("<li>On Bernoulli numbers</li>"))
            let missing = try await server.request("/users/9")
            #expect(missing.body.contains("There is no user 9."))
        }
    }

    @Test("a hostile value from the request or the data reaches the page escaped", arguments: WireProtocol.allCases)
    func hostileValuesAreEscaped(wireProtocol: WireProtocol) async throws {
        try await LiveServer.withDemo(wireProtocol) { server in
            let searched = try await server.request("/?q=%3Cscript%3Ealert(%22x%22)%3C/script%3E")
            #expect(searched.body.contains("value=\"&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;\""))
            #expect(searched.body.contains("No user matches “&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;”."))
            #expect(!searched.body.contains("<script>alert"))
            let stored = try await server.request("/users/3")
            #expect(stored.body.contains("<h1>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;</h1>"))
            #expect(stored.body.contains("<li>&lt;img src=x onerror=alert(1)&gt;</li>"))
        }
    }

    @Test(
        "percent-encoded paths are routed on their decoded form; the query is decoded", arguments: WireProtocol.allCases
    )
    func decodedPaths(wireProtocol: WireProtocol) async throws {
        try await LiveServer.withDemo(wireProtocol) { server in
            let encodedID = try await server.request("/users/%31")
            #expect(encodedID.body.contains("<h1>Ada Lovelace</h1>"))
            let encodedQuery = try await server.request("/?q=grace+h%6Fpper")
            #expect(encodedQuery.body.contains("Grace Hopper"))
            let trailingSlash = try await server.request("/about/")
            #expect(trailingSlash.status == 200)
        }
    }

    @Test("HEAD answers as GET without a body, with the same length", arguments: WireProtocol.allCases)
    func head(wireProtocol: WireProtocol) async throws {
        try await LiveServer.withDemo(wireProtocol) { server in
            let get = try await server.request("/about")
            let head = try await LiveServer.request(url: server.baseURL + "/about", method: "HEAD")
            #expect(head.status == 200)
            #expect(head.body.isEmpty)
            #expect(head.header("content-length") == String(get.body.utf8.count))
        }
    }

    @Test("a known path with the wrong method is a 405 naming the allowed methods", arguments: WireProtocol.allCases)
    func methodNotAllowed(wireProtocol: WireProtocol) async throws {
        try await LiveServer.withDemo(wireProtocol) { server in
            let response = try await LiveServer.request(url: server.baseURL + "/about", method: "POST", body: "x=1")
            #expect(response.status == 405)
            #expect(response.header("allow") == "GET, HEAD")
        }
    }

    @Test("the app logs one access line per request with route, status and bytes", arguments: WireProtocol.allCases)
    func accessLog(wireProtocol: WireProtocol) async throws {
        try await LiveServer.withDemo(wireProtocol) { server in
            _ = try await server.request("/users/2")
            try await Task.sleep(for: .milliseconds(100))
            let line = server.appLog.split(separator: "\n").first { $0.contains("GET /users/2") }
            #expect(line?.contains("route=/users/{user_id}") == true)
            #expect(line?.contains("status=200") == true)
        }
    }
}
