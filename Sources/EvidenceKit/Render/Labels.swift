import Foundation

/// A language the HTML pages can be written in (`--lang`).
public enum Language: String, Sendable, CaseIterable {
    case en, pl, uk
}

/// The words the pages show in one language, read from `labels/labels.LANG.json`.
///
/// A catalogue is a JSON object of objects whose leaves are strings; a label's key is its
/// path joined by dots (`status.ready`, `check.preflight.snapshot_payload`). Templates reach
/// labels through `{{l.status.ready}}`; the renderer looks up the labels that depend on data
/// (check names, decision codes) with `text(_:)`.
public struct LabelCatalogue: Sendable, Equatable {
    public var language: Language
    /// Every label by its dotted key.
    public private(set) var labels: [String: String]

    public init(language: Language, labels: [String: String]) {
        self.language = language
        self.labels = labels
    }

    /// Reads a catalogue; an error names the file, the line and the key that is wrong.
    public init(language: Language, json bytes: [UInt8], file: String) throws(TemplateError) {
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw .invalidLabels(file: file, message: "not valid JSON: \(error.description)")
        }
        guard case .object(let root) = value else { throw .invalidLabels(file: file, message: "expected a JSON object of labels") }
        var labels: [String: String] = [:]
        func walk(_ object: JSONObject, prefix: String) throws(TemplateError) {
            for member in object.members {
                let key = prefix.isEmpty ? member.key : prefix + "." + member.key
                guard !member.key.isEmpty, !member.key.contains(".") else {
                    throw .invalidLabels(file: file, message: "\(key): a key may not be empty or hold a dot")
                }
                switch member.value {
                case .string(let text): labels[key] = text
                case .object(let inner): try walk(inner, prefix: key)
                default: throw .invalidLabels(file: file, message: "\(key): expected a string or an object, found \(member.value.typeDescription)")
                }
            }
        }
        try walk(root, prefix: "")
        self.init(language: language, labels: labels)
    }

    /// The label for `key`, nil when the catalogue lacks it.
    public func text(_ key: String) -> String? { labels[key] }

    /// The label for `key` with `{name}` placeholders filled in; the key itself when missing.
    public func format(_ key: String, _ values: [String: String] = [:]) -> String {
        var text = labels[key] ?? key
        for (name, value) in values.sorted(by: { $0.key < $1.key }) {
            text = text.replacingAll("{\(name)}", with: value)
        }
        return text
    }

    /// These labels over `base`: a key this catalogue lacks keeps the label of `base`.
    public func overlaying(_ base: LabelCatalogue) -> LabelCatalogue {
        LabelCatalogue(language: language, labels: base.labels.merging(labels) { _, mine in mine })
    }

    /// The labels as nested dictionaries, for `{{l.status.ready}}` in templates.
    public var tree: [String: Any] {
        var root: [String: Any] = [:]
        for (key, text) in labels {
            let parts = key.split(separator: ".").map(String.init)
            insert(text, at: parts[...], into: &root)
        }
        return root
    }

    private func insert(_ text: String, at path: ArraySlice<String>, into node: inout [String: Any]) {
        guard let first = path.first else { return }
        if path.count == 1 {
            node[first] = text
            return
        }
        var child = node[first] as? [String: Any] ?? [:]
        insert(text, at: path.dropFirst(), into: &child)
        node[first] = child
    }
}

extension String {
    /// The string with every occurrence of `target` replaced (no Foundation needed).
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var result = ""
        var rest = self[...]
        while let range = rest.range(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        result += rest
        return result
    }
}
