import Testing

@testable import Hyper

@Suite("Session secrets: random ids and tokens, their hashes, and comparing them")
struct SessionSecretTests {
    @Test("a secret is 256 random bits as 43 base64url characters, never the same twice")
    func secretsAreLongAndUnique() {
        let secrets = (0..<1000).map { _ in SessionSecret.make() }
        #expect(Set(secrets).count == 1000)
        for secret in secrets {
            #expect(secret.utf8.count == 43)
            #expect(SessionSecret.isWellFormed(secret))
        }
        // Every character of the alphabet turns up: the bits are spread over all of them.
        #expect(Set(secrets.joined()).count == 64)
    }

    @Test("a value that is not a secret's form is refused before any store is asked")
    func malformedSecrets() {
        #expect(!SessionSecret.isWellFormed(""))
        #expect(!SessionSecret.isWellFormed(String(repeating: "a", count: 42)))
        #expect(!SessionSecret.isWellFormed(String(repeating: "a", count: 44)))
        #expect(!SessionSecret.isWellFormed(String(repeating: "a", count: 42) + "="))
        #expect(!SessionSecret.isWellFormed(String(repeating: "a", count: 42) + "/"))
        #expect(SessionSecret.isWellFormed(String(repeating: "a", count: 42) + "-"))
    }

    @Test("the store's key is the SHA-256 of the cookie value, in hex")
    func hashIsSHA256() {
        #expect(SessionSecret.hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let secret = SessionSecret.make()
        #expect(SessionSecret.hash(secret).count == 64)
        #expect(SessionSecret.hash(secret) != secret)
    }

    @Test(
        "tokens compare equal only when every byte is",
        arguments: [
            ("abc", "abc", true), ("abc", "abd", false), ("abc", "ab", false), ("", "", true), ("abc", "", false),
        ])
    func constantTimeComparison(left: String, right: String, equal: Bool) {
        #expect(SessionSecret.constantTimeEquals(left, right) == equal)
    }
}
