#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a text is not the JSON we accept, with the place it went wrong.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    /// 1-based line of the offending byte.
    public var line: Int
    /// 1-based column (in bytes) of the offending byte.
    public var column: Int
    /// What is wrong: the JSON itself, or the UTF-8 of a string in it.
    public var kind: Kind = .syntax

    public enum Kind: Sendable, Equatable {
        case syntax
        case invalidUTF8
    }

    public var description: String { "line \(line), column \(column): \(message)" }
}

/// A strict RFC 8259 parser over UTF-8 bytes.
///
/// Stricter than the RFC where RFC 8785 needs it: duplicate object keys, lone surrogate
/// escapes and numbers outside the range of a double are errors. Invalid UTF-8 is an error.
/// When `recordLines` is set the parser remembers the line of every value by its JSON path
/// (`actors[3].permissions`), so later validation can name lines too.
public struct JSONParser: ~Copyable {
    public var maxDepth: Int = 128
    public private(set) var lines: [String: Int] = [:]
    private let recordLines: Bool
    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0
    private var line = 1
    private var lineStart = 0
    private var depth = 0
    private var scratch: [UInt8] = []
    /// Remembers which member names name a secret across the lines of one file (`scanObject`).
    var keyCache: SecretKeyCache?

    public init(bytes: UnsafeBufferPointer<UInt8>, recordLines: Bool = false) {
        self.bytes = bytes
        self.recordLines = recordLines
    }

    /// Parses one JSON text from `data`; a leading UTF-8 byte order mark is skipped.
    public static func parse(_ data: [UInt8], maxDepth: Int = 128) throws(JSONParseError) -> JSONValue {
        let result: Result<JSONValue, JSONParseError> = data.withUnsafeBufferPointer { buffer in
            var parser = JSONParser(bytes: buffer)
            parser.maxDepth = maxDepth
            do throws(JSONParseError) { return .success(try parser.parseDocument()) } catch { return .failure(error) }
        }
        return try result.get()
    }

