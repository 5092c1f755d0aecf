import Hyper
import Testing

@Suite("ServerOptions: the command line every app shares")
struct ServerOptionsTests {
    /// An app's command: the shared flags and one of its own.
    struct PollCommand: ParsableCommand {
        @OptionGroup var server: ServerOptions
        @Option var question = "Tabs?"
    }

    @Test("flags become the application's configuration; the app's own flag sits beside them")
    func configuration() throws {
        let command = try PollCommand.parse([
            "--protocol", "scgi", "--max-threads", "64", "--max-streams", "500", "--request-timeout", "2.5",
            "--max-body", "1024", "--heartbeat", "0.5", "--grace", "0", "--slow-request", "0.25",
            "--status-path", "", "--log-level", "debug", "--question", "Spaces?",
        ])
        let configuration = command.server.configuration
        #expect(configuration.server.wireProtocol == .scgi)
        #expect(configuration.server.maxThreads == 64 && configuration.server.maxStreams == 500)
        #expect(configuration.server.requestTimeout == .milliseconds(2500))
        #expect(configuration.maxBodySize == 1024)
        #expect(configuration.heartbeatInterval == .milliseconds(500))
        #expect(configuration.shutdownGracePeriod == .zero)
        #expect(configuration.slowRequestThreshold == .milliseconds(250))
        #expect(configuration.statusPath == nil)
        #expect(command.server.level == .debug)
        #expect(command.question == "Spaces?")
    }

    @Test("the session flags set the sessions' lifetime, idle timeout and Secure cookie")
    func sessionFlags() throws {
        let configuration = try PollCommand.parse([
            "--session-lifetime", "3600", "--session-idle-timeout", "0.5", "--secure-cookies",
        ]).server.configuration
        #expect(configuration.sessions.lifetime == .seconds(3600))
        #expect(configuration.sessions.idleTimeout == .milliseconds(500))
        #expect(configuration.sessions.alwaysSecure)
        #expect(try PollCommand.parse([]).server.configuration.sessions == SessionConfiguration())
    }

    @Test("the defaults are Application.Configuration's, with the status page on")
    func defaults() throws {
        let configuration = try PollCommand.parse([]).server.configuration
        let plain = Application.Configuration()
        #expect(configuration.maxBodySize == plain.maxBodySize)
        #expect(configuration.server.maxThreads == plain.server.maxThreads)
        #expect(configuration.heartbeatInterval == plain.heartbeatInterval)
        #expect(configuration.statusPath == "/_hyper/status")
    }

    @Test(
        "bad values are usage errors naming the flag",
        arguments: [
            (["--socket", "/a", "--listen", "127.0.0.1:1"], "either --socket or --listen"),
            (["--listen", "localhost"], "--listen takes HOST:PORT"),
            (["--listen", "127.0.0.1:70000"], "--listen takes HOST:PORT"),
            (["--socket-mode", "9"], "--socket-mode must be octal"),
            (["--max-threads", "1"], "--max-threads must be at least 2"),
            (["--request-timeout", "0"], "--request-timeout must be positive"),
            (["--session-lifetime", "0"], "--session-lifetime and --session-idle-timeout must be positive"),
            (["--session-idle-timeout=-1"], "--session-lifetime and --session-idle-timeout must be positive"),
            (["--status-path", "status"], "--status-path must start with /"),
            (["--log-level", "loud"], "unknown log level loud"),
        ])
    func usageErrors(arguments: [String], message: String) {
        #expect {
            _ = try PollCommand.parse(arguments)
        } throws: { error in
            PollCommand.message(for: error).contains(message)
        }
    }

    @Test("--listen opens TCP on IPv4 and on a bracketed IPv6 address")
    func listen() throws {
        for address in ["127.0.0.1:0", "[::1]:0"] {
            let socket = try PollCommand.parse(["--listen", address]).server.openSocket()
            defer { socket.close() }
            #expect(socket.isTCP, "\(address)")
        }
    }
}
