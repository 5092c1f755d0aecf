/// A route path such as `/users/{user_id}/posts`: literal segments and `{name}` parameters.
public struct PathPattern: Sendable, Hashable, CustomStringConvertible {
    /// One segment of a pattern.
    public enum Segment: Sendable, Hashable {
        case literal(String)
        case parameter(String)
    }

    public let segments: [Segment]
    /// The pattern as written, normalised (`/users/{user_id}`); made once, as the access log
    /// names the route of every request.
    public let description: String

    /// Parses a pattern. Throws `PathPatternError` for `{}`, a name that is not an identifier,
    /// unbalanced braces, or a parameter named twice.
    public init(_ pattern: String) throws(PathPatternError) {
        guard pattern.hasPrefix("/") else { throw .init(pattern: pattern, reason: "must start with /") }
        var segments: [Segment] = []
        var names: Set<String> = []
        for raw in pattern.split(separator: "/", omittingEmptySubsequences: true) {
            if raw.hasPrefix("{") && raw.hasSuffix("}") && raw.count >= 2 {
                let name = String(raw.dropFirst().dropLast())
                guard !name.isEmpty else { throw .init(pattern: pattern, reason: "empty parameter name {}") }
                guard Self.isIdentifier(name) else {
                    throw .init(pattern: pattern, reason: "parameter name {\(name)} is not an identifier")
                }
                guard names.insert(name).inserted else {
                    throw .init(pattern: pattern, reason: "parameter {\(name)} is used twice")
                }
                segments.append(.parameter(name))
            } else if raw.contains("{") || raw.contains("}") {
                throw .init(pattern: pattern, reason: "unbalanced braces in segment \(raw)")
            } else {
                segments.append(.literal(String(raw)))
            }
        }
        self.segments = segments
        self.description =
            "/"
            + segments.map {
                switch $0 {
                case .literal(let text): text
                case .parameter(let name): "{\(name)}"
                }
            }.joined(separator: "/")
    }

    private static func isIdentifier(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || first.properties.isAlphabetic else { return false }
        return name.unicodeScalars.allSatisfy { $0 == "_" || $0.properties.isAlphabetic || ("0"..."9").contains($0) }
    }
}

/// A route pattern that cannot be parsed.
public struct PathPatternError: Error, Equatable, CustomStringConvertible {
    public var pattern: String
    public var reason: String

    public var description: String { "Hyper: invalid route pattern \(pattern.debugDescription): \(reason)" }
}
