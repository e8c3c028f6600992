/// Encodes an `Encodable` value into a `JSONValue`, object members in the order they are
/// encoded, so `JSONWriter` prints them in that order (Foundation's `JSONEncoder` sorts or
/// hashes keys and formats numbers its own way). An explicitly encoded nil is `null`; a key
/// encoded twice keeps its first place with the last value.
public enum JSONValueEncoder {
    public static func encode<T: Encodable>(_ value: T) -> JSONValue {
        let root = Node()
        do {
            try value.encode(to: NodeEncoder(node: root, codingPath: []))
        } catch {
            // The encoders here never throw; a value's own encode(to:) could.
            preconditionFailure("encoding \(T.self) failed: \(error)")
        }
        return root.value
    }

    /// A value being built: a leaf, or an array or object whose members are nodes.
    final class Node {
        enum Content {
            case empty
            case leaf(JSONValue)
            case array([Node])
            case object([(String, Node)])
        }
        var content: Content = .empty

        var value: JSONValue {
            switch content {
            case .empty: return .null
            case .leaf(let value): return value
            case .array(let nodes): return .array(nodes.map(\.value))
            case .object(let members):
                var object = JSONObject()
                for (key, node) in members { object[key] = node.value }
                return .object(object)
            }
        }

        func member(_ key: String) -> Node {
            if case .object(var members) = content {
                if let existing = members.first(where: { $0.0 == key }) {
                    existing.1.content = .empty
                    return existing.1
                }
                let node = Node()
                members.append((key, node))
                content = .object(members)
                return node
            }
            let node = Node()
            content = .object([(key, node)])
            return node
        }

        func appended() -> Node {
            let node = Node()
            if case .array(var nodes) = content {
                nodes.append(node)
                content = .array(nodes)
            } else {
                content = .array([node])
            }
            return node
        }
    }

    struct NodeEncoder: Encoder {
        let node: Node
        let codingPath: [any CodingKey]
        var userInfo: [CodingUserInfoKey: Any] { [:] }

        func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
            if case .object = node.content {} else { node.content = .object([]) }
            return KeyedEncodingContainer(Keyed<Key>(node: node, codingPath: codingPath))
        }

        func unkeyedContainer() -> any UnkeyedEncodingContainer {
            if case .array = node.content {} else { node.content = .array([]) }
            return Unkeyed(node: node, codingPath: codingPath)
        }

