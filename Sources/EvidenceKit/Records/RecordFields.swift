#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A field's value as the rules see it; strings as UTF-8 bytes with escapes decoded.
enum FieldValue {
    case null, bool, number, object, array
    case string(UnsafeBufferPointer<UInt8>)

    var type: JSONValueType {
        switch self {
        case .null: return .null
        case .bool: return .bool
        case .number: return .number
        case .object: return .object
        case .array: return .array
        case .string: return .string
        }
    }
}

/// Read access to one record's fields. Pointers stay valid until the record is finished.
protocol RecordFields {
    /// The value of a top-level field; nil when absent.
    func field(_ key: StaticString) -> FieldValue?
    /// Calls `body` with every member of an object field.
    func forEachMember(of key: StaticString, _ body: (UnsafeBufferPointer<UInt8>, FieldValue) -> Void)
    /// False when no string of the record can hold a secret (the scan's cheap test said so).
    var mayHoldSecrets: Bool { get }
}

/// Owned copies of decoded strings for the record being checked; emptied per record.
final class ScratchStrings {
    private var buffers: [UnsafeMutableBufferPointer<UInt8>] = []

    func copy<C: Collection>(_ bytes: C) -> UnsafeBufferPointer<UInt8> where C.Element == UInt8 {
        let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(bytes.count, 1))
        _ = buffer.initialize(from: bytes)
        buffers.append(buffer)
        return UnsafeBufferPointer(rebasing: buffer[0..<bytes.count])
    }

    func reset() {
        for buffer in buffers { buffer.deallocate() }
        buffers.removeAll(keepingCapacity: true)
    }

    deinit { reset() }
}

extension StaticString {
    /// Whether the bytes spell this string.
    @inline(__always) func matches(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let count = utf8CodeUnitCount
        guard bytes.count == count else { return false }
        return memcmp(utf8Start, bytes.baseAddress!, count) == 0
    }
}

/// The fields of a JSON line scanned in place.
struct ScannedFields: RecordFields {
    let line: UnsafeBufferPointer<UInt8>
    let members: UnsafeBufferPointer<ScannedMember>
    let scratch: ScratchStrings
    var mayHoldSecrets = true

    func member(_ key: StaticString) -> ScannedMember? {
        for member in members where key.matches(UnsafeBufferPointer(rebasing: line[member.keyStart..<member.keyEnd])) {
            return member
        }
        return nil
    }

    func field(_ key: StaticString) -> FieldValue? {
        member(key).map { value(of: $0, in: line) }
    }

    func value(of member: ScannedMember, in buffer: UnsafeBufferPointer<UInt8>) -> FieldValue {
        switch member.type {
        case .null: return .null
        case .bool: return .bool
        case .number: return .number
        case .object: return .object
        case .array: return .array
        case .string:
            let raw = UnsafeBufferPointer(rebasing: buffer[member.valueStart..<member.valueEnd])
            guard member.escaped else { return .string(raw) }
            return .string(scratch.copy(JSONParser.unescapedBytes(raw)))
        }
    }

    func forEachMember(of key: StaticString, _ body: (UnsafeBufferPointer<UInt8>, FieldValue) -> Void) {
        guard let member = member(key), member.type == .object else { return }
        let span = UnsafeBufferPointer(rebasing: line[member.valueStart..<member.valueEnd])
        var nested: [ScannedMember] = []
        var keys: [Range<Int>] = []
        var flags = ScanFlags()
        var parser = JSONParser(bytes: span)
        guard (try? parser.scanObject(members: &nested, keys: &keys, flags: &flags)) == true else { return }
        for inner in nested {
            body(UnsafeBufferPointer(rebasing: span[inner.keyStart..<inner.keyEnd]), value(of: inner, in: span))
        }
    }

    /// How many elements an array field has; nil when it is not an array.
    func arrayCount(_ key: StaticString) -> Int? {
        guard let member = member(key), member.type == .array else { return nil }
        let span = UnsafeBufferPointer(rebasing: line[member.valueStart..<member.valueEnd])
        guard case .array(let items)? = try? JSONParser.parse(Array(span)) else { return nil }
        return items.count
    }
}

/// The fields of a parsed record object (CSV rows, records that need sanitizing).
struct ObjectFields: RecordFields {
    let object: JSONObject
    let scratch: ScratchStrings
    var mayHoldSecrets: Bool { true }

    func field(_ key: StaticString) -> FieldValue? {
        let name = String(decoding: UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount), as: UTF8.self)
        return object[name].map(value)
    }

    func value(_ value: JSONValue) -> FieldValue {
        switch value {
        case .null: return .null
        case .bool: return .bool
        case .number: return .number
        case .object: return .object
        case .array: return .array
        case .string(let text): return .string(scratch.copy(Array(text.utf8)))
        }
    }

    func forEachMember(of key: StaticString, _ body: (UnsafeBufferPointer<UInt8>, FieldValue) -> Void) {
        let name = String(decoding: UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount), as: UTF8.self)
        guard case .object(let inner)? = object[name] else { return }
        for member in inner.members {
            body(scratch.copy(Array(member.key.utf8)), value(member.value))
        }
    }
}
