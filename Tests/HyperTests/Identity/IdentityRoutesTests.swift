import FoundationEssentials
import Hyper
import HyperTesting
import Synchronization
import Testing

/// Sessions, CSRF protection and access rules as a route sees them, in process.
@Suite("Identity: sessions, CSRF protection and access rules, in process")
struct IdentityRoutesTests {
    /// How many times the unsafe routes ran: a refused request must not change it.
    final class Changes: Sendable {
        let count = Atomic<Int>(0)
        var value: Int { count.load(ordering: .relaxed) }
    }

    struct Inbox: Page {
        static let access = Access.signedIn.redirectingStrangers(to: "/login")
        let user: String
        init(request: Request) throws { user = request.session?.userID ?? "?" }
        var body: HTML { "<p>inbox of \(user)</p>" }
    }

    struct Note: Route {
        static let method = HTTPRequest.Method.post
        static let access = Access.signedIn
        static func respond(to request: Request) async throws -> Response {
            try request.service(Changes.self).count.add(1, ordering: .relaxed)
            return Response(text: "noted by \(request.session?.userID ?? "?")")
        }
    }

    struct Webhook: Route {
        static let method = HTTPRequest.Method.post
        static let csrfProtection = CSRFProtection.exempt
        static func respond(to request: Request) async throws -> Response {
            try request.service(Changes.self).count.add(1, ordering: .relaxed)
            return Response(text: "hooked")
        }
    }

    struct Login: Route {
        static let method = HTTPRequest.Method.post
        static func respond(to request: Request) async throws -> Response {
            try await request.signIn(as: request.formFields["user"] ?? "", respondingWith: .redirect(to: "/inbox"))
        }
    }

    struct Logout: Route {
        static let method = HTTPRequest.Method.post
        static func respond(to request: Request) async throws -> Response {
            try await request.signOut(respondingWith: .redirect(to: "/login"))
        }
    }

    struct AdminsOnly: EventStream {
        static let access = Access.signedIn { _, session in session.userID == "admin" }
        init(request: Request) {}
        func stream(to events: EventSink) async throws { try await events.send("hello" as HTML) }
    }

    static func app(configuration: Application.Configuration = .init()) throws -> (Application, Changes) {
        var router = Router()
        try router.add("/inbox", Inbox.self)
        try router.add("/notes", Note.self)
        try router.add("/webhook", Webhook.self)
        try router.add("/login", Login.self)
        try router.add("/logout", Logout.self)
        try router.add("/admin/stream", AdminsOnly.self)
        let changes = Changes()
        var services = Services()
        services.register(changes)
        let app = Application(
            router: router, configuration: configuration, services: services, logger: Logger(label: "test"))
        return (app, changes)
    }

    @Test("nobody signed in: a page sends a GET to sign in (303), a POST and a stream get 401, no event stream")
    func strangers() async throws {
        let (app, changes) = try Self.app()
        let client = TestClient(app)
        let page = await client.get("/inbox")
        #expect(page.status == .seeOther && page[.location] == "/login")
        #expect(await client.post("/notes", form: ["text": "x"]).status == .unauthorized)
        let stream = await client.get("/admin/stream", headerFields: [.accept: "text/event-stream"])
        #expect(stream.status == .unauthorized && stream.stream == nil)
        #expect(stream[.contentType] != "text/event-stream")
        #expect(changes.value == 0)
    }

    @Test("signing in sets a cookie HttpOnly, SameSite=Lax, Path=/, lasting the lifetime; Secure over HTTPS")
    func cookieAttributes() async throws {
        let (app, _) = try Self.app()
        let plain = await TestClient(app).post("/login", form: ["user": "ada"])
        let cookie = try #require(plain[.setCookie])
        #expect(plain.status == .seeOther)
        #expect(cookie.hasPrefix("hyper_session="))
        #expect(cookie.contains("; Path=/") && cookie.contains("; HttpOnly") && cookie.contains("; SameSite=Lax"))
        #expect(cookie.contains("; Max-Age=604800"))
        #expect(!cookie.contains("Secure"))
        let value = String(cookie.dropFirst("hyper_session=".count).prefix { $0 != ";" })
        #expect(value.utf8.count == 43)

        var request = Request(method: .post, path: "/login", isHTTPS: true, body: Array("user=ada".utf8))
        request.headerFields[.contentType] = "application/x-www-form-urlencoded"
        let secure = await TestClient(app).send(request)
        #expect(secure[.setCookie]?.contains("; Secure") == true)
    }

