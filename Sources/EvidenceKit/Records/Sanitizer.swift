#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Sanitizing of accepted records (SPEC §4): secret-looking keys redacted at any depth, URLs
/// stripped of credentials, strings capped, summary counts numeric only, failure summaries
/// bounded. Idempotent: a sanitized record sanitizes to itself, so replay sees the same data.
public enum Sanitizer {
    public static let maxStringScalars = 500
    public static let maxFailureEntries = 10

    /// Whether a key names a secret: `token|secret|password|passwd|pwd|authorization|bearer|`
    /// `cookie|session[_-]?id|api[_-]?key|access[_-]?key|private[_-]?key|ssh[_-]?key|credential`,
    /// in any case, anywhere in the key.
    public static func isSecretKey(_ key: String) -> Bool {
        var key = key
        return key.withUTF8 { isSecretKey($0) }
    }

    /// `isSecretKey` over the UTF-8 bytes of a key.
    public static func isSecretKey(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let count = bytes.count
        guard count >= 3 else { return false }
        for i in 0..<count {
            switch lower(bytes[i]) {
            case UInt8(ascii: "t"):
                if matches(bytes, i, "token") { return true }
            case UInt8(ascii: "s"):
                if matches(bytes, i, "secret") || matchesSeparated(bytes, i, "session", "id") || matchesSeparated(bytes, i, "ssh", "key") { return true }
            case UInt8(ascii: "p"):
                if matches(bytes, i, "passw") && (matches(bytes, i, "password") || matches(bytes, i, "passwd")) { return true }
                if matches(bytes, i, "pwd") || matchesSeparated(bytes, i, "private", "key") { return true }
            case UInt8(ascii: "a"):
                if matches(bytes, i, "authorization") || matchesSeparated(bytes, i, "api", "key") || matchesSeparated(bytes, i, "access", "key") { return true }
            case UInt8(ascii: "b"):
                if matches(bytes, i, "bearer") { return true }
            case UInt8(ascii: "c"):
                if matches(bytes, i, "cookie") || matches(bytes, i, "credential") { return true }
            default:
                continue
            }
        }
        return false
    }

