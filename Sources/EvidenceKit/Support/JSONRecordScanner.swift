#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The record scanner: a record line checked exactly as `JSONParser` checks a document, its
// top-level members located in the line's bytes and nothing built, so ingest copies only the
// fields a record kind stores. It shares the parser's cursor (`bytes`, `index`, `line`) and
// its number and error helpers, so both accept and reject the same texts.

/// The JSON type of a scanned value.
public enum JSONValueType: UInt8, Sendable {
    case null, bool, number, string, array, object

    public var description: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}

/// One member of an object, located in the scanned bytes (offsets into the buffer).
public struct ScannedMember: Sendable {
    /// The member name's raw bytes, between the quotes.
    public var keyStart: Int
    public var keyEnd: Int
    /// The value's bytes; for a string, the raw bytes between the quotes.
    public var valueStart: Int
    public var valueEnd: Int
    public var type: JSONValueType
    /// A string value holding escape sequences (its raw bytes are not its text).
    public var escaped: Bool
}

/// What a scan noticed that the in-place path does not handle.
public struct ScanFlags: OptionSet, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// Some member name holds an escape sequence.
    public static let escapedKey = ScanFlags(rawValue: 1)
    /// Some member name, at any depth, names a secret.
    public static let secretKey = ScanFlags(rawValue: 2)
    /// Some string is longer than 500 bytes.
    public static let longString = ScanFlags(rawValue: 4)
    /// Some string value, at any depth, may hold a secret (`Redaction.mayHoldSecret`).
    public static let secretValue = ScanFlags(rawValue: 8)
}

extension JSONParser {
    /// Scans the buffer as one JSON object without building values.
    ///
    /// Accepts and rejects exactly what `parseDocument` does (grammar, UTF-8, escapes,
    /// duplicate names, number range); the top-level members are recorded in place. Returns
    /// false, without an error, when the document is valid JSON but not an object.
    public mutating func scanObject(
        members: inout [ScannedMember], keys: inout [Range<Int>], flags: inout ScanFlags
    ) throws(JSONParseError) -> Bool {
        members.removeAll(keepingCapacity: true)
        keys.removeAll(keepingCapacity: true)
        flags = []
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { index = 3; lineStart = 3 }
        skipWhitespace()
        guard index < bytes.count else { throw error("empty document: expected a JSON value") }
        guard bytes[index] == UInt8(ascii: "{") else {
            _ = try skipValue(keys: &keys, flags: &flags)
            skipWhitespace()
            if index < bytes.count { throw error("unexpected data after the JSON value") }
            return false
        }
        try scanMembers(record: &members, keys: &keys, flags: &flags)
        skipWhitespace()
        if index < bytes.count { throw error("unexpected data after the JSON value") }
        return true
    }

