import ArgumentParser
import EvidenceKit

/// `evpack history`: one page over every pack in a folder.
struct History: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write one self-contained HTML page over every pack in a folder, per session over time.",
        discussion: """
            Reads every pack in DIR (pack folders and .tar.gz, .tar.zst, .tar archives; each \
            checked for archive safety and BagIt validity first, archives read as streams) and \
            writes one page: per session, the packs ordered by as-of with their production \
            decision, checks ready, a link to each pack folder's index.html, and what changed \
            since the pack before it (the short form of `evpack diff`); and every family's N/M \
            as a small inline SVG trend. A folder and its archive are one pack (a warning says \
            when they differ). The page has the packs' style and Content-Security-Policy and no \
            script. `evpack serve DIR` shows the same page at /history.

            It stays small whatever DIR holds: the \(AcrossPages.detailedSessions) sessions with \
            the latest packs are shown in full with their \(AcrossPages.listedPacks) newest packs \
            (older ones summarised in one line, and in the trends), other sessions get one row \
            each. 10 000 packs make a page well under 2 MB. See docs/diff.md.

            Exit codes: 0 written (packs that cannot be read are listed on the page, not fatal); \
            2 DIR is not a folder, or FILE cannot be written.
            """
    )

    @Argument(help: ArgumentHelp("The folder of packs.", valueName: "dir"))
    var folder: String = "output"

    @Option(help: ArgumentHelp("The page to write (default: DIR/history.html); replaced when it exists.", valueName: "file"))
    var out: String?

    func run() async throws {
        let result = try HistoryAction(folder: folder, out: out).perform()
        var line = "wrote \(result.path): \(result.packs) pack\(result.packs == 1 ? "" : "s") in \(result.sessions) session\(result.sessions == 1 ? "" : "s"), \(result.bytes) bytes"
        if result.unreadable > 0 { line += "; \(result.unreadable) not compared (named on the page)" }
        print(TerminalText.escaped(line))
    }
}
