/// The routes of a `Routes/` folder tree, checked: what the generated Swift registers.
///
/// Each route file must declare exactly one type that other files can name (not `private` or
/// `fileprivate`): a `struct`, `class`, `enum` or `actor` named after the file. The table holds
/// one entry per route file, sorted by path and then type name, and refuses the tree with a
/// `RouteError` per mistake:
///
/// - a folder name that is not a path segment (`{}`, `{a b}`, unbalanced braces) or a
///   parameter name used twice on one path;
/// - a route file that declares no such type, or more than one;
/// - a path parameter read by a literal name (`request.parameter("id")`) that the route's path
///   does not declare;
/// - two routes for the same path and method, where the method is known from the source
///   (`static let method = .post`, or a `Page` that declares none, which is a `GET`). Paths
///   that differ only in parameter names (`/users/{id}`, `/users/{user_id}`) are the same path
///   to the router. Other duplicates are left to the router, which throws when the table is
///   added at run time.
struct RouteTable: Equatable {
    /// One route: a type registered at its folder's path.
    struct Entry: Equatable {
        var path: RoutePath
        var typeName: String
        /// The route's method if the source says it, such as `GET`; `nil` when only the type's
        /// `method` at run time knows.
        var method: String?
        /// The route file's path inside `Routes/`.
        var relativePath: String
    }

    /// A route file that passed its own checks, and where its route type is declared.
    private struct CheckedFile {
        var entry: Entry
        var file: RouteFile
        var declaration: RouteSource.TypeDeclaration
    }

    private(set) var entries: [Entry]

    /// Checks `files` and collects their routes.
    init(files: [RouteFile]) throws(RouteErrors) {
        var errors: [RouteError] = []
        let checked = files.sorted { $0.relativePath < $1.relativePath }.compactMap {
            Self.check($0, errors: &errors)
        }
        errors += Self.conflicts(among: checked)
        guard errors.isEmpty else {
            throw RouteErrors(errors: errors.sorted { ($0.file, $0.line, $0.column) < ($1.file, $1.line, $1.column) })
        }
        entries = checked.map(\.entry).sorted {
            ($0.path.description, $0.typeName) < ($1.path.description, $1.typeName)
        }
    }

    /// Checks one route file on its own: its folders, its route type, the parameters it reads.
    private static func check(_ file: RouteFile, errors: inout [RouteError]) -> CheckedFile? {
        let path: RoutePath
        do {
            path = try RoutePath(folders: file.folders)
        } catch {
            errors.append(RouteError(file: file.path, message: error.description))
            return nil
        }
        let source = RouteSource(file.source)
        let visibleTypes = source.types.filter { !$0.isPrivate }
        guard let declaration = visibleTypes.first(where: { $0.name == file.typeName }) else {
            let found = visibleTypes.isEmpty ? "" : " (found \(visibleTypes.map(\.name).joined(separator: ", ")))"
            errors.append(
                RouteError(
                    file: file.path,
                    message: "\(file.relativePath) declares no route type: expected a struct, class, enum or actor "
                        + "named \(file.typeName) that is not private\(found)"))
            return nil
        }
        for other in visibleTypes where other.name != file.typeName {
            errors.append(
                RouteError(
                    file: file.path, line: other.line, column: other.column,
                    message: "\(file.relativePath) declares more than one route type: \(file.typeName) and "
                        + "\(other.name); make \(other.name) private or move it to a folder starting with _"))
        }
        for read in source.parameterReads where !path.parameterNames.contains(read.name) {
            let declared = path.parameterNames.map { "{\($0)}" }.joined(separator: ", ")
            errors.append(
                RouteError(
                    file: file.path, line: read.line, column: read.column,
                    message: "\(file.typeName) reads path parameter \"\(read.name)\", but its path \(path) "
                        + (declared.isEmpty ? "has no parameters" : "declares only \(declared)")))
        }
        let method: String?
        switch source.methods[declaration.name] {
        case .method(let name): method = name
        case .unrecognized: method = nil
        case nil: method = declaration.inheritedTypes.contains("Page") ? "GET" : nil
        }
        let entry = Entry(path: path, typeName: file.typeName, method: method, relativePath: file.relativePath)
        return CheckedFile(entry: entry, file: file, declaration: declaration)
    }

    /// An error on each route whose method and path (parameter names aside) an earlier route has.
    private static func conflicts(among checked: [CheckedFile]) -> [RouteError] {
        var errors: [RouteError] = []
        var firstByPlace: [String: Entry] = [:]
        for route in checked {
            let entry = route.entry
            guard let method = entry.method else { continue }
            let place = "\(method) \(entry.path.shape)"
            guard let first = firstByPlace[place] else {
                firstByPlace[place] = entry
                continue
            }
            let paths = first.path == entry.path ? "\(entry.path)" : "\(first.path) and \(entry.path)"
            errors.append(
                RouteError(
                    file: route.file.path, line: route.declaration.line, column: route.declaration.column,
                    message: "two routes answer \(method) \(paths): \(first.typeName) (\(first.relativePath)) and "
                        + "\(entry.typeName) (\(entry.relativePath))"))
        }
        return errors
    }
}
