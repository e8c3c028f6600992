import ArgumentParser
import EvidenceKit
import Foundation

/// `evpack diff`: what changed between two packs.
struct Diff: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show what changed between two packs: decisions, checks, inputs, packets.",
        discussion: """
            OLD and NEW are packs: folders or archives (.tar.gz, .tar.zst, .tar), read as one \
            stream and never extracted. Each is first checked like `evpack verify` does for \
            archive safety and BagIt validity (not replayed: `evpack verify` does that); a pack \
            that fails is named and nothing is compared.

            The report gives the production decision before and after; every family's N/M and \
            decision before and after; every check whose status changed — regressed (ready → \
            not ready), fixed (not ready → ready), changed (between not-ready statuses), added \
            or removed — and the checks still not ready in NEW; which inputs changed (the payload \
            checksum, each top-level section of data/inputs/snapshot.json and each option of \
            data/inputs/options.json by the SHA-256 of its RFC 8785 bytes, accepted records per \
            kind); and every packet whose checksum changed, with a unified diff of its text (at \
            most \(UnifiedDiff.maxLines) diff lines per packet). A pack compared with itself \
            reports no change. See docs/diff.md.

            Exit codes: 0 done; 2 usage or input error (a pack missing, unsafe, not a valid \
            bag, or without data/evidence.xml); 3 under --fail-on-regression, when a check \
            regressed or the decision went from GO to NO-GO.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json, markdown, html
    }

    @Argument(help: ArgumentHelp("The older pack: a folder or an archive.", valueName: "old"))
    var old: String

    @Argument(help: ArgumentHelp("The newer pack: a folder or an archive.", valueName: "new"))
    var new: String

    @Option(help: ArgumentHelp(
        "Output format: text, json, markdown (GitHub-flavoured, for a job summary) or html (one self-contained page).",
        valueName: "format"))
    var format: Format = .text

    @Flag(name: .customLong("fail-on-regression"), help: "Exit 3 when a check regressed (ready → not ready) or the decision went from GO to NO-GO.")
    var failOnRegression = false

    func run() async throws {
        let diff: PackDiff
        do {
            diff = try DiffAction(old: old, new: new).perform()
        } catch let refused as DiffAction.Refused {
            for reason in refused.failure.reasons {
                printError(TerminalText.escaped("evpack: \(refused.role) \(refused.failure.pack): \(reason)"))
            }
            printError("evpack: not compared: the \(refused.role) does not pass the checks above (evpack verify \(TerminalText.escaped(refused.failure.pack)) says more)")
            throw ExitCode(ExitStatus.verificationFailed)
        }
        switch format {
        case .text: print(TerminalText.escapedLines(diff.text), terminator: "")
        case .json: print(TerminalText.jsonEscaped(JSONWriter.pretty(diff.json)), terminator: "")
        case .markdown: print(TerminalText.escapedLines(diff.markdown), terminator: "")
        case .html: print(AcrossPages.diff(diff), terminator: "")
        }
        if failOnRegression, diff.hasRegression {
            let regressed = diff.checks(.regressed).map { "\($0.family).\($0.check)" }
            var reasons: [String] = []
            if diff.decisionRegressed { reasons.append("the decision went from GO to \(diff.new.decisionText)") }
            if !regressed.isEmpty { reasons.append("\(regressed.count) check\(regressed.count == 1 ? "" : "s") regressed: " + regressed.prefix(10).joined(separator: ", ") + (regressed.count > 10 ? ", …" : "")) }
            throw NoGo(message: TerminalText.escaped("evpack diff: regression (--fail-on-regression): " + reasons.joined(separator: "; ")))
        }
    }
}