    /// Parses the whole buffer as one JSON text; trailing white space only.
    public mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { index = 3; lineStart = 3 }
        skipWhitespace()
        if index >= bytes.count { throw error("empty document: expected a JSON value") }
        let value = try parseValue(path: "")
        skipWhitespace()
        if index < bytes.count { throw error("unexpected data after the JSON value") }
        return value
    }

    // MARK: - values

    private mutating func parseValue(path: String) throws(JSONParseError) -> JSONValue {
        guard index < bytes.count else { throw error("unexpected end of input: expected a value") }
        if recordLines { lines[path] = line }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject(path: path)
        case UInt8(ascii: "["): return try parseArray(path: path)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw error("unexpected character \(describe(bytes[index])): expected a value")
        }
    }

    private mutating func parseObject(path: String) throws(JSONParseError) -> JSONValue {
        depth += 1
        if depth > maxDepth { throw error("nesting deeper than \(maxDepth) levels") }
        index += 1
        var members: [JSONObject.Member] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            depth -= 1
            return .object(JSONObject(members))
        }
        while true {
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of input inside an object") }
            guard bytes[index] == UInt8(ascii: "\"") else {
                throw error("unexpected character \(describe(bytes[index])): expected a quoted member name")
            }
            let keyLine = line, keyColumn = index - lineStart + 1
            let key = try parseString()
            for member in members where member.key == key {
                throw JSONParseError(message: "duplicate member name \"\(JSONParser.printable(key))\"", line: keyLine, column: keyColumn)
            }
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw error("expected ':' after a member name") }
            index += 1
            skipWhitespace()
            let childPath = recordLines ? JSONPath.appending(key: key, to: path) : ""
            let value = try parseValue(path: childPath)
            members.append(JSONObject.Member(key: key, value: value))
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of input inside an object") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "}") { index += 1; break }
            throw error("unexpected character \(describe(bytes[index])): expected ',' or '}'")
        }
        depth -= 1
        return .object(JSONObject(members))
    }

    private mutating func parseArray(path: String) throws(JSONParseError) -> JSONValue {
        depth += 1
        if depth > maxDepth { throw error("nesting deeper than \(maxDepth) levels") }
        index += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            depth -= 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            let childPath = recordLines ? "\(path)[\(elements.count)]" : ""
            elements.append(try parseValue(path: childPath))
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of input inside an array") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "]") { index += 1; break }
            throw error("unexpected character \(describe(bytes[index])): expected ',' or ']'")
        }
        depth -= 1
        return .array(elements)
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let count = literal.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw error("unexpected end of input: expected \(literal)") }
        let start = literal.utf8Start
        for offset in 0..<count where bytes[index + offset] != start[offset] {
            throw error("invalid literal: expected \(literal)")
        }
        index += count
    }

    // MARK: - numbers

    private mutating func parseNumber() throws(JSONParseError) -> Double {
        let start = index
        let simple = try scanNumber()
        let length = index - start
        if simple, length <= 16 {
            // Up to 15 digits (and a sign) fit exactly in a double.
            var value: Int64 = 0
            var position = start
            let negative = bytes[position] == UInt8(ascii: "-")
            if negative { position += 1 }
            while position < index {
                value = value * 10 + Int64(bytes[position] &- UInt8(ascii: "0"))
                position += 1
            }
            if value == 0, negative { return -0.0 }
            return Double(negative ? -value : value)
        }
        return try finiteDouble(from: start)
    }

    /// Moves over a number, checking its grammar; true when it is an integer (no fraction or exponent).
    private mutating func scanNumber() throws(JSONParseError) -> Bool {
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count, isDigit(bytes[index]) else { throw error("invalid number: expected a digit") }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
            if index < bytes.count, isDigit(bytes[index]) { throw error("invalid number: leading zero") }
        } else {
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        var simple = true
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            simple = false
            index += 1
            guard index < bytes.count, isDigit(bytes[index]) else { throw error("invalid number: expected a digit after '.'") }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            simple = false
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count, isDigit(bytes[index]) else { throw error("invalid number: expected a digit in the exponent") }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        return simple
    }

    /// The double of the number text from `start` to the current index; out of range is an error.
    private mutating func finiteDouble(from start: Int) throws(JSONParseError) -> Double {
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: bytes[start..<index])
        scratch.append(0)
        let value = scratch.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) { strtod($0, nil) }
        }
        if !value.isFinite {
            index = start
            throw error("number out of range for a double")
        }
        return value
    }

    @inline(__always) private func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    // MARK: - strings

    private mutating func parseString() throws(JSONParseError) -> String {
        index += 1  // opening quote
        let start = index
        // Fast path: no escapes; validate UTF-8 once at the end.
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let slice = UnsafeBufferPointer(rebasing: bytes[start..<index])
                index += 1
                return try makeString(slice, at: start)
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw error("control character \(describe(byte)) in a string (it must be escaped)") }
            index += 1
        }
        guard index < bytes.count else { throw error("unexpected end of input inside a string") }
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: bytes[start..<index])
        let stop: Int
        do throws(StringProblem) {
            stop = try Self.unescape(bytes, from: index, into: &scratch)
        } catch {
            index = error.position
            throw self.error(error.message)
        }
        index = stop
        guard index < bytes.count else { throw error("unexpected end of input inside a string") }
        index += 1  // closing quote
        let copy = scratch
        return try copy.withUnsafeBufferPointer { buffer throws(JSONParseError) in try makeString(buffer, at: start) }
    }

    /// Where and why the body of a string is not valid JSON.
    struct StringProblem: Error {
        var position: Int
        var message: String
    }

    /// Decodes the body of a string from `start` to its closing quote or the end of `bytes`,
    /// appending its text's UTF-8 to `out` (UTF-8 is not checked); returns where it stopped:
    /// the index of the closing quote, or `bytes.count`.
    static func unescape(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, into out: inout [UInt8]) throws(StringProblem) -> Int {
        var i = start
        while i < bytes.count {
            let byte = bytes[i]
            if byte == UInt8(ascii: "\"") { return i }
            if byte < 0x20 { throw StringProblem(position: i, message: "control character \(describe(byte)) in a string (it must be escaped)") }
            if byte != UInt8(ascii: "\\") {
                out.append(byte)
                i += 1
                continue
            }
            i += 1
            guard i < bytes.count else { throw StringProblem(position: i, message: "unexpected end of input inside a string") }
            let escaped = bytes[i]
            i += 1
            switch escaped {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4(bytes, &i)
                if scalar >= 0xD800, scalar <= 0xDBFF {
                    guard i + 1 < bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else {
                        throw StringProblem(position: i, message: "unpaired surrogate escape \\u\(String(scalar, radix: 16, uppercase: true))")
                    }
                    i += 2
                    let low = try hex4(bytes, &i)
                    guard low >= 0xDC00, low <= 0xDFFF else { throw StringProblem(position: i, message: "unpaired surrogate escape") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if scalar >= 0xDC00, scalar <= 0xDFFF {
                    throw StringProblem(position: i, message: "unpaired surrogate escape \\u\(String(scalar, radix: 16, uppercase: true))")
                }
                appendUTF8(scalar, to: &out)
            default:
                throw StringProblem(position: i - 1, message: "invalid escape \\\(describe(escaped))")
            }
        }
        return i
    }

    private mutating func parseHex4() throws(JSONParseError) -> UInt32 {
        var i = index
        do throws(StringProblem) {
            let value = try Self.hex4(bytes, &i)
            index = i
            return value
        } catch {
            index = error.position
            throw self.error(error.message)
        }
    }

    /// The value of the four hex digits at `i`, which moves past them.
    private static func hex4(_ bytes: UnsafeBufferPointer<UInt8>, _ i: inout Int) throws(StringProblem) -> UInt32 {
        guard i + 4 <= bytes.count else { throw StringProblem(position: i, message: "unexpected end of input in a \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[i]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw StringProblem(position: i, message: "invalid hex digit in a \\u escape")
            }
            value = value << 4 | digit
            i += 1
        }
        return value
    }

    private static func appendUTF8(_ scalar: UInt32, to out: inout [UInt8]) {
        switch scalar {
        case 0..<0x80:
            out.append(UInt8(scalar))
        case 0x80..<0x800:
            out.append(UInt8(0xC0 | (scalar >> 6)))
            out.append(UInt8(0x80 | (scalar & 0x3F)))
        case 0x800..<0x10000:
            out.append(UInt8(0xE0 | (scalar >> 12)))
            out.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (scalar & 0x3F)))
        default:
            out.append(UInt8(0xF0 | (scalar >> 18)))
            out.append(UInt8(0x80 | ((scalar >> 12) & 0x3F)))
            out.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (scalar & 0x3F)))
        }
    }

    private func makeString(_ buffer: UnsafeBufferPointer<UInt8>, at start: Int) throws(JSONParseError) -> String {
        var ascii = true
        for byte in buffer where byte >= 0x80 { ascii = false; break }
        if ascii { return String(decoding: buffer, as: UTF8.self) }
        guard let string = String(validating: buffer, as: UTF8.self) else {
            throw JSONParseError(message: "invalid UTF-8 in a string", line: line, column: start - lineStart + 1, kind: .invalidUTF8)
        }
        return string
    }

    // MARK: - white space and errors

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                index += 1
            case UInt8(ascii: "\n"):
                index += 1
                line += 1
                lineStart = index
            default:
                return
            }
        }
    }

    private func error(_ message: String) -> JSONParseError {
        JSONParseError(message: message, line: line, column: index - lineStart + 1)
    }

    private func describe(_ byte: UInt8) -> String { Self.describe(byte) }

    private static func describe(_ byte: UInt8) -> String {
        if byte >= 0x21, byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        return "0x" + String(byte, radix: 16, uppercase: true)
    }

    /// A key shortened and stripped of control characters, safe to put in a message.
    static func printable(_ text: String) -> String {
        let cleaned = String(String.UnicodeScalarView(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "?" : $0 }))
        return cleaned.count > 60 ? String(cleaned.prefix(60)) + "…" : cleaned
    }
}

