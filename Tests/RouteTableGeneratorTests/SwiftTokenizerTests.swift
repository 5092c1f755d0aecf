import Testing

@testable import RouteTableGenerator

@Suite("SwiftTokenizer: code, with comments and strings out of the way")
struct SwiftTokenizerTests {
    private func kinds(_ source: String) -> [SwiftToken.Kind] {
        SwiftTokenizer.tokens(in: source).map(\.kind)
    }

    @Test("identifiers and punctuation carry their line and column; numbers and whitespace are dropped")
    func identifiersAndPunctuation() {
        let tokens = SwiftTokenizer.tokens(in: "struct A: Page {\n  let x = 1.5\n}")
        #expect(
            tokens.map(\.kind) == [
                .identifier("struct"), .identifier("A"), .punctuation(":"), .identifier("Page"), .punctuation("{"),
                .identifier("let"), .identifier("x"), .punctuation("="), .punctuation("}"),
            ])
        #expect(tokens[5].line == 2 && tokens[5].column == 3)
        #expect(tokens[8].line == 3 && tokens[8].column == 1)
    }

    @Test("comments hide braces and declarations, including nested block comments")
    func comments() {
        #expect(kinds("// struct A {\n/* struct B { /* } */ enum C */ x") == [.identifier("x")])
    }

    @Test("a plain string literal is one token with its text")
    func plainString() {
        #expect(
            kinds(#"f("user_id")"#) == [
                .identifier("f"), .punctuation("("), .string(value: "user_id"), .punctuation(")"),
            ])
    }

    @Test("braces and quotes inside strings are text, in every kind of literal")
    func stringsHideBraces() {
        #expect(
            kinds(#"a = "{ \" }" b"#) == [.identifier("a"), .punctuation("="), .string(value: nil), .identifier("b")])
        #expect(
            kinds(##"a = #"{ " }"# b"##) == [
                .identifier("a"), .punctuation("="), .string(value: #"{ " }"#), .identifier("b"),
            ])
        #expect(
            kinds("a = \"\"\"\n{ \" \"\" }\n\"\"\" b") == [
                .identifier("a"), .punctuation("="), .string(value: nil), .identifier("b"),
            ])
    }

    @Test("the code of an interpolation is tokenized after its string, nested strings included")
    func interpolation() {
        let source = #""<ul>\(items.map { item -> HTML in "<li>\(item)}</li>" })</ul>" }"#
        #expect(
            kinds(source) == [
                .string(value: nil), .identifier("items"), .punctuation("."), .identifier("map"), .punctuation("{"),
                .identifier("item"), .punctuation("-"), .punctuation(">"), .identifier("HTML"), .identifier("in"),
                .string(value: nil), .identifier("item"), .punctuation("}"), .punctuation("}"),
            ])
    }

    @Test("a raw string's interpolation needs its hashes")
    func rawInterpolation() {
        #expect(kinds(##"#"\(a) \#(b)"#"##) == [.string(value: nil), .identifier("b")])
    }

    @Test("a backquoted name is an identifier without its backquotes")
    func quotedIdentifier() {
        #expect(
            kinds("struct `Type` {}") == [
                .identifier("struct"), .identifier("Type"), .punctuation("{"), .punctuation("}"),
            ])
    }
}
