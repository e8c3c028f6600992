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
            writeMembers(object.members, into: &out)
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Writes members in canonical order, sorting indices rather than copying members.
    private static func writeMembers(_ members: [JSONObject.Member], into out: inout [UInt8]) {
        let count = members.count
        guard count > 0 else { return }
        let ascii = members.allSatisfy { $0.key.utf8.allSatisfy { $0 < 0x80 } }
        withUnsafeTemporaryAllocation(of: Int.self, capacity: count) { order in
            for i in 0..<count { order[i] = i }
            // Insertion sort: records have a dozen members or so.
            for i in 1..<count {
                let current = order[i]
                var j = i - 1
                while j >= 0, precedes(members[current].key, members[order[j]].key, ascii: ascii) {
                    order[j + 1] = order[j]
                    j -= 1
                }
                order[j + 1] = current
            }
            for i in 0..<count {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                let member = members[order[i]]
                writeString(member.key, into: &out)
                out.append(UInt8(ascii: ":"))
                write(member.value, into: &out)
            }
        }
    }

    @inline(__always) private static func precedes(_ a: String, _ b: String, ascii: Bool) -> Bool {
        ascii ? a < b : a.utf16.lexicographicallyPrecedes(b.utf16)
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Writes a string literal the way `JSON.stringify` does.
    public static func writeString(_ string: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var string = string
        string.withUTF8 { buffer in
            // Copy runs of bytes that need no escape in one go.
            var runStart = 0
            for i in 0..<buffer.count {
                let byte = buffer[i]
                if byte >= 0x20, byte != 0x22, byte != 0x5C { continue }
                if i > runStart { out.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[runStart..<i])) }
                escape(byte, into: &out)
                runStart = i + 1
            }
            if runStart < buffer.count { out.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[runStart...])) }
        }
        out.append(UInt8(ascii: "\""))
    }

    private static func escape(_ byte: UInt8, into out: inout [UInt8]) {
        switch byte {
        case 0x22: out.append(0x5C); out.append(0x22)
        case 0x5C: out.append(0x5C); out.append(0x5C)
        case 0x08: out.append(0x5C); out.append(UInt8(ascii: "b"))
        case 0x09: out.append(0x5C); out.append(UInt8(ascii: "t"))
        case 0x0A: out.append(0x5C); out.append(UInt8(ascii: "n"))
        case 0x0C: out.append(0x5C); out.append(UInt8(ascii: "f"))
        case 0x0D: out.append(0x5C); out.append(UInt8(ascii: "r"))
        default:
            out.append(contentsOf: [0x5C, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
            out.append(hexDigits[Int(byte >> 4)])
            out.append(hexDigits[Int(byte & 0xF)])
        }
    }

    /// Writes a finite double as ECMAScript's `Number.prototype.toString` (RFC 8785 §3.2.2.3).
    public static func writeNumber(_ value: Double, into out: inout [UInt8]) {
        if value.magnitude < 1e15, value == value.rounded(.towardZero), value != 0 {
            // Integers: the digits, without a String.
            var n = Int64(value)
            if n < 0 { out.append(UInt8(ascii: "-")); n = -n }
            var digits: (UInt64, UInt64) = (0, 0)
            withUnsafeMutableBytes(of: &digits) { buffer in
                var i = 16
                while n > 0 { i -= 1; buffer[i] = UInt8(48 + n % 10); n /= 10 }
                out.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[i..<16]))
            }
            return
        }
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
