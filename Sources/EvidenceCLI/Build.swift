import ArgumentParser
import EvidenceKit
import Foundation

/// `evpack build`: evaluate a snapshot and write the pack folder.
struct Build: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate a snapshot (and its records) and write an evidence pack: a BagIt folder and its archive.",
        discussion: """
            Writes OUT/evidence-<session>-<bfg-short>/, a BagIt 1.0 bag whose data/ holds the HTML \
            pages (index.html and one page per family), evidence.xml (validated against \
            data/schema/evidence-pack.xsd first), junit.xml, the packets and the inputs, and the \
            archive OUT/evidence-<session>-<bfg-short>.tar.gz (or .tar.zst, .tar) beside it. Both \
            are written under hidden temporary names and renamed when complete, so an interrupted \
            build leaves nothing that looks like a pack. Identical inputs and options give \
            byte-identical packs. Prints where it wrote and the production decision; with \
            --format json one object instead: name, folder, archive, archive_sha256, \
            payload_checksum, payload_checksum_short, production {decision, blocking} and records \
            {accepted per kind, rejected, duplicates_skipped, expired}. --summary FILE appends \
            the Markdown summary of the pack (see evpack summary) to FILE once the pack is written.
            """
    )

    @Argument(help: ArgumentHelp("The BFGScenarioSnapshot.v1 JSON file.", valueName: "snapshot"))
    var snapshot: String

    @Option(name: .customLong("out"), help: ArgumentHelp("The folder the pack is written into; made when missing.", valueName: "dir"))
    var out: String = "output"

    @Flag(name: .customLong("force"), help: "Replace a pack of the same name that is already in the output folder.")
    var force = false

    @Option(help: ArgumentHelp("Archive compression: gzip (.tar.gz), zstd (.tar.zst) or none (.tar).", valueName: "kind"))
    var compression = "gzip"

    @Option(name: .customLong("sign-key"), help: ArgumentHelp(
        "Sign the payload with this Ed25519 private key (PEM, from evpack keygen): adds signature.json, a DSSE envelope over an in-toto Statement.",
        valueName: "file"))
    var signKey: String?

    @Option(help: "Output format: text (where it wrote, the production decision) or json (one object, for CI jobs).")
    var format: OutputFormat = .text

    @Option(name: .customLong("summary"), help: ArgumentHelp(
        "Append the pack's Markdown summary (what evpack summary prints) to this file, made when missing: pass \"$GITHUB_STEP_SUMMARY\" in GitHub Actions.",
        valueName: "file"))
    var summary: String?

    @OptionGroup var evaluation: EvaluationOptions
    @OptionGroup var render: RenderOptions

    func run() async throws {
        let action = BuildAction(
            snapshotPath: snapshot, outputFolder: out, inputs: evaluation.inputs, language: render.language,
            templatesFolder: render.templates, force: force, compression: compression, signKeyPath: signKey,
            environment: ProcessInfo.processInfo.environment)
        let bars = [TerminalProgress.ifTerminal(label: "records"), TerminalProgress.ifTerminal(label: "pack   ")]
        let result = try await OffPool.run(when: evaluation.usesRemoteLedger) {
            try action.perform { stage, done, total in
                bars[stage == "records" ? 0 : 1]?.update(done: done, total: total)
            }
        }
        bars.forEach { $0?.clear() }
        if let summary {
            try result.appendSummary(to: summary)
        }
        if format == .json {
            print(JSONWriter.pretty(try result.json(outputFolder: out)), terminator: "")
            try evaluation.enforce(result.evaluation.production)
            return
        }
        let prefix = out.hasSuffix("/") ? out : out + "/"
        print("wrote \(prefix)\(result.name)/ and \(prefix)\(result.archive.lastPathComponent)")
        if let counts = result.records {
            // As the pack and `check` count them: expired usage events are not accepted.
            print("records: \(counts.totalAccepted) accepted, \(counts.rejected) rejected, \(counts.duplicatesSkipped) duplicates skipped, \(counts.expired) expired")
        }
        print(result.evaluation.production.summary)
        try evaluation.enforce(result.evaluation.production)
    }
}
