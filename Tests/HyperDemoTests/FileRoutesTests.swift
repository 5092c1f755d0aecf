import Hyper
import Testing

@testable import HyperDemo

@Suite("The demo's routes, found by RouteTablePlugin in its Routes/ folder")
struct FileRoutesTests {
    @Test("the generated table registers one route per route file, at its folder's path")
    func urlList() throws {
        let routes = try DemoRoutes.router().routes.map { "\($0.method.rawValue) \($0.pattern)" }
        #expect(
            routes == [
                "GET /", "GET /about", "GET /chat/{room_id}", "POST /chat/{room_id}/messages",
                "GET /chat/{room_id}/stream", "GET /dashboard-live", "POST /debug/chat/{room_id}/cut",
                "GET /debug/counts", "GET /debug/request",
                "GET /download/csv",
                "GET /hello", "GET /live-feed", "GET /login", "POST /login", "POST /logout",
                "GET /notifications", "POST /notifications",
                "GET /notifications/stream", "GET /report/{report_id}", "GET /rows", "GET /slow", "GET /sse",
                "GET /status/{user_id}",
                "POST /status/{user_id}", "GET /stream/feed", "GET /stream/metrics", "GET /users/{user_id}",
            ])
    }

    @Test("the parameter folder's value reaches the route, and static segments are not parameters")
    func matchesFolders() throws {
        let router = try DemoRoutes.router()
        guard case .found(_, let parameters, let pattern) = router.match(method: .get, path: "/users/7") else {
            Issue.record("/users/7 is not routed")
            return
        }
        #expect(pattern.description == "/users/{user_id}")
        #expect(parameters["user_id"] == "7")
        guard case .notFound = router.match(method: .get, path: "/users") else {
            Issue.record("/users has no route file, yet it is routed")
            return
        }
    }
}
