/// One row of `/rows`: an Int and four strings, about one in ten holding `< > & " '`, some
/// non-ASCII; the same every run.
struct SampleRow: Sendable {
    let id: Int
    let name: String
    let email: String
    let city: String
    let note: String

    static let thousand: [SampleRow] = (0..<1000).map { index in
        func text(_ kind: Int, _ plain: String) -> String {
            switch (index + kind) % 20 {
            case 0: "\(plain) <b>&\"bold\"</b>"
            case 1: "O'Brien & \(plain) > you"
            case 7: "Zoë Ångström 東京 \(plain)"
            default: plain
            }
        }
        return SampleRow(
            id: index,
            name: text(0, "User number \(index)"),
            email: text(1, "user\(index)@example.com"),
            city: text(2, ["Lisbon", "Oslo", "Kyoto", "Quito"][index % 4]),
            note: text(3, "Note about row \(index), nothing special")
        )
    }
}
