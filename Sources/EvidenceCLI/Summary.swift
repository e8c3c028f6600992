import ArgumentParser
import EvidenceKit

/// `evpack summary`: a pack's results as Markdown for a CI job page.
struct Summary: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a pack's results as GitHub-flavoured Markdown, for a CI job summary.",
        discussion: """
            PACK is a pack folder or its archive (.tar.gz, .tar.zst, .tar), read as one stream. \
            It is checked for archive safety and BagIt validity first (the checks of evpack \
            verify, without the signature and the replay), then its data/evidence.xml is read \
            and laid out: the production decision first, the blocking chain, the checks that \
            are not ready with their owners, every family's ready/total and decision, the record \
            counts, the payload checksum and the pack's archive name.

            The output is deterministic and never over 1 MiB: lists stop at 50 rows with \
            "… and N more", values are cut to 300 characters, and Markdown, HTML, table pipes \
            and line breaks in values are escaped. In a GitHub Actions step: \
            evpack summary output/evidence-….tar.gz >> "$GITHUB_STEP_SUMMARY" (or build with \
            --summary "$GITHUB_STEP_SUMMARY").

            Exit codes: 0 printed; 1 the pack is unsafe, not a valid bag or has no readable \
            evidence.xml (each problem is printed with its file); 2 no such pack.
            """
    )

    @Argument(help: ArgumentHelp("The pack: a folder, or an archive .tar.gz, .tar.zst or .tar.", valueName: "pack"))
    var pack: String

    func run() async throws {
        do {
            print(try SummaryAction(packPath: pack).perform(), terminator: "")
        } catch let refused as SummaryAction.Refused {
            for failure in refused.failures {
                printError(TerminalText.escaped("evpack: \(failure.step.label): \(failure.description)"))
            }
            printError("evpack: not summarised: the pack does not pass the checks above (evpack verify \(TerminalText.escaped(pack)) says more)")
            throw ExitCode(ExitStatus.verificationFailed)
        }
    }
}
