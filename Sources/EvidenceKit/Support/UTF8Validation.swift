/// UTF-8 validation without building a string: well-formed UTF-8 (RFC 3629) only, no
/// overlong forms, no surrogates, nothing above U+10FFFF. The record scanner calls it for a
/// string with a byte above 0x7F, where it checks the bytes in place (the parser, which makes
/// a `String` anyway, uses `String(validating:)`, which accepts the same).
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
