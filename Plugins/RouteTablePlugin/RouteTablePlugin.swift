import Foundation
import PackagePlugin

/// Generates a target's route table from its `Routes/` folder tree: file-based routing.
///
/// The folder tree under the target's `Routes/` folder is the URL tree. A route is a folder, and
/// its Swift file is named after the route type it declares:
///
/// ```
/// Sources/App/Routes/HomePage.swift                      GET /
/// Sources/App/Routes/about/AboutPage.swift               GET /about
/// Sources/App/Routes/users/{user_id}/UserPage.swift      GET /users/{user_id}
/// Sources/App/Routes/users/{user_id}/UpdateUser.swift    POST /users/{user_id}
/// Sources/App/Routes/_components/Layout.swift            (not a route)
/// ```
///
/// Adopt it on the app target and add the generated routes to a router:
///
/// ```swift
/// .executableTarget(name: "App", dependencies: ["Hyper"], plugins: [.plugin(name: "RouteTablePlugin", package: "hyper")])
///
/// var router = Router()
/// try router.addFileRoutes()
/// ```
///
/// The plugin declares every Swift file under `Routes/` and every folder holding one as the
/// generator's inputs, so adding, renaming or removing a route file regenerates the table, and
/// the generator rewrites the table only when it changes. See `README.md` beside this file for
/// the rules and the build errors.
@main
struct RouteTablePlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        guard let target = target as? SourceModuleTarget else { return [] }
        let routesFolder = target.directoryURL.appending(path: "Routes").path(percentEncoded: false)
        let swiftFiles = target.sourceFiles(withSuffix: "swift").map(\.url).filter {
            $0.path(percentEncoded: false).hasPrefix(routesFolder + "/")
        }
        let routesFolderURL = URL(filePath: routesFolder, directoryHint: .isDirectory)
        let folders = Set([routesFolderURL] + swiftFiles.map { $0.deletingLastPathComponent() })
        let output = context.pluginWorkDirectoryURL.appending(path: "FileRoutes.swift")
        return [
            .buildCommand(
                displayName: "Generating the route table of \(target.name) from Routes/",
                executable: try context.tool(named: "RouteTableGenerator").url,
                arguments: [routesFolder, output.path(percentEncoded: false)],
                inputFiles: swiftFiles + folders.sorted { $0.path < $1.path },
                outputFiles: [output]
            )
        ]
    }
}
