import ArgumentParser
import EvidenceKit
import Foundation

/// `evpack verify`: prove a pack offline.
struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Verify a pack offline: archive safety, BagIt, signature, replay.",
        discussion: """
            PACK is a pack folder or its archive (.tar.gz, .tar.zst, .tar); an archive is read as \
            one stream and never extracted. The checks run in this order and all of them run: \
            archive safety (no absolute paths, '..', links, devices, duplicate names or second top \
            folder; size and decompression-ratio limits), BagIt validity (every payload file \
            listed and matching, nothing missing or extra, Payload-Oxum, tag manifest), the \
            signature against --key, and replay. Every failure is printed with its file and reason.

            The decision shown is the one the checks give: replayed, or read from evidence.xml \
            under --no-replay (marked so); a bag-info.txt that records another fails \
            verification. A pack that fails any step shows its decision as "recorded, not \
            verified". Everything printed that comes from the pack has its control characters \
            escaped (\\x1b, \\n).

            Exit codes: 0 every check holds; 1 any check failed; 2 usage error (no such pack, \
            unreadable key); 3 the pack verifies but its decision is NO-GO, under --require-go.
            """
    )

    @Argument(help: ArgumentHelp("The pack: a folder, or an archive .tar.gz, .tar.zst or .tar.", valueName: "pack"))
    var pack: String

    @Option(help: ArgumentHelp("The Ed25519 public key (PEM, from evpack keygen) that must have signed the pack.", valueName: "pub"))
    var key: String?

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    @Flag(name: .customLong("no-replay"), help: "Skip replaying the checks from data/inputs (the report says so).")
    var noReplay = false

    @Flag(name: .customLong("require-go"), help: "Exit 3 when the pack verifies but its decision is not a verified GO (a pack that fails verification still exits 1).")
    var requireGo = false

    func run() async throws {
        let progress = TerminalProgress.ifTerminal(label: "verifying")
        let report = try VerifyAction(packPath: pack, keyPath: key, replay: !noReplay, progress: progress?.sink).perform()
        progress?.clear()
        switch format {
        case .text: print(report.text, terminator: "")
        case .json: print(TerminalText.jsonEscaped(JSONWriter.pretty(report.json)), terminator: "")
        }
        if !report.verified { throw ExitCode(ExitStatus.verificationFailed) }
        if requireGo, report.decision?.isGo != true {
            let decision = report.decision.map { "\($0.value) (\($0.source == .replay ? "replayed" : "from evidence.xml"))" } ?? "unknown"
            throw NoGo(message: TerminalText.escaped("evpack: the pack verifies, but its decision is \(decision), not GO (--require-go)"))
        }
    }
}
