/// A token of Swift source, as far as the route scanner needs to see: comments, whitespace and
/// numbers are left out, and a string literal is one token whatever it contains.
struct SwiftToken: Equatable {
    enum Kind: Equatable {
        /// A name or keyword; a backquoted name without its backquotes.
        case identifier(String)
        /// A string literal; `value` is its text when it is one line with no escapes and no
        /// interpolations, and `nil` otherwise. The tokens of its interpolations follow it.
        case string(value: String?)
        /// Any other character of code, such as `{`, `:` or `.`.
        case punctuation(Character)
    }

    var kind: Kind
    /// The 1-based line and UTF-8 column where the token starts.
    var line: Int
    var column: Int

    /// Whether the token is the identifier `name`.
    func isIdentifier(_ name: String) -> Bool {
        kind == .identifier(name)
    }

    /// Whether the token is the punctuation character `character`.
    func isPunctuation(_ character: Character) -> Bool {
        kind == .punctuation(character)
    }

    /// The token's name if it is an identifier.
    var identifier: String? {
        if case .identifier(let name) = kind { name } else { nil }
    }
}