    /// `first`, then optionally `_` or `-`, then `second`, at `start` (ignoring case).
    @inline(__always) private static func matchesSeparated(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ first: StaticString, _ second: StaticString) -> Bool {
        guard matches(bytes, start, first) else { return false }
        var next = start + first.utf8CodeUnitCount
        if next < bytes.count, bytes[next] == UInt8(ascii: "_") || bytes[next] == UInt8(ascii: "-") { next += 1 }
        return matches(bytes, next, second)
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

    /// The sanitized record. A usage event's metadata loses the keys whose value is null.
    public static func sanitize(_ record: JSONObject) -> JSONObject {
        let isUsage = record["kind"] == .string(RecordKind.usage.rawValue)
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
                case "metadata" where isUsage:
                    if case .object(let metadata) = value {
                        value = sanitize(.object(JSONObject(metadata.members.filter { $0.value != .null })))
                    } else {
                        value = sanitize(value)
                    }
                default:
                    value = sanitize(value)
                }
            }
            result.members.append(JSONObject.Member(key: member.key, value: value))
        }
        return result
    }

    /// A value with secret-named keys redacted at any depth, secrets in strings removed
    /// (`Redaction`) and strings capped at 500 characters.
    static func sanitize(_ value: JSONValue) -> JSONValue {
        switch value {
        case .string(let text):
            let clean = Redaction.sanitize(text)
            let scalars = clean.unicodeScalars
            guard clean.utf8.count > maxStringScalars, scalars.count > maxStringScalars else { return clean == text ? value : .string(clean) }
            return .string(String(String.UnicodeScalarView(scalars.prefix(maxStringScalars))))
        case .array(let items):
            return .array(items.map { sanitize($0) })
        case .object(let object):
            var result = JSONObject()
            result.members.reserveCapacity(object.count)
            for member in object.members {
                let clean = isSecretKey(member.key) ? .string(Redaction.marker) : sanitize(member.value)
                result.members.append(JSONObject.Member(key: member.key, value: clean))
            }
            return .object(result)
        case .null, .bool, .number:
            return value
        }
    }

    // MARK: - the snapshot

    /// Keys of the snapshot format that name no secret although they match the key pattern;
    /// by JSON path.
    static let snapshotKeysNamingNoSecret: Set<String> = ["infrastructure.secrets_backup"]

    /// The snapshot as `data/inputs/snapshot.json` stores it (SPEC §4): the payload and
    /// `credentials_ref` (a checked reference, never a secret) as given, everything else
    /// sanitized by key and by value, strings not capped; the connection endpoint loses user
    /// info, query and fragment in URL, libpq or JDBC form. Nil when nothing changes.
    public static func sanitizeSnapshot(_ root: JSONObject, payloadKeys: Set<String>) -> JSONObject? {
        var changed = false
        var result = root
        for (index, member) in root.members.enumerated() where !payloadKeys.contains(member.key) && member.key != "credentials_ref" {
            let clean = sanitizeSnapshotValue(member.value, path: member.key)
            if clean != member.value {
                result.members[index].value = clean
                changed = true
            }
        }
        return changed ? result : nil
    }

    static func sanitizeSnapshotValue(_ value: JSONValue, path: String) -> JSONValue {
        switch value {
        case .string(let text):
            let clean = path == "connection.endpoint" ? Redaction.endpoint(text) : Redaction.sanitize(text)
            return clean == text ? value : .string(clean)
        case .array(let items):
            return .array(items.enumerated().map { sanitizeSnapshotValue($1, path: "\(path)[\($0)]") })
        case .object(let object):
            var result = JSONObject()
            result.members.reserveCapacity(object.count)
            for member in object.members {
                let child = JSONPath.appending(key: member.key, to: path)
                let clean = isSecretKey(member.key) && !snapshotKeysNamingNoSecret.contains(child) && member.value != .null
                    ? .string(Redaction.marker) : sanitizeSnapshotValue(member.value, path: child)
                result.members.append(JSONObject.Member(key: member.key, value: clean))
            }
            return .object(result)
        case .null, .bool, .number:
            return value
        }
    }
}

/// `Sanitizer.isSecretKey` remembered per distinct member name: the keys of a records file
/// repeat on every line, so each is matched against the pattern once.
///
/// A fixed table (256 names of up to 64 bytes), so its memory is bounded whatever the input
/// holds; a name that is longer, or whose slot another name took, is matched again (always
/// compared byte for byte, so a collision costs time, never a wrong answer).
final class SecretKeyCache {
    static let slots = 256
    static let maxKeyBytes = 64
    private let names: UnsafeMutablePointer<UInt8>
    /// The length of the name in each slot; -1 for an empty slot.
    private let lengths: UnsafeMutablePointer<Int>
    private let secret: UnsafeMutablePointer<Bool>

    init() {
        names = .allocate(capacity: Self.slots * Self.maxKeyBytes)
        lengths = .allocate(capacity: Self.slots)
        lengths.initialize(repeating: -1, count: Self.slots)
        secret = .allocate(capacity: Self.slots)
        secret.initialize(repeating: false, count: Self.slots)
    }

    deinit {
        names.deallocate()
        lengths.deallocate()
        secret.deallocate()
    }

    /// Whether the name names a secret (`Sanitizer.isSecretKey`).
    func isSecretKey(_ key: UnsafeBufferPointer<UInt8>) -> Bool {
        let count = key.count
        guard count >= 3, count <= Self.maxKeyBytes, let p = key.baseAddress else { return Sanitizer.isSecretKey(key) }
        // Length and four bytes pick the slot; the record formats' names differ there.
        let hash = count &* 31 &+ Int(p[0]) &* 7 &+ Int(p[count >> 1]) &* 13 &+ Int(p[count - 1]) &* 17 &+ Int(p[count - 2]) &* 3
        let slot = hash & (Self.slots - 1)
        let stored = names + slot * Self.maxKeyBytes
        if lengths[slot] == count, memcmp(stored, p, count) == 0 { return secret[slot] }
        let result = Sanitizer.isSecretKey(key)
        stored.update(from: p, count: count)
        lengths[slot] = count
        secret[slot] = result
        return result
    }
}
