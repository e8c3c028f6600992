import EvidenceTemplates
import Foundation
import Mustache

/// A template set that cannot be used: exit 2, nothing written.
public enum TemplateError: Error, Sendable, CustomStringConvertible {
    case missing(file: String)
    case unreadable(file: String, reason: String)
    case invalidTemplate(file: String, message: String)
    case invalidLabels(file: String, message: String)
    case notAFolder(path: String)

    public var description: String {
        switch self {
        case .missing(let file): return "\(file): template file missing"
        case .unreadable(let file, let reason): return "\(file): cannot read: \(reason)"
        case .invalidTemplate(let file, let message): return "\(file): not a valid Mustache template: \(message)"
        case .invalidLabels(let file, let message): return "\(file): \(message)"
        case .notAFolder(let path): return "\(path): --templates must name a folder holding html/ and labels/ (see templates/README.md)"
        }
    }
}

/// What a pack is rendered with: the Mustache pages and partials, the label catalogue of one
/// language, and the XML schema.
///
/// The bundled set is compiled into the binary (`EvidenceTemplates`, from `templates/` in the
/// repository). An override folder (`--templates DIR`) replaces any of `html/*.mustache`,
/// `html/style.css` and `labels/labels.LANG.json` it holds; the rest, and the XML schema
/// (a contract, not a look), stay the bundled ones.
public struct TemplateSet: Sendable {
    /// The pages and partials every set has.
    public static let templateNames = ["index", "family", "head", "foot", "operations", "status", "bar"]
    static let inlinePartials: Set<String> = ["status", "bar"]

    public var library: MustacheLibrary
    public var labels: LabelCatalogue
    /// The bytes of `schema/evidence-pack.xsd`.
    public var schema: [UInt8]

    /// Loads the set for `language`, from `override` where it has a file, else the bundled one.
    public static func load(language: Language, override: URL? = nil) throws(TemplateError) -> TemplateSet {
        if let override {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: override.path, isDirectory: &isFolder), isFolder.boolValue else {
                throw .notAFolder(path: override.path)
            }
        }
        /// The override's file when it has one, else the bundled file; with the name errors show.
        func read(_ relative: String) throws(TemplateError) -> (text: String, shown: String) {
            if let override {
                let url = override.appendingPathComponent(relative)
                if FileManager.default.fileExists(atPath: url.path) { return (try readText(url, shown: url.path), url.path) }
            }
            return (try bundledText(relative), "templates/" + relative)
        }

        var library = MustacheLibrary()
        // The style sheet is a template too, so pages take it in inline.
        for (name, relative) in templateNames.map({ ($0, "html/\($0).mustache") }) + [("style", "html/style.css")] {
            var (text, shown) = try read(relative)
            // Inline partials (a status badge, a bar) must not add a line break where they are used.
            if inlinePartials.contains(name), text.hasSuffix("\n") { text.removeLast() }
            do {
                library.register(try MustacheTemplate(string: text), named: name)
            } catch {
                throw .invalidTemplate(file: shown, message: describe(error))
            }
        }

        let labelFile = "labels/labels.\(language.rawValue).json"
        var labels = try bundledLabels(language)
        if let override {
            let url = override.appendingPathComponent(labelFile)
            if FileManager.default.fileExists(atPath: url.path) {
                labels = try LabelCatalogue(language: language, json: readBytes(url, shown: url.path), file: url.path).overlaying(labels)
            }
        }
        return TemplateSet(library: library, labels: labels, schema: try bundledSchema())
    }

    /// The bytes of a bundled file, by its path below `templates/` (`schema/records.schema.json`).
    public static func bundledBytes(_ relative: String) throws(TemplateError) -> [UInt8] {
        guard let bytes = EvidenceTemplates.bytes(relative) else { throw .missing(file: "templates/" + relative) }
        return bytes
    }

    /// The text of a bundled file, by its path below `templates/`.
    public static func bundledText(_ relative: String) throws(TemplateError) -> String {
        guard let text = String(validating: try bundledBytes(relative), as: UTF8.self) else {
            throw .unreadable(file: "templates/" + relative, reason: "not UTF-8 text")
        }
        return text
    }

    /// The bundled XML schema of `evidence.xml`.
    public static func bundledSchema() throws(TemplateError) -> [UInt8] {
        try bundledBytes("schema/evidence-pack.xsd")
    }

    /// The bundled label catalogue of `language`.
    public static func bundledLabels(_ language: Language) throws(TemplateError) -> LabelCatalogue {
        let file = "labels/labels.\(language.rawValue).json"
        return try LabelCatalogue(language: language, json: bundledBytes(file), file: "templates/" + file)
    }

    /// "line 2, column 22: expectedSectionEnd" for a Mustache parser error.
    static func describe(_ error: any Error) -> String {
        guard let error = error as? MustacheTemplate.ParserError else { return String(describing: error) }
        return "line \(error.context.lineNumber), column \(error.context.columnNumber): \(error.error)"
    }

    static func readBytes(_ url: URL, shown: String) throws(TemplateError) -> [UInt8] {
        guard FileManager.default.fileExists(atPath: url.path) else { throw .missing(file: shown) }
        do {
            return try InputFile.read(url.path)
        } catch {
            throw .unreadable(file: shown, reason: error.description)
        }
    }

    static func readText(_ url: URL, shown: String) throws(TemplateError) -> String {
        let bytes = try readBytes(url, shown: shown)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw .unreadable(file: shown, reason: "not UTF-8 text")
        }
        return text
    }
}
