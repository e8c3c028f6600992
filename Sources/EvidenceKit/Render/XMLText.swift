/// Text that goes into XML 1.0: characters XML forbids replaced, markup escaped.
enum XMLText {
    /// Whether XML 1.0 allows `scalar` in a document (§2.2 Char).
    static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x9, 0xA, 0xD, 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: return true
        default: return false
        }
    }

    /// `text` with every character XML 1.0 forbids (control characters, U+FFFE, U+FFFF)
    /// replaced by U+FFFD, so any input string can be written and read back the same way.
    static func sanitized(_ text: String) -> String {
        guard !text.unicodeScalars.allSatisfy(isAllowed) else { return text }
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            scalars.append(isAllowed(scalar) ? scalar : "\u{FFFD}")
        }
        return String(scalars)
    }

    /// Character data: `&`, `<`, `>` escaped, CR written as a reference so parsers keep it.
    static func escapeText(_ text: String, into out: inout String) {
        for scalar in sanitized(text).unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\r": out += "&#13;"
            default: out.unicodeScalars.append(scalar)
            }
        }
    }

    /// An attribute value in double quotes: markup, quotes and white space other than the
    /// space escaped (attribute normalization would turn them into spaces).
    static func escapeAttribute(_ text: String, into out: inout String) {
        for scalar in sanitized(text).unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "\t": out += "&#9;"
            case "\n": out += "&#10;"
            case "\r": out += "&#13;"
            default: out.unicodeScalars.append(scalar)
            }
        }
    }
}

/// Writes an XML document element by element, indented by two spaces, attributes in the
/// order given: the same calls always give the same bytes.
struct XMLBuilder {
    private(set) var output = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    private var open: [String] = []

    /// An attribute; a nil value is left out.
    typealias Attribute = (name: String, value: String?)

    private mutating func indent() {
        output += String(repeating: "  ", count: open.count)
    }

    private mutating func startTag(_ name: String, _ attributes: [Attribute]) {
        indent()
        output += "<" + name
        for attribute in attributes {
            guard let value = attribute.value else { continue }
            output += " " + attribute.name + "=\""
            XMLText.escapeAttribute(value, into: &output)
            output += "\""
        }
    }

    /// Opens an element that will hold elements.
    mutating func begin(_ name: String, _ attributes: [Attribute] = []) {
        startTag(name, attributes)
        output += ">\n"
        open.append(name)
    }

    /// Closes the innermost open element.
    mutating func end() {
        let name = open.removeLast()
        indent()
        output += "</" + name + ">\n"
    }

    /// An element with no content.
    mutating func empty(_ name: String, _ attributes: [Attribute] = []) {
        startTag(name, attributes)
        output += "/>\n"
    }

    /// An element without attributes holding exactly `text`.
    mutating func text(_ name: String, _ text: String) {
        self.text(name, [], text)
    }

    /// An element holding exactly `text` (no indentation added inside).
    mutating func text(_ name: String, _ attributes: [Attribute], _ text: String) {
        startTag(name, attributes)
        output += ">"
        XMLText.escapeText(text, into: &output)
        output += "</" + name + ">\n"
    }

    /// The finished document.
    var document: String {
        precondition(open.isEmpty, "XML elements left open: \(open)")
        return output
    }
}
