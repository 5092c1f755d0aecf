import Testing

@testable import Hyper

@Suite("HTML")
struct HTMLTests {
    @Test("literal markup is kept as it is")
    func literalIsTrusted() {
        let html: HTML = "<p class=\"x\">a & b</p>"
        #expect(html.string == "<p class=\"x\">a & b</p>")
    }

    @Test("every interpolated string is escaped, byte for byte")
    func interpolatedStringsAreEscaped() {
        let hostile = "<script>alert('x') & \"y\"</script>"
        let html: HTML = "<p title=\"\(hostile)\">\(hostile)</p>"
        let escaped = "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;"
        #expect(html.bytes == Array("<p title=\"\(escaped)\">\(escaped)</p>".utf8))
    }

    @Test("non-ASCII text passes through unchanged")
    func nonASCII() {
        let name = "Zoë – 東京 🚀"
        let html: HTML = "<b>\(name)</b>"
        #expect(html.string == "<b>Zoë – 東京 🚀</b>")
    }

    @Test("numbers and other values are written by their description, escaped")
    func otherValues() {
        struct Tag: CustomStringConvertible { var description: String { "<tag>" } }
        let html: HTML = "\(42) \(-7 as Int64) \(3.5) \(true) \(Tag())"
        #expect(html.string == "42 -7 3.5 true &lt;tag&gt;")
    }

    @Test("HTML values and arrays of them are inserted without escaping")
    func nestedHTML() {
        let items = ["a<b", "c"].map { item -> HTML in "<li>\(item)</li>" }
        let rule: HTML = "<hr>"
        let html: HTML = "<ul>\(items)</ul>\(rule)"
        #expect(html.string == "<ul><li>a&lt;b</li><li>c</li></ul><hr>")
    }

    @Test("lazy sequences of HTML are inserted too")
    func sequenceOfHTML() {
        let html: HTML = "\((1...3).lazy.map { n -> HTML in "<i>\(n)</i>" })"
        #expect(html.string == "<i>1</i><i>2</i><i>3</i>")
    }

    @Test("raw output needs the explicitly named API")
    func unsafeRaw() {
        let trusted = "<em>ok</em>"
        let html: HTML = "\(unsafeRaw: trusted)|\(trusted)"
        #expect(html.string == "<em>ok</em>|&lt;em&gt;ok&lt;/em&gt;")
        #expect(HTML(unsafeRaw: trusted).string == "<em>ok</em>")
    }

    @Test("escaping handles each special byte at the start, middle and end")
    func escapeBoundaries() {
        for (input, expected) in [
            ("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("\"", "&quot;"), ("'", "&#39;"),
            ("a&", "a&amp;"), ("&a", "&amp;a"), ("", ""), ("plain", "plain"), ("<<>>", "&lt;&lt;&gt;&gt;"),
        ] {
            var buffer: [UInt8] = []
            HTMLEscaping.append(escaping: input, to: &buffer)
            #expect(String(decoding: buffer, as: UTF8.self) == expected, "escaping \(input.debugDescription)")
        }
    }
}
