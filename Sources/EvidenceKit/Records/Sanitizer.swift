/// Sanitizing of accepted records (SPEC §4): secret-looking keys redacted at any depth, URLs
/// stripped of credentials, strings capped, summary counts numeric only, failure summaries
/// bounded. Idempotent: a sanitized record sanitizes to itself, so replay sees the same data.
public enum Sanitizer {
    public static let maxStringScalars = 500
    public static let maxFailureEntries = 10

    /// Whether a key names a secret: token, secret, password, passwd, authorization, cookie,
    /// api key, private key or credential, in any case, anywhere in the key.
    public static func isSecretKey(_ key: String) -> Bool {
        var key = key
        return key.withUTF8 { isSecretKey($0) }
    }

    /// `isSecretKey` over the UTF-8 bytes of a key.
    public static func isSecretKey(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        do {
            let count = bytes.count
            guard count >= 5 else { return false }
            for i in 0..<count {
                switch lower(bytes[i]) {
                case UInt8(ascii: "t"):
                    if matches(bytes, i, "token") { return true }
                case UInt8(ascii: "s"):
                    if matches(bytes, i, "secret") { return true }
                case UInt8(ascii: "p"):
                    if matches(bytes, i, "passw") && (matches(bytes, i, "password") || matches(bytes, i, "passwd")) { return true }
                    if matches(bytes, i, "private") && (matches(bytes, i, "privatekey") || matches(bytes, i, "private_key") || matches(bytes, i, "private-key")) { return true }
                case UInt8(ascii: "a"):
                    if matches(bytes, i, "authorization") || matches(bytes, i, "apikey") || matches(bytes, i, "api_key") || matches(bytes, i, "api-key") { return true }
                case UInt8(ascii: "c"):
                    if matches(bytes, i, "cookie") || matches(bytes, i, "credential") { return true }
                default:
                    continue
                }
            }
            return false
        }
    }

    @inline(__always) private static func lower(_ byte: UInt8) -> UInt8 {
        byte >= 65 && byte <= 90 ? byte + 32 : byte
    }

    /// Whether `needle` (lowercase ASCII) starts at `start` in `bytes`, ignoring case.
    @inline(__always) private static func matches(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ needle: StaticString) -> Bool {
        let length = needle.utf8CodeUnitCount
        guard start + length <= bytes.count else { return false }
        let pattern = needle.utf8Start
        for j in 0..<length where lower(bytes[start + j]) != pattern[j] { return false }
        return true
    }

    /// The sanitized record.
    public static func sanitize(_ record: JSONObject) -> JSONObject {
        var result = JSONObject()
        result.members.reserveCapacity(record.count)
        for member in record.members {
            var value = member.value
            if isSecretKey(member.key) {
                value = .string(Redaction.marker)
            } else {
                switch member.key {
                case "external_run_url":
                    if case .string(let url) = value {
                        value = .string(Redaction.url(url))
                    }
                    value = sanitize(value)
                case "summary_counts":
                    if case .object(let counts) = value {
                        let numeric = counts.members.filter { if case .number = $0.value { return !isSecretKey($0.key) } else { return false } }
                        value = .object(JSONObject(numeric))
                    }
                case "failure_summary":
                    if case .array(var entries) = value {
                        if entries.count > maxFailureEntries { entries.removeSubrange(maxFailureEntries...) }
                        value = sanitize(.array(entries))
                    }
                default:
                    value = sanitize(value)
                }
            }
            result.members.append(JSONObject.Member(key: member.key, value: value))
        }
        return result
    }

    static func sanitize(_ value: JSONValue) -> JSONValue {
        switch value {
        case .string(let text):
            let scalars = text.unicodeScalars
            guard text.utf8.count > maxStringScalars, scalars.count > maxStringScalars else { return value }
            return .string(String(String.UnicodeScalarView(scalars.prefix(maxStringScalars))))
        case .array(let items):
            return .array(items.map { sanitize($0) })
        case .object(let object):
            var result = JSONObject()
            for member in object.members {
                let clean = isSecretKey(member.key) ? .string(Redaction.marker) : sanitize(member.value)
                result.members.append(JSONObject.Member(key: member.key, value: clean))
            }
            return .object(result)
        case .null, .bool, .number:
            return value
        }
    }
}
