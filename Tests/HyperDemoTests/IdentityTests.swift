import Foundation
import Hyper
import HyperTesting
import Testing

/// Sessions, CSRF protection, access rules and streams that end with their session, through a
/// real nginx over both protocols, on the release build.
@Suite("Who is asking, through nginx")
struct IdentityTests {
    /// The demo's notifications stream as `client` reads it.
    private func notificationStream(_ server: LiveServer, _ client: LiveClient, query: String = "")
        throws -> CurlStream
    {
        try CurlStream(server.url("/notifications/stream" + query), arguments: ["-i"] + client.curlArguments)
    }

    @Test(
        "signing in: the form, a wrong password or user answered 401 with the form, a right one 303 with the cookie",
        arguments: WireProtocol.allCases)
    func signIn(wireProtocol: WireProtocol) async throws {
        try await LiveServer.withDemo(wireProtocol, build: .release) { server in
            let form = try await server.request("/login")
            #expect(form.status == 200 && form.body.contains(#"<form method="post" action="/login">"#))
            for body in ["user_id=1&password=nope", "user_id=9&password=hyper", "user_id=x&password=hyper", ""] {
                let refused = try await server.request("/login", method: "POST", body: body)
                #expect(refused.status == 401, "\(body)")
                #expect(refused.body.contains("sign-in-failed") && refused.header("set-cookie") == nil)
            }
            let accepted = try await server.request("/login", method: "POST", body: "user_id=2&password=hyper")
            #expect(accepted.status == 303 && accepted.header("location") == "/notifications")
            let cookie = try #require(accepted.header("set-cookie"))
            #expect(cookie.hasPrefix("hyper_session=") && cookie.contains("; Path=/"))
            #expect(cookie.contains("; HttpOnly") && cookie.contains("; SameSite=Lax") && !cookie.contains("Secure"))

            let grace = try await server.signedIn(as: 2)
            let page = try await grace.request("/notifications")
            #expect(page.status == 200 && page.body.contains("Signed in as Grace Hopper"))
            #expect(page.body.contains(#"<meta name="csrf-token" content=""#))
            #expect(page.body.contains(#"hx-headers='{"X-CSRF-Token":""#))
        }
    }

    @Test("a wrong user costs as much time as a wrong password: nobody learns which users exist")
    func signInTiming() async throws {
        try await LiveServer.withDemo(build: .release) { server in
            // Interleaved, so that the machine's load weighs on both alike.
            var times: [String: [Duration]] = [:]
            for _ in 0..<7 {
                for body in ["user_id=1&password=nope", "user_id=99&password=nope"] {
                    let start = ContinuousClock.now
                    let response = try await server.request("/login", method: "POST", body: body)
                    times[body, default: []].append(ContinuousClock.now - start)
                    #expect(response.status == 401)
                }
            }
            let wrongPassword = times["user_id=1&password=nope"]!.sorted()[3]
            let wrongUser = times["user_id=99&password=nope"]!.sorted()[3]
            // bcrypt at cost 10 takes tens of milliseconds: both pay it.
            #expect(wrongPassword > .milliseconds(15) && wrongUser > .milliseconds(15))
            #expect(wrongUser > wrongPassword / 2 && wrongUser < wrongPassword * 2, "\(wrongUser) vs \(wrongPassword)")
        }
    }