    @Test("a signed-in client reads its pages and posts with its token")
    func signedIn() async throws {
        let (app, changes) = try Self.app()
        let client = TestClient(app)
        try await client.signIn(as: "ada")
        #expect(await client.get("/inbox").text == "<p>inbox of ada</p>")
        let note = await client.post("/notes", form: ["text": "x"])
        #expect(note.status == .ok && note.text == "noted by ada")
        #expect(changes.value == 1)
    }

    @Test(
        "an unsafe request of a session without its token, or with another's, is refused with 403 and changes nothing")
    func csrfTokens() async throws {
        let (app, changes) = try Self.app()
        let ada = TestClient(app, sendsCSRFToken: false)
        try await ada.signIn(as: "ada")
        let grace = TestClient(app)
        try await grace.signIn(as: "grace")
        let graceToken = try #require(await grace.csrfToken)
        #expect(await ada.post("/notes", form: ["text": "x"]).status == .forbidden)
        #expect(
            await ada.post("/notes", form: ["text": "x"], headerFields: [.init("X-CSRF-Token")!: "wrong"]).status
                == .forbidden)
        #expect(
            await ada.post("/notes", form: ["text": "x"], headerFields: [.init("X-CSRF-Token")!: graceToken]).status
                == .forbidden)
        #expect(await ada.post("/notes", form: ["text": "x", "_csrf": graceToken]).status == .forbidden)
        #expect(changes.value == 0)
        let adaToken = try #require(await ada.csrfToken)
        #expect(await ada.post("/notes", form: ["text": "x", "_csrf": adaToken]).status == .ok)
        #expect(
            await ada.post("/notes", form: ["text": "x"], headerFields: [.init("X-CSRF-Token")!: adaToken]).status
                == .ok)
        #expect(changes.value == 2)
    }

    @Test("unsafe requests that announce themselves as cross-site are refused, unless the route is exempt")
    func crossSite() async throws {
        let (app, changes) = try Self.app()
        let client = TestClient(app)
        try await client.signIn(as: "ada")
        let foreign: HTTPFields = [.origin: "http://evil.example", .init("Host")!: "app.example"]
        let crossSite: HTTPFields = [.init("Sec-Fetch-Site")!: "cross-site"]
        #expect(await client.post("/notes", form: ["text": "x"], headerFields: foreign).status == .forbidden)
        #expect(await client.post("/notes", form: ["text": "x"], headerFields: crossSite).status == .forbidden)
        #expect(changes.value == 0)
        let own: HTTPFields = [.origin: "http://app.example", .init("Host")!: "app.example"]
        #expect(await client.post("/notes", form: ["text": "x"], headerFields: own).status == .ok)
        #expect(await TestClient(app).post("/webhook", form: [:], headerFields: crossSite).status == .ok)
        #expect(await TestClient(app).post("/webhook", form: [:], headerFields: foreign).status == .ok)
        #expect(changes.value == 3)
    }

    @Test("a forged or malformed cookie is nobody: 401, and the response clears it")
    func forgedCookies() async throws {
        let (app, _) = try Self.app()
        for value in [String(repeating: "A", count: 43), "short", String(repeating: "A", count: 42) + "="] {
            let client = TestClient(app)
            let response = await client.post(
                "/notes", form: ["text": "x"], headerFields: [.cookie: "hyper_session=\(value)"])
            #expect(response.status == .unauthorized)
            #expect(response[.setCookie]?.hasPrefix("hyper_session=; Path=/; Max-Age=0") == true)
        }
    }

    @Test("signing in again ends the earlier session (no fixation); signing out ends the session and clears the cookie")
    func rotationAndSignOut() async throws {
        let (app, _) = try Self.app()
        let client = TestClient(app)
        #expect(await client.post("/login", form: ["user": "ada"]).status == .seeOther)
        let first = try #require(client.cookies["hyper_session"])
        #expect(await client.post("/login", form: ["user": "ada"]).status == .seeOther)
        let second = try #require(client.cookies["hyper_session"])
        #expect(first != second)
        let old = TestClient(app)
        old.cookies.store(setCookie: "hyper_session=\(first)")
        #expect(await old.get("/inbox").status == .seeOther)
        #expect(await client.get("/inbox").status == .ok)

        let out = await client.post("/logout", form: [:])
        #expect(out.status == .seeOther && out[.setCookie]?.contains("Max-Age=0") == true)
        #expect(client.cookies["hyper_session"] == nil)
        let replay = TestClient(app)
        replay.cookies.store(setCookie: "hyper_session=\(second)")
        #expect(await replay.get("/inbox").status == .seeOther)
    }

    @Test("signing in with a dead session's cookie sets the new session's cookie, not a clearing one")
    func signInOverDeadCookie() async throws {
        let (app, _) = try Self.app()
        let client = TestClient(app)
        client.cookies.store(setCookie: "hyper_session=\(String(repeating: "A", count: 43))")
        let response = await client.post("/login", form: ["user": "ada"])
        #expect(response.status == .seeOther)
        #expect(response.headerFields[values: .setCookie].count == 1)
        #expect(await client.get("/inbox").text == "<p>inbox of ada</p>")
    }

    @Test("the store keeps the hash of the cookie, never the cookie")
    func storeKeepsHashes() async throws {
        let store = InMemorySessionStore()
        var services = Services()
        services.register(Sessions(store: store))
        var router = Router()
        try router.add("/login", Login.self)
        let app = Application(router: router, services: services, logger: Logger(label: "test"))
        let client = TestClient(app)
        _ = await client.post("/login", form: ["user": "ada"])
        let cookie = try #require(client.cookies["hyper_session"])
        #expect(store.count == 1)
        #expect(store.use(cookie, at: .now, idleTimeout: .seconds(60)) == nil)
        #expect(try await client.session?.userID == "ada")
    }

    @Test("a session past its lifetime or its idle timeout is nobody, at exactly those times")
    func expiry() async throws {
        let start = Date.now
        let sessions = Sessions(configuration: SessionConfiguration(lifetime: .seconds(100), idleTimeout: .seconds(30)))
        let (_, secret) = try await sessions.signIn(userID: "ada", replacing: nil, at: start)
        // Used every 20 seconds, it outlives its idle timeout, but not its lifetime.
        for seconds in stride(from: 20.0, through: 80, by: 20) {
            #expect(try await sessions.session(forCookie: secret, at: start.addingTimeInterval(seconds)) != nil)
        }
        #expect(try await sessions.session(forCookie: secret, at: start.addingTimeInterval(100)) == nil)

        let (_, idler) = try await sessions.signIn(userID: "grace", replacing: nil, at: start)
        #expect(try await sessions.session(forCookie: idler, at: start.addingTimeInterval(29)) != nil)
        #expect(try await sessions.session(forCookie: idler, at: start.addingTimeInterval(60)) == nil)
        #expect(try await sessions.session(forCookie: idler, at: start.addingTimeInterval(61)) == nil)
    }

    @Test("a short-lived session ends for the client too: its cookie is then nobody's")
    func shortLifetimeThroughClient() async throws {
        var configuration = Application.Configuration()
        configuration.sessions.lifetime = .milliseconds(300)
        let (app, _) = try Self.app(configuration: configuration)
        let client = TestClient(app)
        try await client.signIn(as: "ada")
        try await Task.sleep(for: .milliseconds(400))
        #expect(await client.get("/inbox").status == .seeOther)
    }

    @Test("signing out everywhere ends every session of the user")
    func signOutEverywhere() async throws {
        let (app, _) = try Self.app()
        let laptop = TestClient(app)
        let phone = TestClient(app)
        let other = TestClient(app)
        try await laptop.signIn(as: "ada")
        try await phone.signIn(as: "ada")
        try await other.signIn(as: "grace")
        try await app.sessions.signOutEverywhere(userID: "ada")
        #expect(await laptop.get("/inbox").status == .seeOther)
        #expect(await phone.get("/inbox").status == .seeOther)
        #expect(await other.get("/inbox").status == .ok)
    }

    @Test("a rule on the request refuses the signed-in it does not allow with 403, before any event")
    func accessRule() async throws {
        let (app, _) = try Self.app()
        let client = TestClient(app)
        try await client.signIn(as: "ada")
        let refused = await client.get("/admin/stream", headerFields: [.accept: "text/event-stream"])
        #expect(refused.status == .forbidden && refused.stream == nil)
        try await client.signIn(as: "admin")
        let events = try await client.events("/admin/stream")
        #expect(try await events.next()?.data == "hello")
    }
}
