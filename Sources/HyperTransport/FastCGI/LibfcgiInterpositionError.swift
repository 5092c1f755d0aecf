/// libfcgi's reads would not pass through Hyper's input check in this program (see
/// `LibfcgiReadGate`): hostile FastCGI input would reach libfcgi unchecked, so the server refuses
/// to start.
public struct LibfcgiInterpositionError: Error, CustomStringConvertible {
    public var description: String {
        "HyperFastCGI: libfcgi's OS_Read does not resolve to Hyper's input check, so hostile FastCGI input "
            + "would reach libfcgi unchecked; link libfcgi dynamically (the default) and keep the program's "
            + "dynamic symbol OS_Read (do not strip it or hide it with a version script)"
    }
}
