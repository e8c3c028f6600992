import ArgumentParser
import EvidenceKit
import Foundation

/// How a command prints its result.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

/// Options every evaluating command shares.
struct EvaluationOptions: ParsableArguments {
    @Option(name: .customLong("as-of"), help: ArgumentHelp(
        "The instant the checks are evaluated at (RFC 3339, e.g. 2026-11-20T09:00:00Z).",
        discussion: "Defaults to the snapshot's captured_at; the wall clock is never used, so a rerun gives the same result.",
        valueName: "time"))
    var asOf: String?

    @Flag(name: .customLong("require-go"), help: "Exit with status 3 when the production decision is NO-GO.")
    var requireGo = false

    func validate() throws {
        if let asOf, Instant(rfc3339: asOf) == nil {
            throw ValidationError("--as-of '\(asOf)' is not an RFC 3339 time with 'T' and an offset, e.g. 2026-11-20T09:00:00Z")
        }
    }

    var asOfInstant: Instant? { asOf.flatMap { Instant(rfc3339: $0) } }

    /// Throws `NoGo` when `--require-go` is set and the decision is NO-GO.
    func enforce(_ production: ProductionDecision) throws {
        if requireGo, !production.isGo {
            throw NoGo(message: "evpack: \(production.summary) (--require-go)")
        }
    }
}

extension Language: ExpressibleByArgument {}

/// Options of commands that render pages: the language and the templates.
struct RenderOptions: ParsableArguments {
    @Option(name: .customLong("lang"), help: ArgumentHelp(
        "The language of the HTML pages: en, pl or uk.",
        discussion: "Labels come from templates/labels/labels.LANG.json; check details, decision codes and packets are not translated.",
        valueName: "language"))
    var language: Language = .en

    @Option(name: .customLong("templates"), help: ArgumentHelp(
        "A folder whose html/*.mustache, html/style.css and labels/labels.LANG.json replace the bundled ones.",
        discussion: "A file the folder lacks is taken from the bundled templates; the XML schema is always the bundled one.",
        valueName: "dir"))
    var templates: String?

    func validate() throws {
        if let templates {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: templates, isDirectory: &isFolder), isFolder.boolValue else {
                throw ValidationError("--templates '\(templates)' is not a folder; it must hold html/ and/or labels/ (see templates/README.md)")
            }
        }
    }
}
