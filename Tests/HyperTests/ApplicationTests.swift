import Logging
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

    private func app() throws -> Application {
        var router = Router()
        try router.add("/hello/{name}", Greeting.self)
        return Application(router: router, logger: Logger(label: "test"))
    }

    private func body(_ response: Response) -> String { String(decoding: response.bodyBytes, as: UTF8.self) }

    @Test("a page renders with its path parameter escaped")
    func rendersPage() async throws {
        let response = try await app().response(for: Request(method: .get, path: "/hello/<b>"))
        #expect(response.status == .ok)
        #expect(response.headerFields[.contentType] == "text/html; charset=utf-8")
        #expect(body(response) == "<h1>Hello, &lt;b&gt;</h1>")
    }

    @Test("a thrown HTTPError becomes its status with its message escaped")
    func httpError() async throws {
        let response = try await app().response(for: Request(method: .get, path: "/hello/teapot"))
        #expect(response.status.code == 418)
        #expect(body(response).contains("<p>Short &amp; stout</p>"))
    }

    @Test("any other error becomes a 500 that reveals nothing")
    func hiddenError() async throws {
        let response = try await app().response(for: Request(method: .get, path: "/hello/boom"))
        #expect(response.status == .internalServerError)
        #expect(!body(response).contains("hunter2"))
        #expect(!body(response).contains("SecretFailure"))
    }

    @Test("unknown paths are 404 and wrong methods 405 with Allow")
    func notFoundAndNotAllowed() async throws {
        let app = try app()
        #expect(await app.response(for: Request(method: .get, path: "/nope")).status == .notFound)
        let notAllowed = await app.response(for: Request(method: .post, path: "/hello/x"))
        #expect(notAllowed.status == .methodNotAllowed)
        #expect(notAllowed.headerFields[.allow] == "GET, HEAD")
    }
}
