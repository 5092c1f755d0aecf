/// A Swift file under `Routes/` that is not hidden by a leading `_`: the file of one route.
struct RouteFile: Equatable {
    /// The folders from `Routes/` down to the file, such as `["users", "{user_id}"]`.
    var folders: [String]
    /// The file's name without `.swift`, which names the route type it declares.
    var typeName: String
    /// The file's path as diagnostics show it.
    var path: String
    /// The file's Swift source.
    var source: String

    /// A route file at `relativePath` (such as `users/{user_id}/UserPage.swift`) inside the
    /// `Routes/` folder at `routesFolder`.
    init(relativePath: String, in routesFolder: String, source: String) {
        var components = relativePath.split(separator: "/").map(String.init)
        let fileName = components.removeLast()
        folders = components
        typeName = fileName.hasSuffix(".swift") ? String(fileName.dropLast(".swift".count)) : fileName
        path = routesFolder + "/" + relativePath
        self.source = source
    }

    /// The file's path inside `Routes/`, such as `users/{user_id}/UserPage.swift`.
    var relativePath: String {
        (folders + [typeName + ".swift"]).joined(separator: "/")
    }
}
