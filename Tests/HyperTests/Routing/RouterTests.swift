import Testing

@testable import Hyper

@Suite("Router")
struct RouterTests {
    private func router(_ routes: [(String, HTTPRequest.Method)]) throws -> Router {
        var router = Router()
        for (path, method) in routes {
            try router.add(path, method: method) { _ in Response(text: "\(method) \(path)") }
        }
        return router
    }

    private func matched(_ router: Router, _ method: HTTPRequest.Method, _ path: String) async throws -> (
        String, PathParameters
    )? {
        guard case .found(let handler, let parameters, _) = router.match(method: method, path: path) else { return nil }
        let response = try await handler(Request(method: method, path: path))
        return (String(decoding: response.bodyBytes, as: UTF8.self), parameters)
    }

    @Test("static segments win over parameters, whatever the order routes were added in")
    func staticWins() async throws {
        for order in [
            [("/users/{user_id}", HTTPRequest.Method.get), ("/users/new", .get)],
            [("/users/new", .get), ("/users/{user_id}", .get)],
        ] {
            let router = try router(order)
            #expect(try await matched(router, .get, "/users/new")?.0 == "GET /users/new")
            let other = try await matched(router, .get, "/users/42")
            #expect(other?.0 == "GET /users/{user_id}")
            #expect(other?.1["user_id"] == "42")
        }
    }

    @Test("a parameter route is found when a literal sibling leads nowhere")
    func backtracks() async throws {
        let router = try router([("/a/b/c", .get), ("/a/{x}/d", .get)])
        #expect(try await matched(router, .get, "/a/b/d")?.1["x"] == "b")
    }

    @Test("an unknown path is not found; a known path with another method lists the allowed ones")
    func notFoundAndMethodNotAllowed() throws {
        let router = try router([("/chat/{room}", .get), ("/chat/{room}", .post)])
        guard case .notFound = router.match(method: .get, path: "/nope") else {
            Issue.record("expected notFound"); return
        }
        guard case .notFound = router.match(method: .get, path: "/chat") else {
            Issue.record("expected notFound"); return
        }
        guard case .methodNotAllowed(let allowed) = router.match(method: .delete, path: "/chat/x") else {
            Issue.record("expected methodNotAllowed")
            return
        }
        #expect(allowed == [.get, .head, .post])
    }

    @Test("a literal path that exists for other methods is not answered by a parameter route")
    func literalPathKeepsItsMethods() async throws {
        for order in [
            [("/users/new", HTTPRequest.Method.get), ("/users/{user_id}", .post)],
            [("/users/{user_id}", .post), ("/users/new", .get)],
        ] {
            let router = try router(order)
            guard case .methodNotAllowed(let allowed) = router.match(method: .post, path: "/users/new") else {
                Issue.record("expected methodNotAllowed")
                return
            }
            #expect(allowed == [.get, .head])
            #expect(try await matched(router, .post, "/users/7")?.1["user_id"] == "7")
            #expect(try await matched(router, .get, "/users/new")?.0 == "GET /users/new")
        }
    }

    @Test("HEAD is answered by the GET route")
    func headFallsBackToGet() async throws {
        let router = try router([("/about", .get)])
        #expect(try await matched(router, .head, "/about")?.0 == "GET /about")
    }

    @Test("the same path and method cannot be added twice")
    func duplicate() throws {
        var router = try router([("/users/{id}", .get)])
        #expect(throws: RouterError.duplicate(method: .get, pattern: "/users/{user_id}", existing: "/users/{id}")) {
            try router.add("/users/{user_id}", method: .get) { _ in Response() }
        }
    }

    @Test("a copied router is independent of the original")
    func valueSemantics() throws {
        let original = try router([("/a", .get)])
        var copy = original
        try copy.add("/b", method: .get) { _ in Response() }
        guard case .notFound = original.match(method: .get, path: "/b") else {
            Issue.record("original changed"); return
        }
        #expect(copy.routes.count == 2 && original.routes.count == 1)
    }
}