    /// Moves over an object at the current index, recording its members when `record` is given.
    private mutating func scanMembers(record: UnsafeMutablePointer<[ScannedMember]>?, keys: inout [Range<Int>], flags: inout ScanFlags) throws(JSONParseError) {
        depth += 1
        if depth > maxDepth { throw error("nesting deeper than \(maxDepth) levels") }
        index += 1
        let base = keys.count
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            depth -= 1
            return
        }
        while true {
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of input inside an object") }
            guard bytes[index] == UInt8(ascii: "\"") else {
                throw error("unexpected character \(describe(bytes[index])): expected a quoted member name")
            }
            let keyLine = line, keyColumn = index - lineStart + 1
            let key = try scanString()
            if key.escaped {
                flags.insert(.escapedKey)
            } else {
                let keyBytes = UnsafeBufferPointer(rebasing: bytes[key.start..<key.end])
                for other in keys[base...] where other.count == keyBytes.count
                    && memcmp(bytes.baseAddress! + other.lowerBound, keyBytes.baseAddress!, keyBytes.count) == 0 {
                    throw JSONParseError(message: "duplicate member name", line: keyLine, column: keyColumn)
                }
                if keyCache?.isSecretKey(keyBytes) ?? Sanitizer.isSecretKey(keyBytes) { flags.insert(.secretKey) }
            }
            keys.append(key.start..<key.end)
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw error("expected ':' after a member name") }
            index += 1
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of input: expected a value") }
            let valueStart = index
            if let record, bytes[index] == UInt8(ascii: "\"") {
                let value = try scanString()
                noteString(value, &flags)
                record.pointee.append(ScannedMember(keyStart: key.start, keyEnd: key.end, valueStart: value.start, valueEnd: value.end, type: .string, escaped: value.escaped))
            } else {
                let type = try skipValue(keys: &keys, flags: &flags)
                record?.pointee.append(ScannedMember(keyStart: key.start, keyEnd: key.end, valueStart: valueStart, valueEnd: index, type: type, escaped: false))
            }
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of input inside an object") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "}") { index += 1; break }
            throw error("unexpected character \(describe(bytes[index])): expected ',' or '}'")
        }
        keys.removeSubrange(base...)
        depth -= 1
    }

    private mutating func scanMembers(record members: inout [ScannedMember], keys: inout [Range<Int>], flags: inout ScanFlags) throws(JSONParseError) {
        try withUnsafeMutablePointer(to: &members) { pointer throws(JSONParseError) in
            try scanMembers(record: pointer, keys: &keys, flags: &flags)
        }
    }

    /// Moves over any value, checking it as the parser would; returns its type.
    private mutating func skipValue(keys: inout [Range<Int>], flags: inout ScanFlags) throws(JSONParseError) -> JSONValueType {
        guard index < bytes.count else { throw error("unexpected end of input: expected a value") }
        switch bytes[index] {
        case UInt8(ascii: "{"):
            try scanMembers(record: nil, keys: &keys, flags: &flags)
            return .object
        case UInt8(ascii: "["):
            depth += 1
            if depth > maxDepth { throw error("nesting deeper than \(maxDepth) levels") }
            index += 1
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                depth -= 1
                return .array
            }
            while true {
                skipWhitespace()
                _ = try skipValue(keys: &keys, flags: &flags)
                skipWhitespace()
                guard index < bytes.count else { throw error("unexpected end of input inside an array") }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == UInt8(ascii: "]") { index += 1; break }
                throw error("unexpected character \(describe(bytes[index])): expected ',' or ']'")
            }
            depth -= 1
            return .array
        case UInt8(ascii: "\""):
            noteString(try scanString(), &flags)
            return .string
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let start = index
            if !(try scanNumber()) || index - start > 16 { _ = try finiteDouble(from: start) }
            return .number
        default:
            throw error("unexpected character \(describe(bytes[index])): expected a value")
        }
    }

    /// Flags a scanned string value that is long or may hold a secret.
    @inline(__always) private func noteString(_ value: (start: Int, end: Int, escaped: Bool), _ flags: inout ScanFlags) {
        let count = value.end - value.start
        if count > Sanitizer.maxStringScalars { flags.insert(.longString) }
        // Shorter strings hold none of the shapes (the cheap test says no below 5 bytes).
        // A bit test: `contains` is a generic call per string in a debug build.
        guard count >= 5, flags.rawValue & ScanFlags.secretValue.rawValue == 0 else { return }
        let raw = UnsafeBufferPointer(start: bytes.baseAddress! + value.start, count: count)
        let suspect = value.escaped
            ? JSONParser.unescapedBytes(raw).withUnsafeBufferPointer { Redaction.mayHoldSecret($0) }
            : Redaction.mayHoldSecret(raw)
        if suspect { flags.insert(.secretValue) }
    }

    /// Moves over a string, checking escapes and UTF-8; returns its raw byte range.
    private mutating func scanString() throws(JSONParseError) -> (start: Int, end: Int, escaped: Bool) {
        index += 1
        let start = index
        var escaped = false
        var ascii = true
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let end = index
                index += 1
                if !ascii, !UTF8Validation.isValid(UnsafeBufferPointer(rebasing: bytes[start..<end])) {
                    throw JSONParseError(message: "invalid UTF-8 in a string", line: line, column: start - lineStart + 1, kind: .invalidUTF8)
                }
                return (start, end, escaped)
            }
            if byte == UInt8(ascii: "\\") {
                escaped = true
                index += 1
                guard index < bytes.count else { break }
                switch bytes[index] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                     UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    index += 1
                case UInt8(ascii: "u"):
                    index += 1
                    let scalar = try parseHex4()
                    if scalar >= 0xD800, scalar <= 0xDBFF {
                        guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                            throw error("unpaired surrogate escape")
                        }
                        index += 2
                        let low = try parseHex4()
                        guard low >= 0xDC00, low <= 0xDFFF else { throw error("unpaired surrogate escape") }
                    } else if scalar >= 0xDC00, scalar <= 0xDFFF {
                        throw error("unpaired surrogate escape")
                    }
                default:
                    throw error("invalid escape \\\(describe(bytes[index]))")
                }
                continue
            }
            if byte < 0x20 { throw error("control character \(describe(byte)) in a string (it must be escaped)") }
            if byte >= 0x80 { ascii = false }
            index += 1
        }
        throw error("unexpected end of input inside a string")
    }

    /// The UTF-8 text of a scanned string's raw bytes (between the quotes), escapes decoded.
    /// The scan checked them, so they are decoded without a parse; bytes that are not a
    /// string's body give nothing.
    public static func unescapedBytes(_ raw: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var text: [UInt8] = []
        text.reserveCapacity(raw.count)
        guard (try? unescape(raw, from: 0, into: &text)) == raw.count else { return [] }
        return text
    }
}
