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

            Exit codes: 0 every check holds; 1 any check failed; 2 usage error (no such pack, \
            unreadable key).
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

    func run() async throws {
        let progress = TerminalProgress.ifTerminal(label: "verifying")
        let report = try VerifyAction(packPath: pack, keyPath: key, replay: !noReplay, progress: progress?.sink).perform()
        progress?.clear()
        switch format {
        case .text: print(report.text, terminator: "")
        case .json: print(JSONWriter.pretty(report.json), terminator: "")
        }
        if !report.verified { throw ExitCode(ExitStatus.verificationFailed) }
    }
}

/// A one-line progress bar on stderr, drawn only when stderr is a terminal.
final class TerminalProgress: Sendable {
    let label: String
    let sink: ProgressSink

    private init(label: String) {
        self.label = label
        self.sink = ProgressSink { done, total in TerminalProgress.draw(label: label, done: done, total: total) }
    }

    /// A bar when stderr is a TTY; nil (quiet) otherwise.
    static func ifTerminal(label: String) -> TerminalProgress? {
        isatty(STDERR_FILENO) == 1 ? TerminalProgress(label: label) : nil
    }

    private static func draw(label: String, done: Int64, total: Int64) {
        let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 1
        let width = 30
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let mb = { (bytes: Int64) in String(format: "%.1f", Double(bytes) / 1_048_576) }
        let line = "\r\(label) [\(bar)] \(String(format: "%3d", Int(fraction * 100)))%  \(mb(done))/\(mb(total)) MB"
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// Removes the bar before the report is printed.
    func clear() {
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