    @Test(
        "forged, tampered and other users' cookies get 401 or 403, never an event stream",
        arguments: WireProtocol.allCases)
    func hostileCookies(wireProtocol: WireProtocol) async throws {
        try await LiveServer.withDemo(wireProtocol, build: .release) { server in
            let ada = try await server.signedIn(as: 1)
            let cookie = try #require(ada.cookies["hyper_session"])
            let tampered = String(cookie.dropLast()) + (cookie.last == "A" ? "B" : "A")
            let cases: [(String, [String], Int)] = [
                ("no cookie", [], 401),
                ("a forged cookie", ["Cookie: hyper_session=\(String(repeating: "Q", count: 43))"], 401),
                ("a tampered cookie", ["Cookie: hyper_session=\(tampered)"], 401),
                ("a malformed cookie", ["Cookie: hyper_session=../../etc/passwd"], 401),
            ]
            for (name, headers, status) in cases {
                let response = try await server.request(
                    "/notifications/stream", headers: ["Accept: text/event-stream"] + headers, maxTime: .seconds(5))
                #expect(response.status == status, "\(name)")
                #expect(response.header("content-type")?.hasPrefix("text/event-stream") != true, "\(name)")
                if name != "no cookie" {
                    #expect(
                        response.header("set-cookie")?.hasPrefix("hyper_session=; Path=/; Max-Age=0") == true, "\(name)"
                    )
                }
            }
            let others = try await ada.request(
                "/notifications/stream?user_id=2", headers: ["Accept: text/event-stream"], maxTime: .seconds(5))
            #expect(others.status == 403 && others.header("content-type")?.hasPrefix("text/event-stream") != true)
            #expect(try await ada.request("/notifications?user_id=2").status == 403)
            let stranger = try await server.request("/notifications")
            #expect(stranger.status == 303 && stranger.header("location") == "/login")
            #expect(try await server.request("/chat/lobby").status == 303)
            #expect(try await server.request("/chat/lobby/stream", maxTime: .seconds(5)).status == 401)
        }
    }

    @Test(
        "unsafe requests without their session's token, with another's, or cross-site are refused with 403 and change nothing",
        arguments: WireProtocol.allCases)
    func csrf(wireProtocol: WireProtocol) async throws {
        try await LiveServer.withDemo(wireProtocol, build: .release) { server in
            let ada = try await server.signedIn(as: 1)
            let grace = try await server.signedIn(as: 2)
            let adaCookie = "Cookie: hyper_session=\(try #require(ada.cookies["hyper_session"]))"
            let adaToken = try #require(ada.csrfToken)
            let graceToken = try #require(grace.csrfToken)
            let room = "csrf-\(wireProtocol.rawValue)"
            let refused: [(String, [String], String)] = [
                ("no token", [adaCookie], "text=a"),
                ("a wrong token", [adaCookie, "X-CSRF-Token: \(String(repeating: "x", count: 43))"], "text=b"),
                ("another session's token", [adaCookie, "X-CSRF-Token: \(graceToken)"], "text=c"),
                ("another session's token in the form", [adaCookie], "text=d&_csrf=\(graceToken)"),
                (
                    "a cross-site request", [adaCookie, "X-CSRF-Token: \(adaToken)", "Sec-Fetch-Site: cross-site"],
                    "text=e"
                ),
                (
                    "a foreign origin",
                    [adaCookie, "X-CSRF-Token: \(adaToken)", "Origin: http://127.0.0.2:\(server.port)"], "text=f"
                ),
                ("an opaque origin", [adaCookie, "X-CSRF-Token: \(adaToken)", "Origin: null"], "text=g"),
            ]
            for (name, headers, body) in refused {
                let response = try await server.request(
                    "/chat/\(room)/messages", method: "POST", headers: headers, body: body)
                #expect(response.status == 403, "\(name): \(response.status)")
            }
            let logout = try await server.request("/logout", method: "POST", headers: [adaCookie])
            #expect(logout.status == 403)
            // Nothing was posted, and ada is still signed in.
            let page = try await ada.request("/chat/\(room)")
            #expect(page.status == 200 && !page.body.contains(#"class="message""#))
            let own = try await server.request(
                "/chat/\(room)/messages", method: "POST",
                headers: [adaCookie, "Origin: http://127.0.0.1:\(server.port)", "Sec-Fetch-Site: same-origin"],
                body: "text=h&_csrf=\(adaToken)")
            #expect(own.status == 200, "\(own.body)")
            #expect(try await ada.request("/chat/\(room)").body.components(separatedBy: #"class="message""#).count == 2)
        }
    }

    @Test("a chat message's author is the signed-in user, whatever the form says", arguments: WireProtocol.allCases)
    func author(wireProtocol: WireProtocol) async throws {
        try await LiveServer.withDemo(wireProtocol, build: .release) { server in
            let grace = try await server.signedIn(as: 2)
            let posted = try await grace.request(
                "/chat/authors/messages", method: "POST", body: "user=Mallory&text=hello")
            #expect(posted.status == 200)
            let page = try await grace.request("/chat/authors")
            #expect(page.body.contains("<strong>Grace Hopper</strong>") && !page.body.contains("Mallory"))
        }
    }

    @Test(
        "signing out ends the session's open streams within a second with signed-out; the cookie then gets 401",
        arguments: WireProtocol.allCases)
    func signOutEndsStreams(wireProtocol: WireProtocol) async throws {
        try await LiveServer.withDemo(wireProtocol, build: .release) { server in
            let ada = try await server.signedIn(as: 1)
            let grace = try await server.signedIn(as: 2)
            let streams = [
                try notificationStream(server, ada),
                try CurlStream(server.url("/chat/lobby/stream"), arguments: ["-i"] + ada.curlArguments),
            ]
            let other = try notificationStream(server, grace)
            defer { (streams + [other]).forEach { $0.stop() } }
            for stream in streams + [other] { try await stream.wait(for: "\n\n") }
            try await streams[0].wait(for: "Connected to notifications")
            try await streams[1].wait(for: "event: connected")
            let cookie = try #require(ada.cookies["hyper_session"])
            let start = ContinuousClock.now
            let out = try await ada.request("/logout", method: "POST")
            #expect(out.status == 303 && out.header("set-cookie")?.contains("Max-Age=0") == true)
            for stream in streams {
                try await stream.wait(for: "event: signed-out\ndata: signed-out\n\n", timeout: .seconds(2))
                #expect(try await stream.hasEnded(within: .seconds(2)))
            }
            #expect(ContinuousClock.now - start < .seconds(1) + .milliseconds(500))
            #expect(!other.text.contains("signed-out"))
            let again = try await server.request(
                "/notifications/stream", headers: ["Cookie: hyper_session=\(cookie)"], maxTime: .seconds(5))
            #expect(again.status == 401)
            #expect(try await grace.request("/notifications").status == 200)
        }
    }

    @Test("a session's expiry ends its streams with signed-out (expired), then its cookie gets 401")
    func expiryEndsStreams() async throws {
        try await LiveServer.withDemo(arguments: ["--session-lifetime", "3"], build: .release) { server in
            let ada = try await server.signedIn(as: 1)
            let stream = try notificationStream(server, ada)
            defer { stream.stop() }
            try await stream.wait(for: "Connected to notifications")
            try await stream.wait(for: "event: signed-out\ndata: expired\n\n", timeout: .seconds(5))
            #expect(try await stream.hasEnded(within: .seconds(2)))
            #expect(try await ada.request("/notifications/stream", maxTime: .seconds(5)).status == 401)
        }
    }

    @Test("--secure-cookies marks the session cookie Secure")
    func secureCookies() async throws {
        try await LiveServer.withDemo(arguments: ["--secure-cookies"], build: .release) { server in
            let accepted = try await server.request("/login", method: "POST", body: "user_id=1&password=hyper")
            #expect(accepted.header("set-cookie")?.contains("; Secure") == true)
        }
    }
}
