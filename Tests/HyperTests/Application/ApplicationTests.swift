import Logging
import HyperTesting
import Testing

@testable import Hyper

@Suite("Application in process")
struct ApplicationTests {
    struct Greeting: Page {
        let name: String
        init(request: Request) async throws {
            name = try request.parameter("name")
            if name == "teapot" {
                throw HTTPError(.init(code: 418, reasonPhrase: "I'm a teapot"), message: "Short & stout")
            }
            if name == "boom" { throw SecretFailure(detail: "database password is hunter2") }
        }
        var body: HTML { "<h1>Hello, \(name)</h1>" }
    }

    struct SecretFailure: Error { let detail: String }

    private func app() throws -> TestClient {
        var router = Router()
        try router.add("/hello/{name}", Greeting.self)
        return TestClient(Application(router: router, logger: Logger(label: "test")))
    }

    @Test("a page renders with its path parameter escaped")
    func rendersPage() async throws {
        let response = try await app().get("/hello/<b>")
        #expect(response.status == .ok)
        #expect(response[.contentType] == "text/html; charset=utf-8")
        #expect(response.text == "<h1>Hello, &lt;b&gt;</h1>")
    }

    @Test("a thrown HTTPError becomes its status with its message escaped")
    func httpError() async throws {
        let response = try await app().get("/hello/teapot")
        #expect(response.status.code == 418)
        #expect(response.text.contains("<p>Short &amp; stout</p>"))
    }

    @Test("any other error becomes a 500 that reveals nothing")
    func hiddenError() async throws {
        let response = try await app().get("/hello/boom")
        #expect(response.status == .internalServerError)
        #expect(!response.text.contains("hunter2"))
        #expect(!response.text.contains("SecretFailure"))
    }

    @Test("unknown paths are 404 and wrong methods 405 with Allow")
    func notFoundAndNotAllowed() async throws {
        let app = try app()
        #expect(await app.get("/nope").status == .notFound)
        let notAllowed = await app.send(.post, "/hello/x", body: [])
        #expect(notAllowed.status == .methodNotAllowed)
        #expect(notAllowed[.allow] == "GET, HEAD")
    }
}
