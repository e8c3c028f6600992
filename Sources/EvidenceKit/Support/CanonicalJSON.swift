/// RFC 8785 (JSON Canonicalization Scheme) serialization.
///
/// Objects have their members sorted by the UTF-16 code units of their names, strings are
/// escaped as ECMAScript's `JSON.stringify` does, and numbers are written as ECMAScript's
/// `Number.prototype.toString` writes them.
public enum CanonicalJSON {
    /// The canonical UTF-8 bytes of `value`.
    public static func bytes(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(value, into: &out)
        return out
    }

    /// The canonical text of `value`.
    public static func string(_ value: JSONValue) -> String {
        String(decoding: bytes(value), as: UTF8.self)
    }

    public static func write(_ value: JSONValue, into out: inout [UInt8]) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .number(let d): writeNumber(d, into: &out)
        case .string(let s): writeString(s, into: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (i, element) in elements.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                write(element, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            out.append(UInt8(ascii: "{"))
            for (i, member) in sortedMembers(object).enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                writeString(member.key, into: &out)
                out.append(UInt8(ascii: ":"))
                write(member.value, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Members ordered by the UTF-16 code units of their names (RFC 8785 §3.2.3).
    static func sortedMembers(_ object: JSONObject) -> [JSONObject.Member] {
        if object.members.count < 2 { return object.members }
        if object.members.allSatisfy({ $0.key.utf8.allSatisfy { $0 < 0x80 } }) {
            return object.members.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        }
        return object.members.sorted { $0.key.utf16.lexicographicallyPrecedes($1.key.utf16) }
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Writes a string literal the way `JSON.stringify` does.
    public static func writeString(_ string: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case 0x22: out.append(0x5C); out.append(0x22)
            case 0x5C: out.append(0x5C); out.append(0x5C)
            case 0x08: out.append(0x5C); out.append(UInt8(ascii: "b"))
            case 0x09: out.append(0x5C); out.append(UInt8(ascii: "t"))
            case 0x0A: out.append(0x5C); out.append(UInt8(ascii: "n"))
            case 0x0C: out.append(0x5C); out.append(UInt8(ascii: "f"))
            case 0x0D: out.append(0x5C); out.append(UInt8(ascii: "r"))
            case 0..<0x20:
                out.append(contentsOf: [0x5C, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0xF)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Writes a finite double as ECMAScript's `Number.prototype.toString` (RFC 8785 §3.2.2.3).
    public static func writeNumber(_ value: Double, into out: inout [UInt8]) {
        out.append(contentsOf: numberString(value).utf8)
    }

    /// The ECMAScript text of a finite double. Non-finite values have no JSON form and
    /// never come out of the parser; they are written as `null` defensively.
    public static func numberString(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        if value == 0 { return "0" }
        if value < 0 { return "-" + numberString(-value) }
        if value < 1e15, value == value.rounded(.towardZero) {
            return String(Int64(value))
        }
        // Swift's description gives the shortest digits that round-trip, the closest ones
        // when several qualify: the same digit string ECMAScript asks for.
        let (digits, n) = shortestDigits(value)
        let k = digits.count
        if k <= n, n <= 21 {
            return String(decoding: digits, as: UTF8.self) + String(repeating: "0", count: n - k)
        }
        if 0 < n, n <= 21 {
            return String(decoding: digits[0..<n], as: UTF8.self) + "." + String(decoding: digits[n...], as: UTF8.self)
        }
        if -6 < n, n <= 0 {
            return "0." + String(repeating: "0", count: -n) + String(decoding: digits, as: UTF8.self)
        }
        let exponent = n - 1
        let sign = exponent < 0 ? "-" : "+"
        var text = String(decoding: digits[0..<1], as: UTF8.self)
        if k > 1 { text += "." + String(decoding: digits[1...], as: UTF8.self) }
        return text + "e" + sign + String(abs(exponent))
    }

    /// The digits `d1…dk` and the exponent `n` with value = 0.d1…dk × 10^n.
    static func shortestDigits(_ value: Double) -> (digits: [UInt8], n: Int) {
        let description = Array(value.description.utf8)
        var mantissaEnd = description.count
        var exponent = 0
        if let e = description.firstIndex(where: { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) {
            mantissaEnd = e
            exponent = Int(String(decoding: description[(e + 1)...], as: UTF8.self)) ?? 0
        }
        var digits: [UInt8] = []
        var integerDigits = 0
        var seenPoint = false
        for byte in description[0..<mantissaEnd] {
            if byte == UInt8(ascii: ".") { seenPoint = true; continue }
            digits.append(byte)
            if !seenPoint { integerDigits += 1 }
        }
        var point = integerDigits + exponent
        var leading = 0
        while leading < digits.count - 1, digits[leading] == UInt8(ascii: "0") { leading += 1 }
        point -= leading
        digits.removeFirst(leading)
        while digits.count > 1, digits.last == UInt8(ascii: "0") { digits.removeLast() }
        return (digits, point)
    }
}
