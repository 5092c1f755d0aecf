/// The URL path a route folder stands for: `users/{user_id}` is `/users/{user_id}`.
///
/// A folder named `{name}` is a parameter segment, any other folder a literal segment. The rules
/// are Hyper's `PathPattern` rules, so every path the generator accepts the router accepts too:
/// a parameter name is an identifier (a letter or `_`, then letters, digits or `_`), braces
/// come in one pair around the whole folder name, and no name appears twice on one path.
struct RoutePath: Equatable, CustomStringConvertible {
    /// One segment of a route path.
    enum Segment: Equatable {
        case literal(String)
        case parameter(String)
    }

    var segments: [Segment]

    /// Parses the folders from `Routes/` down to a route file.
    init(folders: [String]) throws(RoutePathError) {
        var segments: [Segment] = []
        var names: Set<String> = []
        for folder in folders {
            let segment = try Self.segment(folder)
            if case .parameter(let name) = segment, !names.insert(name).inserted {
                throw RoutePathError(
                    folder: folder, reason: "parameter {\(name)} is used twice on one path")
            }
            segments.append(segment)
        }
        self.segments = segments
    }

    /// The path as the router's pattern syntax writes it, such as `/users/{user_id}`.
    var description: String {
        "/"
            + segments.map {
                switch $0 {
                case .literal(let text): text
                case .parameter(let name): "{\(name)}"
                }
            }.joined(separator: "/")
    }

    /// The names of the parameter segments, in path order.
    var parameterNames: [String] {
        segments.compactMap {
            if case .parameter(let name) = $0 { name } else { nil }
        }
    }

    /// The path with parameter names left out, such as `/users/{}`: the router does not tell
    /// `/users/{id}` and `/users/{user_id}` apart, so routes with one shape share a place.
    var shape: String {
        "/"
            + segments.map {
                switch $0 {
                case .literal(let text): text
                case .parameter: "{}"
                }
            }.joined(separator: "/")
    }

    private static func segment(_ folder: String) throws(RoutePathError) -> Segment {
        guard folder.contains("{") || folder.contains("}") else { return .literal(folder) }
        let braces = folder.filter { $0 == "{" || $0 == "}" }
        guard braces == "{}", folder.hasPrefix("{"), folder.hasSuffix("}") else {
            throw RoutePathError(folder: folder, reason: "unbalanced braces: a parameter folder is named {name}")
        }
        let name = String(folder.dropFirst().dropLast())
        guard !name.isEmpty else { throw RoutePathError(folder: folder, reason: "the parameter has no name") }
        guard isIdentifier(name) else {
            throw RoutePathError(folder: folder, reason: "parameter name \"\(name)\" is not an identifier")
        }
        return .parameter(name)
    }

    private static func isIdentifier(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || first.properties.isAlphabetic
        else {
            return false
        }
        return name.unicodeScalars.allSatisfy {
            $0 == "_" || $0.properties.isAlphabetic || ("0"..."9").contains($0)
        }
    }
}

/// A route folder whose name is not a valid path segment.
struct RoutePathError: Error, Equatable, CustomStringConvertible {
    /// The folder's name, such as `{a b}`.
    var folder: String
    var reason: String

    var description: String { "folder \(folder): \(reason)" }
}
