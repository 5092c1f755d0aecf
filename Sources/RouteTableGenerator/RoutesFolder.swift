import Foundation

/// A `Routes/` folder on disk: finds its route files.
///
/// Every `.swift` file in the tree is a route file except those whose name, or the name of a
/// folder above them, starts with `_` (layouts, components) or `.` (hidden files).
struct RoutesFolder {
    /// The folder's path, without a trailing `/`.
    let path: String

    init(path: String) {
        var path = path
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        self.path = path
    }

    /// The route files, sorted by their path inside the folder.
    func routeFiles() throws(RoutesFolderError) -> [RouteFile] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw RoutesFolderError(path: path, reason: "there is no such folder")
        }
        var files: [RouteFile] = []
        try collect(in: [], into: &files)
        return files.sorted { $0.relativePath < $1.relativePath }
    }

    private func collect(in folders: [String], into files: inout [RouteFile])
        throws(RoutesFolderError)
    {
        let folderPath = ([path] + folders).joined(separator: "/")
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folderPath)
        } catch {
            throw RoutesFolderError(
                path: folderPath, reason: "cannot list it (\(error.localizedDescription))")
        }
        for name in names where !name.hasPrefix("_") && !name.hasPrefix(".") {
            let itemPath = folderPath + "/" + name
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: itemPath, isDirectory: &isDirectory) else {
                continue
            }
            if isDirectory.boolValue {
                try collect(in: folders + [name], into: &files)
            } else if name.hasSuffix(".swift") {
                let relativePath = (folders + [name]).joined(separator: "/")
                guard let source = try? String(contentsOfFile: itemPath, encoding: .utf8) else {
                    throw RoutesFolderError(path: itemPath, reason: "cannot read it as UTF-8 text")
                }
                files.append(RouteFile(relativePath: relativePath, in: path, source: source))
            }
        }
    }
}

/// A `Routes/` folder that cannot be read.
struct RoutesFolderError: Error, Equatable, CustomStringConvertible {
    var path: String
    var reason: String

    var description: String { "\(path): error: cannot read the Routes folder: \(reason)" }
}
