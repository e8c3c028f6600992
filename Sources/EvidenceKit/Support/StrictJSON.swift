import Foundation

/// Reading a small JSON document of a fixed shape (options.json, a DSSE envelope, an in-toto
/// Statement) into a `Decodable` type.
///
/// The bytes are checked by `JSONParser` first, so they are held to the same rules as every
/// other JSON we read (no duplicate member names, no trailing commas, errors with a line and
/// column); then Foundation's `JSONDecoder` reads them. The documents are a few kilobytes, so
/// reading them twice costs nothing that shows.
public enum StrictJSON {
    /// `T` from `bytes`. Throws the `JSONParseError` of bytes that are not strict JSON, an
    /// error `T`'s own `init(from:)` throws, or a `DecodingError` (`message(_:)` words it).
    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        _ = try JSONParser.parse(bytes)
        return try JSONDecoder().decode(type, from: Data(bytes))
    }

    /// A decoding error in words, naming the member: `signatures[0].sig: expected a string`.
    public static func message(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, let context):
            return "\(path(context.codingPath + [key])) is missing"
        case .typeMismatch(let type, let context):
            return "\(path(context.codingPath)): expected \(describe(type))"
        case .valueNotFound(let type, let context):
            return "\(path(context.codingPath)) is null, expected \(describe(type))"
        case .dataCorrupted(let context):
            return "\(path(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }

    /// `signatures[0].sig`; `the document` for the top level.
    static func path(_ keys: [any CodingKey]) -> String {
        var text = ""
        for key in keys {
            if let index = key.intValue { text += "[\(index)]" } else { text += (text.isEmpty ? "" : ".") + key.stringValue }
        }
        return text.isEmpty ? "the document" : text
    }

    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Bool.Type: return "true or false"
        case is Double.Type, is Int.Type: return "a number"
        default: return String(describing: type).hasPrefix("Array") ? "an array" : "an object"
        }
    }
}

extension JSONValue: Decodable {
    /// Any JSON value; an object's members in the order of their names (`Decoder` does not
    /// keep the document's order).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            let members = try container.decode([String: JSONValue].self)
            self = .object(JSONObject(members.sorted { $0.key < $1.key }.map { JSONObject.Member(key: $0.key, value: $0.value) }))
        }
    }
}
