import Foundation
import HyperTesting
import Testing

/// Sessions across instances sharing one PostgreSQL database, each instance behind its own nginx.
@Suite("Sessions across instances, through PostgreSQL", .serialized)
struct SharedSessionsTests {
    @Test("signed in on one instance, streaming from the other; signing out on the first ends the stream within a second")
    func signOutEndsStreamOnOtherInstance() async throws {
        try await PostgresCluster.with(instances: 2, build: .release) { cluster in
            let ada = try await LiveClient.signedIn(to: cluster.url(of: 0, ""), as: 1)
            // The same cookie is known to the second instance: its page and its stream.
            let onSecond = LiveClient(baseURL: cluster.url(of: 1, ""))
            onSecond.cookies.store(setCookie: "hyper_session=\(try #require(ada.cookies["hyper_session"]))")
            let page = try await onSecond.request("/notifications")
            #expect(page.status == 200 && page.body.contains("Signed in as Ada Lovelace"))
            let stream = try CurlStream(
                cluster.url(of: 1, "/notifications/stream"), arguments: ["-i"] + onSecond.curlArguments)
            defer { stream.stop() }
            try await stream.wait(for: "Connected to notifications")

            // A notification posted on the first instance reaches the stream on the second.
            let sent = try await ada.request(
                "/notifications", method: "POST", body: "user_id=1&title=across&message=instances")
            #expect(sent.status == 200, "\(sent.body)")
            try await stream.wait(for: "<strong>across</strong>")

            let start = ContinuousClock.now
            #expect(try await ada.request("/logout", method: "POST").status == 303)
            try await stream.wait(for: "event: signed-out\ndata: signed-out\n\n", timeout: .seconds(3))
            #expect(ContinuousClock.now - start < .seconds(1), "\(ContinuousClock.now - start)")
            #expect(try await stream.hasEnded(within: .seconds(2)))
            let again = try await onSecond.request("/notifications/stream", maxTime: .seconds(5))
            #expect(again.status == 401)
        }
    }
}
