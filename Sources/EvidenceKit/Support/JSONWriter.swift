/// Writes JSON for people and tools: members in the order given, two-space indentation.
public enum JSONWriter {
    public static func pretty(_ value: JSONValue) -> String {
        var out: [UInt8] = []
        write(value, indent: 0, into: &out)
        out.append(UInt8(ascii: "\n"))
        return String(decoding: out, as: UTF8.self)
    }

    /// One line, members in the order given (JSON Lines output).
    public static func compact(_ value: JSONValue) -> String {
        var out: [UInt8] = []
        write(value, indent: nil, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    private static func newline(_ indent: Int?, _ out: inout [UInt8]) {
        guard let indent else { return }
        out.append(UInt8(ascii: "\n"))
        out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indent))
    }

    private static func write(_ value: JSONValue, indent: Int?, into out: inout [UInt8]) {
        let inner = indent.map { $0 + 2 }
        switch value {
        case .array(let elements) where !elements.isEmpty:
            out.append(UInt8(ascii: "["))
            for (i, element) in elements.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                newline(inner, &out)
                write(element, indent: inner, into: &out)
            }
            newline(indent, &out)
            out.append(UInt8(ascii: "]"))
        case .object(let object) where !object.isEmpty:
            out.append(UInt8(ascii: "{"))
            for (i, member) in object.members.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                newline(inner, &out)
                CanonicalJSON.writeString(member.key, into: &out)
                out.append(UInt8(ascii: ":"))
                if indent != nil { out.append(UInt8(ascii: " ")) }
                write(member.value, indent: inner, into: &out)
            }
            newline(indent, &out)
            out.append(UInt8(ascii: "}"))
        case .array, .object, .null, .bool, .number, .string:
            CanonicalJSON.write(value, into: &out)
        }
    }
}
