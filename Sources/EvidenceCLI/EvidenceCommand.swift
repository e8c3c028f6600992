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

            Exit codes: 0 done; 1 verification failed; 2 usage or input error (nothing written); \
            3 NO-GO under --require-go.
            """,
        version: EvidencePack.version,
        subcommands: [Check.self, Build.self, Ingest.self, Verify.self, Keygen.self, Serve.self, Schema.self]
    )

    public init() {}

    /// Parses the arguments, runs the command and exits with the code of SPEC §1.
    public static func runAndExit() async -> Never {
        let code = await run(arguments: Array(CommandLine.arguments.dropFirst()))
        Foundation.exit(code)
    }

    /// Runs one command line and returns its exit code (usage errors are 2, not 64).
    public static func run(arguments: [String]) async -> Int32 {
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            return 0
        } catch let error as InputError {
            printError("evpack: error: \(error.description)")
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
