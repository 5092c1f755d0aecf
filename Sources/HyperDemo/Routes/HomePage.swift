import Hyper

/// `/`: links to every example; `?q=` filters the users by name.
struct HomePage: Page {
    let query: String
    let users: [User]

    init(request: Request) async throws {
        let query = request.query["q"] ?? ""
        let everyone = try await request.service(SampleStore.self).allUsers()
        self.query = query
        users = query.isEmpty ? everyone : everyone.filter { $0.name.lowercased().contains(query.lowercased()) }
    }

    var body: HTML {
        Layout(title: "Home") {
            """
            <h1>Hyper for Swift</h1>
            <ul>
            <li><a href="/about">About (a synchronous page)</a></li>
            </ul>
            <h2>Streaming</h2>
            <ul>
            <li><a href="/notifications?user_id=1">Live notifications</a> \
            (<a href="/notifications/stream?user_id=1">the stream</a>)</li>
            <li><a href="/chat/lobby">Real-time chat</a> (<a href="/chat/lobby/stream">the stream</a>)</li>
            <li><a href="/live-feed">Live feed</a> (<a href="/stream/feed">the stream</a>)</li>
            <li><a href="/dashboard-live">Live dashboard</a> (<a href="/stream/metrics">the stream</a>)</li>
            <li><a href="/report/42">Progressive report</a></li>
            <li><a href="/status/1">Status with a live fragment</a></li>
            <li><a href="/download/csv">CSV download</a></li>
            <li><a href="/sse?every_ms=1000">Benchmark ticks</a></li>
            </ul>
            <h2>Users</h2>
            <form action="/" method="get"><input name="q" value="\(query)"> <button>Search</button></form>
            \(users.isEmpty ? "<p>No user matches “\(query)”.</p>" : "")
            <ul>
            \(users.map { user -> HTML in "<li><a href=\"/users/\(user.id)\">\(user.name)</a></li>\n" })
            </ul>
            """
        }
    }
}
