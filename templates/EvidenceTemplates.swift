import Foundation

/// The bundled templates of an evidence pack, compiled into the binary: `html/` (Mustache
/// pages and CSS), `labels/` (label catalogues per language) and `schema/` (the XML schema of
/// `evidence.xml` and the JSON Schemas of the inputs).
///
/// The EmbedTemplates build plugin turns the files under `templates/` into `embedded` on every
/// build, so a copied or installed `evpack` needs nothing beside it.
public enum EvidenceTemplates {
    /// The path below `templates/` of every embedded file (`html/index.mustache`), sorted.
    public static var paths: [String] {
        embedded.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// The bytes of the embedded file at `path` below `templates/`; nil when there is none.
    public static func bytes(_ path: String) -> [UInt8]? {
        guard let base64 = embedded[path], let data = Data(base64Encoded: base64) else { return nil }
        return Array(data)
    }
}
