/// Removing secrets from strings before they reach an output.
public enum Redaction {
    /// The replacement for a redacted value.
    public static let marker = "[REDACTED]"

    /// A URL without user info, password, query or fragment.
    ///
    /// Conservative on purpose: everything up to the last `@` after the scheme is dropped
    /// (a password may hold `/`, `?` or `#`), then everything from the first `?` or `#`.
    public static func url(_ text: String) -> String {
        var text = text
        return text.withUTF8 { bytes -> String in
            var start = 0
            var schemeEnd = 0
            // "://" marks the end of the scheme.
            if bytes.count >= 3 {
                for i in 0..<(bytes.count - 2) where bytes[i] == UInt8(ascii: ":") && bytes[i + 1] == UInt8(ascii: "/") && bytes[i + 2] == UInt8(ascii: "/") {
                    schemeEnd = i + 3
                    break
                }
            }
            start = schemeEnd
            var i = bytes.count - 1
            while i >= schemeEnd {
                if bytes[i] == UInt8(ascii: "@") { start = i + 1; break }
                i -= 1
            }
            var end = start
            while end < bytes.count, bytes[end] != UInt8(ascii: "?"), bytes[end] != UInt8(ascii: "#") { end += 1 }
            if start == schemeEnd, end == bytes.count { return String(decoding: bytes, as: UTF8.self) }
            var out = Array(bytes[0..<schemeEnd])
            out.append(contentsOf: bytes[start..<end])
            return String(decoding: out, as: UTF8.self)
        }
    }

    /// Whether a URL (its UTF-8 bytes) would lose anything under redaction.
    public static func urlNeedsRedaction<Bytes: Sequence>(_ bytes: Bytes) -> Bool where Bytes.Element == UInt8 {
        bytes.contains { $0 == UInt8(ascii: "@") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }
    }
}
