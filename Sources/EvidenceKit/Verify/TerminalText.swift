/// Text from a pack made safe to print on a terminal: no name or value inside a pack can move
/// the cursor, forge a line, change the title or set the clipboard (SPEC §6).
public enum TerminalText {
    /// `text` with every control character written as a visible escape: C0 controls and DEL as
    /// `\n`, `\r`, `\t` or `\x1b`, C1 controls, line and paragraph separators and the bidi
    /// controls (which reorder what a line shows) as `\u{9b}`; a backslash is doubled, so an
    /// escape shown can only have come from a control character.
    public static func escaped(_ text: String) -> String {
        escaped(text, backslash: true)
    }

    /// `escaped`, with a backslash kept as it is when `backslash` is false.
    static func escaped(_ text: String, backslash: Bool) -> String {
        func needsEscape(_ scalar: Unicode.Scalar) -> Bool { (backslash && scalar == "\\") || isControl(scalar) }
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 16)
        for scalar in text.unicodeScalars {
            guard needsEscape(scalar) else {
                out.unicodeScalars.append(scalar)
                continue
            }
            switch scalar {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                let hex = String(scalar.value, radix: 16)
                out += scalar.value < 0x80 ? "\\x" + (hex.count < 2 ? "0" + hex : hex) : "\\u{\(hex)}"
            }
        }
        return out
    }

    /// `text` (several lines, a message) with the control characters of each line escaped, its
    /// line breaks and backslashes kept.
    public static func escapedLines(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { escaped(String($0), backslash: false) }
            .joined(separator: "\n")
    }

    /// JSON text with DEL and the C1 controls, which JSON may hold raw, written as `\u` escapes:
    /// the same JSON value, and nothing a terminal acts on. (Structure is ASCII, so every such
    /// character is inside a string.)
    public static func jsonEscaped(_ json: String) -> String {
        guard json.unicodeScalars.contains(where: isJSONUnsafe) else { return json }
        var out = ""
        for scalar in json.unicodeScalars {
            if isJSONUnsafe(scalar) {
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// C0, DEL, C1, U+2028/2029 and the bidi controls.
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: return true
        case 0x061C, 0x200E, 0x200F, 0x2028, 0x2029, 0x202A...0x202E, 0x2066...0x2069: return true
        default: return false
        }
    }

    private static func isJSONUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x7F...0x9F, 0x061C, 0x200E, 0x200F, 0x2028, 0x2029, 0x202A...0x202E, 0x2066...0x2069: return true
        default: return false
        }
    }
}
