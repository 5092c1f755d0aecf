import Hyper
import HyperTesting
import Synchronization
import Testing

@Suite("Services: app state reached through the request")
struct ServicesTests {
    /// A store of votes; each application gets its own.
    final class Votes: Sendable {
        let tally = Mutex<[String: Int]>([:])
    }

    struct Vote: Route {
        static let method = HTTPRequest.Method.post
        static func respond(to request: Request) async throws -> Response {
            let votes = try request.service(Votes.self)
            let choice = request.formFields["choice"] ?? ""
            let count = votes.tally.withLock { tally in
                tally[choice, default: 0] += 1
                return tally[choice]!
            }
            return Response(text: "\(choice): \(count)")
        }
    }

    private func client(_ services: Services) throws -> TestClient {
        var router = Router()
        try router.add("/vote", Vote.self)
        return TestClient(Application(router: router, services: services, logger: Logger(label: "test")))
    }

    @Test("two applications built with fresh stores do not share votes")
    func freshStores() async throws {
        var first = Services()
        first.register(Votes())
        var second = Services()
        second.register(Votes())
        let one = try client(first)
        let other = try client(second)
        #expect(await one.post("/vote", form: ["choice": "tabs"]).text == "tabs: 1")
        #expect(await one.post("/vote", form: ["choice": "tabs"]).text == "tabs: 2")
        #expect(await other.post("/vote", form: ["choice": "tabs"]).text == "tabs: 1")
    }

    @Test("a service registered again replaces the first; lookup is by type")
    func registry() {
        var services = Services()
        let first = Votes()
        let second = Votes()
        services.register(first)
        services.register(second)
        services.register("a string")
        #expect(services[Votes.self] === second)
        #expect(services[String.self] == "a string")
        #expect(services[Int.self] == nil)
    }

    @Test("a route asking for a service the app lacks gets a 500 that names nothing to the client")
    func missingService() async throws {
        let response = try await client(Services()).post("/vote", form: ["choice": "tabs"])
        #expect(response.status == .internalServerError)
        #expect(!response.text.contains("Votes"))
        #expect(throws: MissingServiceError(typeName: String(reflecting: Votes.self))) {
            try Request(method: .get, path: "/").service(Votes.self)
        }
    }
}
