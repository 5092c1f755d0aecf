import Testing

@testable import RouteTableGenerator

@Suite("RouteSource: the types, method and parameter reads of a route file")
struct RouteSourceTests {
    @Test("top-level types are found with their access and inheritance; nested types and extensions are not")
    func topLevelTypes() {
        let source = RouteSource(
            """
            import Hyper

            /// `/users/{user_id}`
            struct UserPage: Page, Sendable {
                struct Row {}
                enum Mode { case a }
            }

            private struct Helper {}
            fileprivate enum Other {}
            public final class Exported: Route {}
            actor Counter {}
            extension UserPage {}
            protocol Thing {}
            """)
        #expect(
            source.types == [
                .init(name: "UserPage", isPrivate: false, inheritedTypes: ["Page", "Sendable"], line: 4, column: 1),
                .init(name: "Helper", isPrivate: true, inheritedTypes: [], line: 9, column: 9),
                .init(name: "Other", isPrivate: true, inheritedTypes: [], line: 10, column: 13),
                .init(name: "Exported", isPrivate: false, inheritedTypes: ["Route"], line: 11, column: 14),
                .init(name: "Counter", isPrivate: false, inheritedTypes: [], line: 12, column: 1),
            ])
    }

    @Test("declarations inside strings and comments are not types")
    func hiddenDeclarations() {
        let source = RouteSource(
            """
            // struct Commented: Page {}
            struct AboutPage: Page {
                var body: HTML { "struct Quoted: Page { \\(x) }" }
            }
            """)
        #expect(source.types.map(\.name) == ["AboutPage"])
    }

    @Test(
        "the method a type declares, in its body or an extension, in every spelling",
        arguments: [
            ("static let method = HTTPRequest.Method.post", RouteSource.MethodDeclaration.method("POST")),
            ("static let method: HTTPRequest.Method = .delete", .method("DELETE")),
            ("static var method: HTTPRequest.Method { .put }", .method("PUT")),
            ("public static var method: HTTPRequest.Method { return .patch }", .method("PATCH")),
            (#"static let method = HTTPRequest.Method("PURGE")!"#, .unrecognized),
        ])
    func method(declaration: String, expected: RouteSource.MethodDeclaration) {
        let inBody = RouteSource("struct SaveUser: Route {\n    \(declaration)\n    static func respond() {}\n}")
        #expect(inBody.methods == ["SaveUser": expected])
        let inExtension = RouteSource("struct SaveUser: Route {}\nextension SaveUser {\n    \(declaration)\n}")
        #expect(inExtension.methods == ["SaveUser": expected])
    }

    @Test("a type without a method declaration, or a nested one, declares none")
    func noMethod() {
        let source = RouteSource(
            """
            struct HomePage: Page {
                let method = "not static"
                struct Form { static let method = HTTPRequest.Method.post }
            }
            """)
        #expect(source.methods == [:])
    }

    @Test("path parameters read with a literal name are found where they are read")
    func parameterReads() {
        let source = RouteSource(
            """
            struct UserPage: Page {
                init(request: Request) throws {
                    let id = try request.parameter("user_id", as: Int.self)
                    let raw = request.pathParameters["tab"]
                    let dynamic = try request.parameter(name)
                    let text = "request.parameter(\\"quoted\\")"
                }
            }
            """)
        #expect(
            source.parameterReads == [
                .init(name: "user_id", line: 3, column: 40),
                .init(name: "tab", line: 4, column: 42),
            ])
    }
}
