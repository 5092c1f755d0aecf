import Foundation
import MallocInterposerSwift

/// Renders the 1,000-row page with each renderer: checks the outputs are byte-identical, then
/// prints µs per page (median of rounds) and allocations per page, as a table and as JSON.
@main
struct RenderBenchmark {
    struct Result: Encodable {
        let name: String
        let microsecondsPerPage: Double
        let allocationsPerPage: Double
        let bytes: Int
        var ratioToBaseline = 0.0
    }

    static func main() throws {
        let rows = Row.sample
        let renderers: [(String, ([Row]) -> [UInt8])] = [
            ("hand-written byte baseline", Renderers.baseline),
            ("Hyper HTML, ForEach", Renderers.hyper),
            ("Hyper HTML, \\(rows.map)", Renderers.hyperMap),
            ("swift-mustache", Renderers.mustache),
        ]
        let reference = Renderers.baseline(rows)
        for (name, render) in renderers where render(rows) != reference {
            print("render benchmark: \(name) output differs from the baseline")
            throw ExitCode.failure
        }
        var results = renderers.map { name, render in measure(name, rows: rows, render: render) }
        let baseline = results[0].microsecondsPerPage
        for index in results.indices { results[index].ratioToBaseline = results[index].microsecondsPerPage / baseline }

        print("render: \(rows.count)-row page, \(reference.count) bytes, byte-identical output")
        print(
            "\("renderer".padding(toLength: 30, withPad: " ", startingAt: 0)) \("µs/page".leftPad(10)) \("allocs/page".leftPad(12)) \("×baseline".leftPad(10))"
        )
        for result in results {
            print(
                "\(result.name.padding(toLength: 30, withPad: " ", startingAt: 0)) \(String(format: "%.1f", result.microsecondsPerPage).leftPad(10)) \(String(format: "%.1f", result.allocationsPerPage).leftPad(12)) \(String(format: "%.2f", result.ratioToBaseline).leftPad(10))"
            )
        }
        if let path = CommandLine.arguments.dropFirst().first {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(results).write(to: URL(fileURLWithPath: path))
        }
    }

    static func measure(_ name: String, rows: [Row], render: ([Row]) -> [UInt8]) -> Result {
        var checksum = 0
        for _ in 0..<50 { checksum &+= render(rows).count }  // warm up
        MallocInterposerSwift.reset()
        MallocInterposerSwift.hook()
        let counted = 20
        for _ in 0..<counted { checksum &+= render(rows).count }
        MallocInterposerSwift.unhook()
        let allocations = Double(MallocInterposerSwift.getStatistics().mallocCount) / Double(counted)
        var rounds: [Double] = []
        for _ in 0..<15 {
            let iterations = 100
            let clock = ContinuousClock()
            let elapsed = clock.measure {
                for _ in 0..<iterations { checksum &+= render(rows).count }
            }
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            rounds.append(seconds * 1e6 / Double(iterations))
        }
        precondition(checksum > 0)
        rounds.sort()
        return Result(
            name: name, microsecondsPerPage: rounds[rounds.count / 2], allocationsPerPage: allocations,
            bytes: render(rows).count)
    }
}

enum ExitCode: Error { case failure }

extension String {
    fileprivate func leftPad(_ width: Int) -> String {
        String(repeating: " ", count: max(0, width - count)) + self
    }
}
