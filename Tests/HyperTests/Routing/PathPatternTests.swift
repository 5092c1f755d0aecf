import Testing

@testable import Hyper

@Suite("Path patterns")
struct PathPatternTests {
    @Test("literal and parameter segments are parsed")
    func parses() throws {
        let pattern = try PathPattern("/users/{user_id}/posts")
        #expect(pattern.segments == [.literal("users"), .parameter("user_id"), .literal("posts")])
        #expect(pattern.description == "/users/{user_id}/posts")
        #expect(try PathPattern("/").segments.isEmpty)
    }

    @Test(
        "malformed patterns are refused with the reason",
        arguments: [
            ("users", "must start with /"),
            ("/users/{}", "empty parameter name {}"),
            ("/users/{a b}", "parameter name {a b} is not an identifier"),
            ("/users/{id", "unbalanced braces in segment {id"),
            ("/users/id}", "unbalanced braces in segment id}"),
            ("/a/{id}/b/{id}", "parameter {id} is used twice"),
        ])
    func refusesMalformed(pattern: String, reason: String) {
        #expect(throws: PathPatternError(pattern: pattern, reason: reason)) { try PathPattern(pattern) }
    }
}
