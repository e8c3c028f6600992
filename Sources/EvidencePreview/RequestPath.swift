/// A request path the preview server is willing to look up: `/`, or a pack's key followed by a
/// path inside the pack, each part a plain name.
///
/// The rules of swift-docc's `FileRequestHandler`, made stricter: the raw path must not hold a
/// backslash, an encoded `/` or `\`, a NUL or any control character; after percent-decoding no
/// part may be empty (`//`), start with `.` (`..`, `.git`, a build's `.evidence-….partial`
/// folder) or `~`, or hold a `\`. Anything else is refused before a file is looked at.
enum RequestPath: Equatable {
    /// `/`: the listing.
    case root
    /// `/KEY` or `/KEY/`: a pack without a file.
    case pack(key: String)
    /// `/KEY/a/b`: a path inside a pack (`trailingSlash` for `/KEY/data/`).
    case file(key: String, path: String, trailingSlash: Bool)

    /// Why a raw path is refused, in words for the 400 page.
    enum Refusal: Error, Equatable, CustomStringConvertible {
        case notAbsolute
        case badEncoding
        case encodedSeparator
        case backslash
        case controlCharacter
        case emptyPart
        case hiddenPart(String)
        case homePart(String)

        var description: String {
            switch self {
            case .notAbsolute: return "the path does not start with /"
            case .badEncoding: return "the path's percent-encoding is not valid UTF-8"
            case .encodedSeparator: return "the path holds an encoded / or \\"
            case .backslash: return "the path holds a backslash"
            case .controlCharacter: return "the path holds a NUL or another control character"
            case .emptyPart: return "the path holds an empty part (//)"
            case .hiddenPart(let part): return "the path part '\(part)' starts with '.'"
            case .homePart(let part): return "the path part '\(part)' starts with '~'"
            }
        }
    }

    /// Refuses a request target (path and query, as received) holding a control character or a backslash.
    static func checkTarget(_ target: String) throws(Refusal) {
        for byte in target.utf8 {
            if byte < 0x20 || byte == 0x7F { throw .controlCharacter }
            if byte == UInt8(ascii: "\\") { throw .backslash }
        }
    }

    /// Parses the raw (still percent-encoded) path of a request target, without its query.
    static func parse(_ raw: Substring) throws(Refusal) -> RequestPath {
        guard raw.first == "/" else { throw .notAbsolute }
        var encoded = false
        for byte in raw.utf8 {
            if byte == UInt8(ascii: "\\") { throw .backslash }
            if byte < 0x20 || byte == 0x7F { throw .controlCharacter }
            if byte == UInt8(ascii: "%") { encoded = true }
        }
        if !encoded { return try parsePlain(raw) }
        var parts: [String] = []
        let pieces = raw.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).dropFirst()
        let trailingSlash = raw.count > 1 && raw.last == "/"
        for (index, piece) in pieces.enumerated() {
            if piece.isEmpty {
                // Only the very end may be empty: `/KEY/` or `/KEY/data/`.
                if index == pieces.count - 1 { continue }
                throw .emptyPart
            }
            let part = try decode(piece)
            if part.hasPrefix(".") { throw .hiddenPart(part) }
            if part.hasPrefix("~") { throw .homePart(part) }
            parts.append(part)
        }
        guard let key = parts.first else { return .root }
        if parts.count == 1 { return .pack(key: key) }
        return .file(key: key, path: parts.dropFirst().joined(separator: "/"), trailingSlash: trailingSlash)
    }

    /// `parse` for a path without percent-encoding: the same rules, the key and the inner path
    /// cut straight out of the raw path.
    private static func parsePlain(_ raw: Substring) throws(Refusal) -> RequestPath {
        let utf8 = raw.utf8
        let slash = UInt8(ascii: "/")
        var key: Substring.UTF8View.SubSequence?
        var innerStart: Substring.Index?
        var partStart = utf8.index(after: utf8.startIndex)
        var index = partStart
        while true {
            let atEnd = index == utf8.endIndex
            if atEnd || utf8[index] == slash {
                if partStart == index {
                    // Only the very end may be empty: `/`, `/KEY/` or `/KEY/data/`.
                    guard atEnd else { throw .emptyPart }
                } else {
                    let first = utf8[partStart]
                    if first == UInt8(ascii: ".") { throw .hiddenPart(String(Substring(utf8[partStart..<index]))) }
                    if first == UInt8(ascii: "~") { throw .homePart(String(Substring(utf8[partStart..<index]))) }
                    if key == nil {
                        key = utf8[partStart..<index]
                    } else if innerStart == nil {
                        innerStart = partStart
                    }
                }
                if atEnd { break }
                partStart = utf8.index(after: index)
            }
            index = utf8.index(after: index)
        }
        guard let key else { return .root }
        guard let innerStart else { return .pack(key: String(Substring(key))) }
        let trailingSlash = utf8.last == slash
        let innerEnd = trailingSlash ? utf8.index(before: utf8.endIndex) : utf8.endIndex
        return .file(key: String(Substring(key)), path: String(Substring(utf8[innerStart..<innerEnd])), trailingSlash: trailingSlash)
    }

    /// Percent-decodes one path part; an encoded separator, control character or invalid UTF-8 is refused.
    private static func decode(_ piece: Substring.UTF8View.SubSequence) throws(Refusal) -> String {
        guard piece.contains(UInt8(ascii: "%")) else { return String(Substring(piece)) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(piece.count)
        var index = piece.startIndex
        while index < piece.endIndex {
            let byte = piece[index]
            if byte == UInt8(ascii: "%") {
                let high = piece.index(after: index)
                guard high < piece.endIndex, piece.index(after: high) < piece.endIndex,
                      let h = hexValue(piece[high]), let l = hexValue(piece[piece.index(after: high)])
                else { throw .badEncoding }
                let decoded = h << 4 | l
                if decoded == UInt8(ascii: "/") || decoded == UInt8(ascii: "\\") { throw .encodedSeparator }
                if decoded < 0x20 || decoded == 0x7F { throw .controlCharacter }
                bytes.append(decoded)
                index = piece.index(high, offsetBy: 2)
            } else {
                bytes.append(byte)
                index = piece.index(after: index)
            }
        }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw .badEncoding }
        return text
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// Percent-encodes one path part for a link: everything but RFC 3986's unreserved characters.
    static func encode(_ part: String) -> String {
        var out = ""
        for byte in part.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let digits = Array("0123456789ABCDEF".unicodeScalars)
                out += "%"
                out.unicodeScalars.append(digits[Int(byte >> 4)])
                out.unicodeScalars.append(digits[Int(byte & 0x0F)])
            }
        }
        return out
    }
}
