/// A piece of HTML, built by string interpolation.
///
/// Literal text is trusted markup; every interpolated value is escaped; `HTML` values and
/// sequences of them are inserted as they are. Raw, unescaped text must be asked for by name.
///
/// ```swift
/// let name = "<script>"
/// let page: HTML = "<h1>Hello, \(name)</h1><ul>\(items.map { item -> HTML in "<li>\(item)</li>" })</ul>"
/// // <h1>Hello, &lt;script&gt;</h1><ul>…</ul>
/// ```
public struct HTML: Sendable, Hashable, ExpressibleByStringInterpolation {
    /// The rendered UTF-8 bytes.
    public var bytes: [UInt8]

    /// An empty piece of HTML.
    public init() {
        bytes = []
    }

    /// Markup from a literal, trusted as it is.
    public init(stringLiteral markup: StaticString) {
        bytes = RenderScratch.takeBuffer(capacity: markup.utf8CodeUnitCount)
        markup.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    public init(stringInterpolation: StringInterpolation) {
        bytes = stringInterpolation.bytes
    }

    /// Text inserted without escaping. Only for markup from a trusted source: never user input.
    public init(unsafeRaw markup: some StringProtocol) {
        bytes = Array(markup.utf8)
    }

    /// The HTML as a string.
    public var string: String {
        String(decoding: bytes, as: UTF8.self)
    }

    /// Builds HTML; every `appendInterpolation` decides how a value is written.
    public struct StringInterpolation: StringInterpolationProtocol {
        @usableFromInline var bytes: [UInt8]

        public init(literalCapacity: Int, interpolationCount: Int) {
            bytes = RenderScratch.takeBuffer(capacity: literalCapacity + interpolationCount * 16)
        }

        public mutating func appendLiteral(_ literal: StaticString) {
            literal.withUTF8Buffer { bytes.append(contentsOf: $0) }
        }

        /// Inserts HTML as it is.
        public mutating func appendInterpolation(_ html: HTML) {
            bytes.append(contentsOf: html.bytes)
        }

        /// Inserts each piece of HTML in order.
        public mutating func appendInterpolation(_ fragments: [HTML]) {
            for fragment in fragments { bytes.append(contentsOf: fragment.bytes) }
        }

        /// Inserts each piece of HTML in order.
        public mutating func appendInterpolation(_ fragments: some Sequence<HTML>) {
            for fragment in fragments { bytes.append(contentsOf: fragment.bytes) }
        }

        /// Inserts the HTML of each element, written straight into this buffer. Inlinable, so that
        /// iterating the app's sequence is specialised for its element type.
        @inlinable
        public mutating func appendInterpolation<Data: Sequence>(_ list: ForEach<Data>) {
            for element in list.data {
                var fragment = list.content(element)
                bytes.append(contentsOf: fragment.bytes)
                RenderScratch.giveBack(&fragment.bytes)
            }
        }

        /// Inserts text, escaped.
        @inlinable
        public mutating func appendInterpolation(_ text: some StringProtocol) {
            HTMLEscaping.append(escaping: text, to: &bytes)
        }

        /// Inserts a number in decimal.
        public mutating func appendInterpolation(_ number: some BinaryInteger) {
            bytes.append(contentsOf: String(number).utf8)
        }

        /// Inserts a value's `description`, escaped.
        public mutating func appendInterpolation(_ value: some CustomStringConvertible) {
            HTMLEscaping.append(escaping: value.description, to: &bytes)
        }

        /// Inserts text without escaping. Only for markup from a trusted source: never user input.
        public mutating func appendInterpolation(unsafeRaw markup: some StringProtocol) {
            bytes.append(contentsOf: markup.utf8)
        }
    }
}

extension HTML: CustomStringConvertible {
    public var description: String { string }
}
