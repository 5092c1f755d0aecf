import Testing

@testable import RouteTableGenerator

@Suite("RoutePath: a folder list is a URL path")
struct RoutePathTests {
    @Test(
        "folders map to literal and parameter segments",
        arguments: [
            ([], "/"),
            (["about"], "/about"),
            (["users", "{user_id}"], "/users/{user_id}"),
            (["chat", "{room_id}", "stream"], "/chat/{room_id}/stream"),
            (["files", "{_name2}"], "/files/{_name2}"),
        ])
    func mapsFolders(folders: [String], path: String) throws {
        #expect(try RoutePath(folders: folders).description == path)
    }

    @Test("parameter names are listed in path order, and the shape leaves them out")
    func parametersAndShape() throws {
        let path = try RoutePath(folders: ["chat", "{room_id}", "messages", "{message_id}"])
        #expect(path.parameterNames == ["room_id", "message_id"])
        #expect(path.shape == "/chat/{}/messages/{}")
        #expect(try RoutePath(folders: ["users", "{id}"]).shape == RoutePath(folders: ["users", "{user_id}"]).shape)
    }

    @Test(
        "a malformed folder name is refused with the folder and the reason",
        arguments: [
            ("{}", "folder {}: the parameter has no name"),
            ("{a b}", "folder {a b}: parameter name \"a b\" is not an identifier"),
            ("{1st}", "folder {1st}: parameter name \"1st\" is not an identifier"),
            ("{user_id", "folder {user_id: unbalanced braces: a parameter folder is named {name}"),
            ("user_id}", "folder user_id}: unbalanced braces: a parameter folder is named {name}"),
            ("a{b}", "folder a{b}: unbalanced braces: a parameter folder is named {name}"),
            ("{{a}}", "folder {{a}}: unbalanced braces: a parameter folder is named {name}"),
        ])
    func malformedSegment(folder: String, message: String) {
        #expect(throws: RoutePathError.self) { try RoutePath(folders: ["x", folder]) }
        do {
            _ = try RoutePath(folders: ["x", folder])
        } catch {
            #expect(error.description == message)
        }
    }

    @Test("a parameter name used twice on one path is refused")
    func parameterUsedTwice() {
        #expect(throws: RoutePathError(folder: "{id}", reason: "parameter {id} is used twice on one path")) {
            try RoutePath(folders: ["users", "{id}", "friends", "{id}"])
        }
    }
}