        func singleValueContainer() -> any SingleValueEncodingContainer {
            Single(node: node, codingPath: codingPath)
        }
    }

    /// Encodes `value` into `node`: numbers and strings as leaves, everything else through
    /// its own `encode(to:)`.
    static func put<T: Encodable>(_ value: T, into node: Node, codingPath: [any CodingKey]) throws {
        switch value {
        case let text as String: node.content = .leaf(.string(text))
        case let number as Int: node.content = .leaf(.number(Double(number)))
        case let number as Double: node.content = .leaf(.number(number))
        case let flag as Bool: node.content = .leaf(.bool(flag))
        case let leaf as Leaf: node.content = .leaf(leaf.value)
        default: try value.encode(to: NodeEncoder(node: node, codingPath: codingPath))
        }
    }

    struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let node: Node
        let codingPath: [any CodingKey]

        mutating func encodeNil(forKey key: Key) throws { node.member(key.stringValue).content = .leaf(.null) }
        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
            try JSONValueEncoder.put(value, into: node.member(key.stringValue), codingPath: codingPath + [key])
        }
        mutating func encode(_ value: Bool, forKey key: Key) throws { try encode(Leaf(value), forKey: key) }
        mutating func encode(_ value: String, forKey key: Key) throws { try encode(Leaf(value), forKey: key) }
        mutating func encode(_ value: Double, forKey key: Key) throws { try encode(Leaf(value), forKey: key) }
        mutating func encode(_ value: Float, forKey key: Key) throws { try encode(Leaf(value), forKey: key) }
        mutating func encode(_ value: Int, forKey key: Key) throws { try encode(Leaf(value), forKey: key) }
        mutating func encode(_ value: Int8, forKey key: Key) throws { try encode(Leaf(value), forKey: key) }
        mutating func encode(_ value: Int16, forKey key: Key) throws { try encode(Leaf(value), forKey: key) }
        mutating func encode(_ value: Int32, forKey key: Key) throws { try encode(Leaf(value), forKey: key) }
        mutating func encode(_ value: Int64, forKey key: Key) throws { try encode(Leaf(value), forKey: key) }
        mutating func encode(_ value: UInt, forKey key: Key) throws { try encode(Leaf(value), forKey: key) }
        mutating func encode(_ value: UInt8, forKey key: Key) throws { try encode(Leaf(value), forKey: key) }
        mutating func encode(_ value: UInt16, forKey key: Key) throws { try encode(Leaf(value), forKey: key) }
        mutating func encode(_ value: UInt32, forKey key: Key) throws { try encode(Leaf(value), forKey: key) }
        mutating func encode(_ value: UInt64, forKey key: Key) throws { try encode(Leaf(value), forKey: key) }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
            NodeEncoder(node: node.member(key.stringValue), codingPath: codingPath + [key]).container(keyedBy: type)
        }
        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            NodeEncoder(node: node.member(key.stringValue), codingPath: codingPath + [key]).unkeyedContainer()
        }
        mutating func superEncoder() -> any Encoder { NodeEncoder(node: node.member("super"), codingPath: codingPath) }
        mutating func superEncoder(forKey key: Key) -> any Encoder { NodeEncoder(node: node.member(key.stringValue), codingPath: codingPath + [key]) }
    }

    struct Unkeyed: UnkeyedEncodingContainer {
        let node: Node
        let codingPath: [any CodingKey]
        var count: Int {
            if case .array(let nodes) = node.content { return nodes.count }
            return 0
        }

        mutating func encodeNil() throws { node.appended().content = .leaf(.null) }
        mutating func encode<T: Encodable>(_ value: T) throws {
            try JSONValueEncoder.put(value, into: node.appended(), codingPath: codingPath)
        }
        mutating func encode(_ value: Bool) throws { try encode(Leaf(value)) }
        mutating func encode(_ value: String) throws { try encode(Leaf(value)) }
        mutating func encode(_ value: Double) throws { try encode(Leaf(value)) }
        mutating func encode(_ value: Float) throws { try encode(Leaf(value)) }
        mutating func encode(_ value: Int) throws { try encode(Leaf(value)) }
        mutating func encode(_ value: Int8) throws { try encode(Leaf(value)) }
        mutating func encode(_ value: Int16) throws { try encode(Leaf(value)) }
        mutating func encode(_ value: Int32) throws { try encode(Leaf(value)) }
        mutating func encode(_ value: Int64) throws { try encode(Leaf(value)) }
        mutating func encode(_ value: UInt) throws { try encode(Leaf(value)) }
        mutating func encode(_ value: UInt8) throws { try encode(Leaf(value)) }
        mutating func encode(_ value: UInt16) throws { try encode(Leaf(value)) }
        mutating func encode(_ value: UInt32) throws { try encode(Leaf(value)) }
        mutating func encode(_ value: UInt64) throws { try encode(Leaf(value)) }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
            NodeEncoder(node: node.appended(), codingPath: codingPath).container(keyedBy: type)
        }
        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
            NodeEncoder(node: node.appended(), codingPath: codingPath).unkeyedContainer()
        }
        mutating func superEncoder() -> any Encoder { NodeEncoder(node: node.appended(), codingPath: codingPath) }
    }

    struct Single: SingleValueEncodingContainer {
        let node: Node
        let codingPath: [any CodingKey]

        mutating func encodeNil() throws { node.content = .leaf(.null) }
        mutating func encode<T: Encodable>(_ value: T) throws { try JSONValueEncoder.put(value, into: node, codingPath: codingPath) }
        mutating func encode(_ value: Bool) throws { try encode(Leaf(value)) }
        mutating func encode(_ value: String) throws { try encode(Leaf(value)) }
        mutating func encode(_ value: Double) throws { try encode(Leaf(value)) }
        mutating func encode(_ value: Float) throws { try encode(Leaf(value)) }
        mutating func encode(_ value: Int) throws { try encode(Leaf(value)) }
        mutating func encode(_ value: Int8) throws { try encode(Leaf(value)) }
        mutating func encode(_ value: Int16) throws { try encode(Leaf(value)) }
        mutating func encode(_ value: Int32) throws { try encode(Leaf(value)) }
        mutating func encode(_ value: Int64) throws { try encode(Leaf(value)) }
        mutating func encode(_ value: UInt) throws { try encode(Leaf(value)) }
        mutating func encode(_ value: UInt8) throws { try encode(Leaf(value)) }
        mutating func encode(_ value: UInt16) throws { try encode(Leaf(value)) }
        mutating func encode(_ value: UInt32) throws { try encode(Leaf(value)) }
        mutating func encode(_ value: UInt64) throws { try encode(Leaf(value)) }
    }

    /// A number, string or flag on its way into a node (the containers' typed overloads).
    struct Leaf: Encodable {
        let value: JSONValue
        init(_ flag: Bool) { value = .bool(flag) }
        init(_ text: String) { value = .string(text) }
        init<N: BinaryInteger>(_ number: N) { value = .number(Double(number)) }
        init<N: BinaryFloatingPoint>(_ number: N) { value = .number(Double(number)) }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()  // not reached: put(_:into:) stores a Leaf itself
            try c.encodeNil()
        }
    }
}

/// Keys spelled at run time: check ids, fact keys, packet keys.
struct DynamicKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
