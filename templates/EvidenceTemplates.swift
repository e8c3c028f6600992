import Foundation

/// The bundled templates of an evidence pack: `html/` (Mustache pages and CSS), `labels/`
/// (label catalogues per language) and `schema/` (the XML schema of `evidence.xml`).
public enum EvidenceTemplates {
    /// The name of the resource bundle SwiftPM builds from this target.
    static let bundleName = "EvidencePack_EvidenceTemplates.resources"

    /// The folder holding `html/`, `labels/` and `schema/`.
    ///
    /// Looks beside the running executable first (how an installed `evpack` finds them from
    /// any working directory), then where SwiftPM built them.
    public static var resourceURL: URL {
        let beside = Bundle.main.bundleURL.appendingPathComponent(bundleName)
        if FileManager.default.fileExists(atPath: beside.appendingPathComponent("html").path) { return beside }
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent(bundleName)
        if FileManager.default.fileExists(atPath: executable.appendingPathComponent("html").path) { return executable }
        return Bundle.module.resourceURL ?? Bundle.module.bundleURL
    }
}