/// JSON paths in the form used by messages: `actors[3].permissions`, `rows["odd key"]`.
public enum JSONPath {
    public static func appending(key: String, to path: String) -> String {
        let plain = !key.isEmpty && key.utf8.allSatisfy { byte in
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "_")
        }
        if plain { return path.isEmpty ? key : path + "." + key }
        var quoted = ""
        for character in JSONParser.printable(key) {
            if character == "\"" || character == "\\" { quoted.append("\\") }
            quoted.append(character)
        }
        return path + "[\"" + quoted + "\"]"
    }
}

// MARK: - scanning in place

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

/// UTF-8 validation without building a string.
public enum UTF8Validation {
    public static func isValid(_ p: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        let n = p.count
        while i < n {
            let b = p[i]
            if b < 0x80 { i += 1; continue }
            @inline(__always) func continuation(_ k: Int) -> Bool { i + k < n && p[i + k] & 0xC0 == 0x80 }
            if b < 0xC2 { return false }
            if b < 0xE0 {
                guard continuation(1) else { return false }
                i += 2
            } else if b < 0xF0 {
                guard continuation(1), continuation(2) else { return false }
                if b == 0xE0, p[i + 1] < 0xA0 { return false }
                if b == 0xED, p[i + 1] >= 0xA0 { return false }
                i += 3
            } else if b < 0xF5 {
                guard continuation(1), continuation(2), continuation(3) else { return false }
                if b == 0xF0, p[i + 1] < 0x90 { return false }
                if b == 0xF4, p[i + 1] >= 0x90 { return false }
                i += 4
            } else {
                return false
            }
        }
        return true
    }
}
