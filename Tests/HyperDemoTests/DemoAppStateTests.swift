import Hyper
import HyperTesting
import Testing

@testable import HyperDemo

/// The demo's state lives in its application's services (`DemoApp.make`), never in a global:
/// two applications made in one process share nothing.
@Suite("The demo's state, one per application")
struct DemoAppStateTests {
    @Test("a chat message and a status posted to one demo application are not seen by another")
    func freshApplications() async throws {
        let one = TestClient(try DemoApp.make(logger: Logger(label: "test")))
        let other = TestClient(try DemoApp.make(logger: Logger(label: "test")))
        try await one.signIn(as: "1")
        try await other.signIn(as: "1")  // a reader of the other room, so its page is the room's
        #expect(await one.post("/chat/lobby/messages", form: ["text": "only here"]).status == .ok)
        #expect(await one.post("/status/1", form: ["status": "away"]).status == .ok)
        #expect(await one.get("/chat/lobby").text.contains("only here"))
        let otherRoom = await other.get("/chat/lobby")
        #expect(otherRoom.status == .ok)
        #expect(!otherRoom.text.contains("only here"))
        #expect(await one.get("/status/1").text.contains("Status: away"))
        #expect(await other.get("/status/1").text.contains("Status: offline"))
        #expect(await other.get("/users/1").text.contains("Ada Lovelace"), "each application has its sample users")
    }
}
