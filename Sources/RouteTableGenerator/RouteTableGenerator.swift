import Foundation

/// Writes the route table of a `Routes/` folder tree as Swift: the tool `RouteTablePlugin` runs.
///
/// ```
/// RouteTableGenerator <routes-folder> <output.swift>
/// ```
///
/// Mistakes in the tree are printed to standard error as compiler diagnostics naming the route
/// file (`path:line:column: error: message`) and the tool exits with status 1. The output file
/// is only written when its contents change, so an unchanged table recompiles nothing.
@main
enum RouteTableGenerator {
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        guard arguments.count == 2 else {
            fail("usage: RouteTableGenerator <routes-folder> <output.swift>")
        }
        let output = arguments[1]
        do {
            let source = try RouteTable(files: RoutesFolder(path: arguments[0]).routeFiles()).swiftSource
            guard (try? String(contentsOfFile: output, encoding: .utf8)) != source else { return }
            try source.write(toFile: output, atomically: true, encoding: .utf8)
        } catch let error as RouteErrors {
            fail(error.description)
        } catch let error as RoutesFolderError {
            fail(error.description)
        } catch {
            fail("\(output): error: cannot write the route table: \(error.localizedDescription)")
        }
    }

    private static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data((message + "\n").utf8))
        exit(1)
    }
}
