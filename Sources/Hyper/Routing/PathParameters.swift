/// The values of a matched route pattern's `{name}` segments.
public struct PathParameters: Sendable, Equatable {
    private var values: [String: String]

    public init(_ values: [String: String] = [:]) {
        self.values = values
    }

    /// The raw value of `name`.
    public subscript(name: String) -> String? {
        values[name]
    }
}
