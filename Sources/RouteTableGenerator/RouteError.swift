/// A mistake in a `Routes/` folder tree, reported on the route file it concerns.
///
/// Its description is a compiler diagnostic (`path:line:column: error: message`), the form
/// SwiftPM and Xcode show as a build error pointing at the file.
struct RouteError: Error, Equatable, CustomStringConvertible {
    /// The offending route file, as the diagnostic shows it.
    var file: String
    var line: Int
    var column: Int
    var message: String

    init(file: String, line: Int = 1, column: Int = 1, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    var description: String { "\(file):\(line):\(column): error: \(message)" }
}

/// Every mistake found in one `Routes/` folder tree, in file order, so one build shows them all.
struct RouteErrors: Error, Equatable, CustomStringConvertible {
    var errors: [RouteError]

    /// One diagnostic per line.
    var description: String { errors.map(\.description).joined(separator: "\n") }
}
