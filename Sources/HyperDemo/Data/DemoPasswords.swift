import HummingbirdBcrypt

/// The demo's passwords, kept only as bcrypt hashes (cost 10). For the demo alone, every sample
/// user's password is `hyper`: a real app keeps its users' hashes in its database.
enum DemoPasswords {
    private static let hashes: [Int: String] = [
        1: "$2b$10$HDlGVkEn8eTaJrmKYCg9oe0ZXuyY39aekasRZV7v8uptkkq6.jQDK",
        2: "$2b$10$uax4l5mHng8AngUk9DIVoeFQ.Qej5v4gyPtK01XmXqhsDGOeaoqBi",
        3: "$2b$10$cL5ZO50qmcvs/D0Y7vIdt.QXa//n2DgoINvUAqIGPfdoEHzpyasp2",
    ]

    /// A hash no password matches, checked for unknown users, so that a wrong user costs the
    /// same time as a wrong password and the answer's timing tells nobody which users exist.
    private static let decoy = "$2b$10$wUfGah8TYfO6HVzvRHVYBu1lLn3jECCC/ikkUQkWMPdzt4d2.DZJa"

    /// Whether `password` is the password of user `userID`; as slow for an unknown user.
    static func check(userID: Int?, password: String) -> Bool {
        guard let userID, let hash = hashes[userID] else {
            _ = Bcrypt.verify(password, hash: decoy)
            return false
        }
        return Bcrypt.verify(password, hash: hash)
    }
}
