import Hyper

/// `/`: links to every example; `?q=` filters the users by name.
struct HomePage: Page {
    let viewer: Viewer
    let query: String
    /// The users the query matches, each with the URL of their page.
    let users: [(user: User, url: RouteURL)]
    /// The links to the examples.
    let examples: HTML
    /// Where the search form sends its query: this page.
    let homeURL: RouteURL

    init(request: Request) async throws {
        viewer = Viewer(request)
        let query = request.query["q"] ?? ""
        let everyone = try await request.service(SampleStore.self).allUsers()
        self.query = query
        let matches = query.isEmpty ? everyone : everyone.filter { $0.name.lowercased().contains(query.lowercased()) }
        users = try matches.map { user in (user: user, url: try UserPage.url(user_id: user.id)) }
        examples = try Self.examples()
        homeURL = try HomePage.url()
    }

    /// The example links, each URL built from its route.
    private static func examples() throws(RouteURLError) -> HTML {
        try """
        <ul>
        <li><a href="\(AboutPage.url())">About (a synchronous page)</a></li>
        </ul>
        <h2>Streaming</h2>
        <ul>
        <li><a href="\(NotificationsPage.url())">Live notifications</a> \
        (<a href="\(NotificationStream.url())">the stream</a>; sign in first)</li>
        <li><a href="\(ChatPage.url(room_id: "lobby"))">Real-time chat</a> \
        (<a href="\(ChatStream.url(room_id: "lobby"))">the stream</a>; sign in first)</li>
        <li><a href="\(LiveFeedPage.url())">Live feed</a> (<a href="\(FeedStream.url())">the stream</a>)</li>
        <li><a href="\(DashboardPage.url())">Live dashboard</a> \
        (<a href="\(MetricsStream.url())">the stream</a>)</li>
        <li><a href="\(ReportPage.url(report_id: 42))">Progressive report</a></li>
        <li><a href="\(StatusPage.url(user_id: 1))">Status with a live fragment</a></li>
        <li><a href="\(CSVDownload.url())">CSV download</a></li>
        <li><a href="\(TickStream.url(query: ["every_ms": "1000"]))">Benchmark ticks</a></li>
        </ul>
        """
    }

    var body: HTML {
        Layout(title: "Home", viewer: viewer) {
            """
            <h1>Hyper for Swift</h1>
            \(examples)
            <h2>Users</h2>
            <form action="\(homeURL)" method="get"><input name="q" value="\(query)"> <button>Search</button></form>
            \(users.isEmpty ? "<p>No user matches “\(query)”.</p>" : "")
            <ul>
            \(users.map { entry -> HTML in "<li><a href=\"\(entry.url)\">\(entry.user.name)</a></li>\n" })
            </ul>
            """
        }
    }
}
