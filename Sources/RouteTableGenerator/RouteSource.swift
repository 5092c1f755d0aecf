/// What the generator reads in a route file's source, without compiling it.
///
/// - The top-level types: `struct`, `class`, `enum` and `actor` declarations outside any
///   braces, with their access level and the types they inherit from. Protocols, extensions,
///   functions and nested types are not types of the file in this sense.
/// - The method a type declares with `static let method = …` or `static var method: … { … }`
///   in its body or in an extension in the same file; the first `.get`, `.post`, … (any
///   `HTTPRequest.Method` constant) in that declaration is the method.
/// - The path parameters the file reads by name with a string literal:
///   `.parameter("user_id", …)` and `pathParameters["user_id"]`.
struct RouteSource {
    /// A top-level type declaration.
    struct TypeDeclaration: Equatable {
        var name: String
        /// Whether it is `private` or `fileprivate`, so code in other files cannot name it.
        var isPrivate: Bool
        /// The names in its inheritance clause, such as `["Page"]`.
        var inheritedTypes: [String]
        var line: Int
        var column: Int
    }

    /// A `static let method` or `static var method` declaration.
    enum MethodDeclaration: Equatable {
        /// A method constant, such as `POST`.
        case method(String)
        /// A value the scanner cannot read, such as `HTTPRequest.Method("PURGE")!`.
        case unrecognized
    }

    /// A path parameter read by name.
    struct ParameterRead: Equatable {
        var name: String
        var line: Int
        var column: Int
    }

    private(set) var types: [TypeDeclaration] = []
    /// The method declared by each type that declares one, by type name.
    private(set) var methods: [String: MethodDeclaration] = [:]
    private(set) var parameterReads: [ParameterRead] = []

    /// `HTTPRequest.Method`'s constants, by the name Swift code writes them with.
    private static let methodConstants = [
        "get": "GET", "head": "HEAD", "post": "POST", "put": "PUT", "delete": "DELETE", "connect": "CONNECT",
        "options": "OPTIONS", "trace": "TRACE", "patch": "PATCH",
    ]
    private static let typeKeywords: Set = ["struct", "class", "enum", "actor"]
    private static let modifiers: Set = [
        "public", "package", "internal", "fileprivate", "private", "open", "final", "indirect", "nonisolated",
    ]

    /// Scans `source`.
    init(_ source: String) {
        let tokens = SwiftTokenizer.tokens(in: source)
        var depth = 0
        /// The type whose body (or extension) the scanner is in, at depth 1.
        var owner: String?
        for (index, token) in tokens.enumerated() {
            switch token.kind {
            case .punctuation("{"):
                depth += 1
            case .punctuation("}"):
                depth = max(depth - 1, 0)
                if depth == 0 { owner = nil }
            case .identifier(let word) where depth == 0:
                guard let name = tokens[safe: index + 1]?.identifier else { break }
                if Self.typeKeywords.contains(word) {
                    types.append(Self.typeDeclaration(named: name, at: index, in: tokens))
                    owner = name
                } else if word == "extension" || word == "protocol" {
                    owner = name
                }
            case .identifier("method") where depth == 1:
                guard let owner, Self.isStaticProperty(before: index, in: tokens) else { break }
                if methods[owner] == nil {
                    methods[owner] = Self.methodDeclaration(after: index, in: tokens)
                }
            case .identifier("parameter"):
                if tokens[safe: index - 1]?.isPunctuation(".") == true,
                    tokens[safe: index + 1]?.isPunctuation("(") == true,
                    let read = Self.parameterRead(at: index + 2, in: tokens)
                {
                    parameterReads.append(read)
                }
            case .identifier("pathParameters"):
                if tokens[safe: index + 1]?.isPunctuation("[") == true,
                    let read = Self.parameterRead(at: index + 2, in: tokens)
                {
                    parameterReads.append(read)
                }
            default:
                break
            }
        }
    }

    /// The declaration whose keyword is at `index` and name at `index + 1`.
    private static func typeDeclaration(named name: String, at index: Int, in tokens: [SwiftToken]) -> TypeDeclaration {
        var isPrivate = false
        var modifierIndex = index - 1
        while let word = tokens[safe: modifierIndex]?.identifier, modifiers.contains(word) {
            isPrivate = isPrivate || word == "private" || word == "fileprivate"
            modifierIndex -= 1
        }
        var inheritedTypes: [String] = []
        var clauseIndex = index + 2
        var isInClause = false
        while let token = tokens[safe: clauseIndex], !token.isPunctuation("{"), !token.isIdentifier("where") {
            if token.isPunctuation(":") {
                isInClause = true
            } else if isInClause, let word = token.identifier {
                inheritedTypes.append(word)
            }
            clauseIndex += 1
        }
        let keyword = tokens[index]
        return TypeDeclaration(
            name: name, isPrivate: isPrivate, inheritedTypes: inheritedTypes, line: keyword.line, column: keyword.column
        )
    }

    /// Whether the `method` at `index` follows `static let`, `static var` or `class var`.
    private static func isStaticProperty(before index: Int, in tokens: [SwiftToken]) -> Bool {
        guard let introducer = tokens[safe: index - 1]?.identifier, introducer == "let" || introducer == "var",
            let word = tokens[safe: index - 2]?.identifier
        else { return false }
        return word == "static" || word == "class"
    }

    /// The method constant in the declaration of `method` at `index`: the first `.name` that is
    /// one, before the next member declaration or the end of the type's body.
    private static func methodDeclaration(after index: Int, in tokens: [SwiftToken]) -> MethodDeclaration {
        let memberIntroducers: Set = ["static", "class", "func", "var", "let", "init", "case", "subscript"]
        var current = index + 1
        var depth = 0
        while let token = tokens[safe: current] {
            if let word = token.identifier, memberIntroducers.contains(word) { break }
            if token.isPunctuation("{") { depth += 1 }
            if token.isPunctuation("}") {
                depth -= 1
                if depth < 0 { break }
            }
            if token.isPunctuation("."), let name = tokens[safe: current + 1]?.identifier,
                let method = methodConstants[name]
            {
                return .method(method)
            }
            current += 1
        }
        return .unrecognized
    }

    private static func parameterRead(at index: Int, in tokens: [SwiftToken]) -> ParameterRead? {
        guard let token = tokens[safe: index], case .string(let value?) = token.kind else { return nil }
        return ParameterRead(name: value, line: token.line, column: token.column)
    }
}

extension Array {
    fileprivate subscript(safe index: Int) -> Element? {
        indices.contains(index) ? self[index] : nil
    }
}
