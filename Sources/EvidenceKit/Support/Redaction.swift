/// Removing secrets from strings before they reach an output.
public enum Redaction {
    /// The replacement for a redacted value.
    public static let marker = "[REDACTED]"

    /// A URL without user info, password, query or fragment.
    ///
    /// Conservative on purpose: everything up to the last `@` after the scheme is dropped
    /// (a password may hold `/`, `?` or `#`), then everything from the first `?` or `#`.
    public static func url(_ text: String) -> String {
        var scheme = Substring("")
        var rest = Substring(text)
        if let separator = rest.range(of: "://") {
            scheme = rest[..<separator.upperBound]
            rest = rest[separator.upperBound...]
        }
        if let at = rest.lastIndex(of: "@") {
            rest = rest[rest.index(after: at)...]
        }
        if let cut = rest.firstIndex(where: { $0 == "?" || $0 == "#" }) {
            rest = rest[..<cut]
        }
        return String(scheme) + String(rest)
    }
}
