/// One row of the benchmark's table: an Int and four strings to escape.
struct Row: Sendable {
    let id: Int
    let name: String
    let email: String
    let city: String
    let note: String

    /// 1,000 rows, the same every run: about 10% of strings hold `< > & " '`, some are non-ASCII.
    static let sample: [Row] = (0..<1000).map { index in
        func text(_ kind: Int, _ plain: String) -> String {
            switch (index + kind) % 20 {
            case 0: "\(plain) <b>&\"bold\"</b>"
            case 1: "O'Brien & \(plain) > you"
            case 7: "Zoë Ångström 東京 \(plain)"
            default: plain
            }
        }
        return Row(
            id: index,
            name: text(0, "User number \(index)"),
            email: text(1, "user\(index)@example.com"),
            city: text(2, ["Lisbon", "Oslo", "Kyoto", "Quito"][index % 4]),
            note: text(3, "Note about row \(index), nothing special")
        )
    }
}
