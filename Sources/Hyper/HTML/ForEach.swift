/// The HTML of each element of a sequence, for long lists.
///
/// Prefer it to `\(rows.map { … })` inside `HTML`: each element's HTML is built in a buffer
/// reused from the previous element and copied straight into the page, so a 1,000-row table
/// costs no allocation per row.
///
/// ```swift
/// let table: HTML = "<table>\(ForEach(users) { user in "<tr><td>\(user.name)</td></tr>" })</table>"
/// ```
public struct ForEach<Data: Sequence> {
    @usableFromInline let data: Data
    @usableFromInline let content: (Data.Element) -> HTML

    public init(_ data: Data, content: @escaping (Data.Element) -> HTML) {
        self.data = data
        self.content = content
    }
}
