extension Duration {
    /// The duration in milliseconds, with microsecond precision, for logs and the status page.
    var milliseconds: Double {
        Double(components.seconds) * 1000 + Double(components.attoseconds / 1_000_000_000_000) / 1000
    }

    /// The duration in seconds.
    var seconds: Double {
        milliseconds / 1000
    }
}
