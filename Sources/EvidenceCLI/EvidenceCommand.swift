import ArgumentParser
import EvidenceKit
import Foundation

/// The `evpack` root command.
public struct EvidenceCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "evpack",
        abstract: "Evidence packs for production cutovers: readiness checks bound to checksums.",
        discussion: """
            Evaluates a BFGScenarioSnapshot.v1 snapshot (and audit/telemetry records) with every \
            readiness check family and reports the production go/no-go.

            Exit codes: 0 done; 1 verification failed (rehearse: a probe or step failed); 2 usage or input error (nothing written); \
            3 NO-GO under --require-go, or a regression under diff --fail-on-regression.
            """,
        version: EvidencePack.version,
        subcommands: [Check.self, Build.self, Ingest.self, LedgerCommand.self, Rehearse.self, Diff.self, History.self, Verify.self, Summary.self, Keygen.self, Serve.self, Schema.self]
    )

    public init() {}

    /// Parses the arguments, runs the command and exits with the code of SPEC §1.
    public static func runAndExit() async -> Never {
        let code = await run(arguments: Array(CommandLine.arguments.dropFirst()), removeTemporaryFilesOnSignals: true)
        TemporaryFiles.removeAll()
        Foundation.exit(code)
    }

    /// Runs one command line and returns its exit code (usage errors are 2, not 64).
    ///
    /// With `removeTemporaryFilesOnSignals` (the `evpack` process itself), SIGINT, SIGTERM and
    /// SIGHUP remove the command's temporary files and exit with 128 + the signal's number;
    /// `serve` stops on them by itself.
    public static func run(arguments: [String], removeTemporaryFilesOnSignals: Bool = false) async -> Int32 {
        if let unknown = unknownCommand(arguments) {
            printError("evpack: error: \(unknown)")
            return ExitStatus.inputError
        }
        do {
            var command = try parseAsRoot(arguments)
            if removeTemporaryFilesOnSignals, !(command is Serve) {
                TemporaryFiles.removeOnSignals()
            }
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            return 0
        } catch let error as InputError {
            printError("evpack: error: \(error.message)")
            return ExitStatus.inputError
        } catch let error as BuildError {
            // Nothing was renamed into place: like an input error, nothing looks written.
            printError("evpack: error: \(error.description)")
            return ExitStatus.inputError
        } catch let error as NoGo {
            printError(error.message)
            return ExitStatus.noGo
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if code == .success {
                if !message.isEmpty { print(message) }
                return 0
            }
            if !message.isEmpty { printError(message) }
            return code == .validationFailure ? ExitStatus.inputError : code.rawValue
        }
    }
}

extension EvidenceCommand {
    /// "unknown command 'verfy'; did you mean 'verify'?" when the first argument names no
    /// command (nil when it does, or is an option).
    static func unknownCommand(_ arguments: [String]) -> String? {
        guard let first = arguments.first, !first.hasPrefix("-") else { return nil }
        let names = configuration.subcommands.map { $0._commandName } + ["help"]
        guard !names.contains(first) else { return nil }
        let scored = names.map { (name: $0, distance: editDistance(first.lowercased(), $0)) }.min { $0.distance < $1.distance }
        var message = "unknown command '\(first)'"
        if let best = scored, best.distance <= max(2, best.name.count / 3) {
            message += "; did you mean '\(best.name)'?"
        }
        return message + " (commands: \(names.dropLast().joined(separator: ", ")); see 'evpack --help')"
    }

    /// The Levenshtein distance between `a` and `b`.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.unicodeScalars), b = Array(b.unicodeScalars)
        var previous = Array(0...b.count)
        for i in 1...max(1, a.count) where !a.isEmpty {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...max(1, b.count) where !b.isEmpty {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}

/// Exit codes of SPEC §1.
enum ExitStatus {
    static let verificationFailed: Int32 = 1
    static let inputError: Int32 = 2
    static let noGo: Int32 = 3
}

/// Thrown when `--require-go` meets a NO-GO decision: exit 3.
struct NoGo: Error {
    var message: String
}

/// Writes `message` to stderr, its control characters escaped (line breaks kept): a name from
/// an input or a pack cannot reach the terminal raw.
func printError(_ message: String) {
    var text = TerminalText.escapedLines(message)
    if !text.hasSuffix("\n") { text += "\n" }
    FileHandle.standardError.write(Data(text.utf8))
}
