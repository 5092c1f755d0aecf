import Foundation
import Hyper
import HyperTesting
import Testing

@Suite("Headers a client sends twice, through nginx")
struct RepeatedHeaderTests {
    private struct Echo: Decodable, Equatable {
        let accept: String?
        let lastEventID: String?
        let resumePoint: String
        let cookieNames: [String]
    }

    @Test(
        "two Cookie, two Accept and two Last-Event-ID headers reach the route combined, over both protocols",
        arguments: WireProtocol.allCases)
    func combined(wireProtocol: WireProtocol) async throws {
        try await LiveServer.withDemo(wireProtocol, build: .release) { server in
            let response = try await server.request(
                "/debug/request",
                headers: [
                    "Cookie: a=1", "Accept: text/html", "Last-Event-ID: 3", "Cookie: b=2",
                    "Accept: application/json", "Last-Event-ID: 4",
                ])
            #expect(response.status == 200, "\(response.body)")
            let echo = try JSONDecoder().decode(Echo.self, from: Data(response.body.utf8))
            #expect(
                echo
                    == Echo(
                        accept: "text/html, application/json", lastEventID: "3, 4", resumePoint: "invalid",
                        cookieNames: ["a", "b"]))
            let single = try await server.request("/debug/request", headers: ["Last-Event-ID: 4"])
            #expect(try JSONDecoder().decode(Echo.self, from: Data(single.body.utf8)).resumePoint == "after 4")
            #expect(!server.appLog.contains("refused"), "\(server.appLog)")
        }
    }
}
