/// Splits Swift source into `SwiftToken`s.
///
/// It knows what can hide braces and quotes from a naive reader: line and nested block
/// comments, single-line, multi-line and raw (`#"…"#`) string literals, and interpolations
/// (`\(…)`, `\#(…)`) inside them, whose code is tokenized in turn.
struct SwiftTokenizer {
    private let bytes: [UInt8]
    private var index = 0
    private var line = 1
    private var lineStart = 0
    private var tokens: [SwiftToken] = []

    private init(_ source: String) {
        bytes = Array(source.utf8)
    }

    /// The tokens of `source`, in order.
    static func tokens(in source: String) -> [SwiftToken] {
        var tokenizer = SwiftTokenizer(source)
        tokenizer.scanCode(inInterpolation: false)
        return tokenizer.tokens
    }

    private var column: Int { index - lineStart + 1 }

    private func byte(at offset: Int) -> UInt8? {
        index + offset < bytes.count ? bytes[index + offset] : nil
    }

    /// Steps over one byte, counting lines.
    private mutating func advance() {
        if bytes[index] == UInt8(ascii: "\n") {
            line += 1
            lineStart = index + 1
        }
        index += 1
    }

    /// Scans code up to the end of the source or, in an interpolation, past its closing `)`.
    private mutating func scanCode(inInterpolation: Bool) {
        var openParentheses = 0
        while let current = byte(at: 0) {
            switch current {
            case UInt8(ascii: "/") where byte(at: 1) == UInt8(ascii: "/"):
                while let next = byte(at: 0), next != UInt8(ascii: "\n") { advance() }
            case UInt8(ascii: "/") where byte(at: 1) == UInt8(ascii: "*"):
                skipBlockComment()
            case UInt8(ascii: "\""):
                scanString(hashes: 0)
            case UInt8(ascii: "#"):
                var hashes = 1
                while byte(at: hashes) == UInt8(ascii: "#") { hashes += 1 }
                if byte(at: hashes) == UInt8(ascii: "\"") {
                    scanString(hashes: hashes)
                } else {
                    append(.punctuation("#"))
                    advance()
                }
            case UInt8(ascii: "`"):
                scanQuotedIdentifier()
            case UInt8(ascii: "("):
                openParentheses += 1
                append(.punctuation("("))
                advance()
            case UInt8(ascii: ")"):
                if inInterpolation && openParentheses == 0 {
                    advance()
                    return
                }
                openParentheses -= 1
                append(.punctuation(")"))
                advance()
            case _ where Self.startsIdentifier(current):
                scanIdentifier()
            case _ where Self.isDigit(current):
                skipNumber()
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), UInt8(ascii: "\n"):
                advance()
            default:
                append(.punctuation(Character(Unicode.Scalar(current))))
                advance()
            }
        }
    }

    private mutating func append(_ kind: SwiftToken.Kind) {
        tokens.append(SwiftToken(kind: kind, line: line, column: column))
    }

    private mutating func skipBlockComment() {
        var depth = 0
        repeat {
            if byte(at: 0) == UInt8(ascii: "/") && byte(at: 1) == UInt8(ascii: "*") {
                depth += 1
                index += 2
            } else if byte(at: 0) == UInt8(ascii: "*") && byte(at: 1) == UInt8(ascii: "/") {
                depth -= 1
                index += 2
            } else {
                advance()
            }
        } while depth > 0 && index < bytes.count
    }

    /// Scans a string literal whose opening quote follows `hashes` `#` signs at the current index.
    private mutating func scanString(hashes: Int) {
        let tokenIndex = tokens.count
        append(.string(value: nil))
        index += hashes
        let isMultiline = isRun(of: UInt8(ascii: "\""), length: 3, at: 0)
        let quotes = isMultiline ? 3 : 1
        index += quotes
        var text: [UInt8] = []
        var isPlain = !isMultiline
        while let current = byte(at: 0) {
            if current == UInt8(ascii: "\"") && isDelimiter(quotes: quotes, hashes: hashes) {
                index += quotes + hashes
                break
            }
            if current == UInt8(ascii: "\\") && isRun(of: UInt8(ascii: "#"), length: hashes, at: 1) {
                isPlain = false
                index += 1 + hashes
                if byte(at: 0) == UInt8(ascii: "(") {
                    advance()
                    scanCode(inInterpolation: true)
                } else if byte(at: 0) != nil {
                    advance()
                }
                continue
            }
            if current == UInt8(ascii: "\n") && !isMultiline { break }
            text.append(current)
            advance()
        }
        if isPlain {
            tokens[tokenIndex].kind = .string(value: String(decoding: text, as: UTF8.self))
        }
    }

    /// Whether the current index starts `quotes` quotes followed by `hashes` `#` signs.
    private func isDelimiter(quotes: Int, hashes: Int) -> Bool {
        isRun(of: UInt8(ascii: "\""), length: quotes, at: 0)
            && isRun(of: UInt8(ascii: "#"), length: hashes, at: quotes)
    }

    private func isRun(of character: UInt8, length: Int, at offset: Int) -> Bool {
        (offset..<offset + length).allSatisfy { byte(at: $0) == character }
    }

    private mutating func scanIdentifier() {
        let start = index
        while let current = byte(at: 0), Self.continuesIdentifier(current) { index += 1 }
        appendIdentifier(bytes[start..<index], startingAt: start)
    }

    /// Scans a name in backquotes, such as `` `Type` ``.
    private mutating func scanQuotedIdentifier() {
        let quote = index
        index += 1
        while let current = byte(at: 0), current != UInt8(ascii: "`"), current != UInt8(ascii: "\n") { index += 1 }
        appendIdentifier(bytes[quote + 1..<index], startingAt: quote)
        if byte(at: 0) == UInt8(ascii: "`") { index += 1 }
    }

    /// Appends an identifier token for a name on the current line that starts at byte `start`.
    private mutating func appendIdentifier(_ name: ArraySlice<UInt8>, startingAt start: Int) {
        tokens.append(
            SwiftToken(
                kind: .identifier(String(decoding: name, as: UTF8.self)), line: line, column: start - lineStart + 1))
    }

    private mutating func skipNumber() {
        while let current = byte(at: 0) {
            if Self.continuesIdentifier(current) {
                index += 1
            } else if current == UInt8(ascii: "."), let next = byte(at: 1), Self.isDigit(next) {
                index += 1
            } else {
                return
            }
        }
    }

    private static func startsIdentifier(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "_"),
            UInt8(ascii: "$"), 0x80...:
            true
        default:
            false
        }
    }

    private static func continuesIdentifier(_ byte: UInt8) -> Bool {
        startsIdentifier(byte) || isDigit(byte)
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }
}
