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

/// A strict RFC 8259 parser over UTF-8 bytes, with the line and column of every error.
///
/// Stricter than the RFC where RFC 8785 needs it: duplicate object keys, lone surrogate
/// escapes and numbers outside the range of a double are errors. Invalid UTF-8 is an error.
/// When `recordLines` is set the parser remembers the line of every value by its JSON path
/// (`actors[3].permissions`), so later validation can name lines too.
///
/// The JSON reader is three tools, one file each: this parser (snapshots, options, policies,
/// signatures: documents that become `JSONValue`), the record scanner
/// (`JSONRecordScanner.swift`: one record line checked and its members located in place,
/// nothing built) and `UTF8Validation` (UTF-8 checked without making a `String`).
///
/// Why our own and not Foundation's `JSONDecoder`/`JSONSerialization` (measured with Swift
/// 6.3.1 on this project's 2-core Linux machine, release builds):
/// - Speed on records: `JSONDecoder` took 0.33 s to decode only `kind` and `id` of the 100k
///   lines `evpack-gen --records 100000 --seed 7` writes (`JSONSerialization`: 0.44 s), when
///   the whole `evpack ingest` of them (scan, record rules, sanitizer, SQLite inserts) takes
///   0.40 s with the scanner (README, "Performance"; 1M records 3.67 s, 0.37 of the time of
///   Python's `json.loads` + `sqlite3`).
/// - Strictness the formats need: both accept duplicate member names (`JSONDecoder` kept the
///   first value, `JSONSerialization` the last) and a trailing comma (`{"a": 1,}`); RFC 8785
///   canonical JSON and the payload checksum need both rejected.
/// - Errors people can act on: ours give the line and column (a bad input names file, line
///   and field); theirs say "The given data was not valid JSON." with no position.
///
/// Small documents of a fixed shape (options.json, the DSSE envelope, the in-toto Statement)
/// are checked here and then read through `Decodable` (`StrictJSON.decode`).
public struct JSONParser: ~Copyable {
    public var maxDepth: Int = 128
    public private(set) var lines: [String: Int] = [:]
    private let recordLines: Bool
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0
    var line = 1
    var lineStart = 0
    var depth = 0
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

    mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
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
    mutating func scanNumber() throws(JSONParseError) -> Bool {
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
    mutating func finiteDouble(from start: Int) throws(JSONParseError) -> Double {
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

    mutating func parseHex4() throws(JSONParseError) -> UInt32 {
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

    mutating func skipWhitespace() {
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

    func error(_ message: String) -> JSONParseError {
        JSONParseError(message: message, line: line, column: index - lineStart + 1)
    }

    func describe(_ byte: UInt8) -> String { Self.describe(byte) }

    static func describe(_ byte: UInt8) -> String {
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
