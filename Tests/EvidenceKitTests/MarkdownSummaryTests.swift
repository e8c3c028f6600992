import Foundation
import Testing
import TestSupport
@testable import EvidenceKit

/// The Markdown job summary (SPEC §10): pinned for the demo, bounded, escaped.
@Suite struct MarkdownSummaryTests {
    static func archiveName(_ evaluation: Evaluation) -> String { BuildAction.packName(evaluation.snapshot) + ".tar.gz" }

    @Test func demoSummaryIsPinned() throws {
        let (evaluation, _) = try RenderFixtures.evaluation("demo-local.json")
        let summary = MarkdownSummary.render(EvidenceReport(evaluation: evaluation, text: .xmlSafe), packName: Self.archiveName(evaluation))
        Golden.check(summary, "demo-summary.md")
        #expect(summary.hasPrefix("## ❌ Production NO-GO — `BLOCKED_PENDING_DRY_RUN`\n"))
        // Rendered twice, the same bytes.
        #expect(summary == MarkdownSummary.render(EvidenceReport(evaluation: evaluation, text: .xmlSafe), packName: Self.archiveName(evaluation)))
    }

    /// Hand-made operations with hostile text: escaped, and pinned.
    @Test func operationsSummaryIsPinned() throws {
        let (evaluation, _) = try RenderFixtures.evaluation("ready.json")
        let withOps = RenderFixtures.withOperations(evaluation, SampleOperations.small)
        let summary = MarkdownSummary.render(EvidenceReport(evaluation: withOps), packName: Self.archiveName(withOps))
        Golden.check(summary, "operations/summary.md")
        #expect(summary.contains("31 accepted (audit 12, run 5, usage 7, control 2, deploy 3, approval 2); 2 rejected"))
    }

    /// A value cannot open a column, a line, a tag, a link or a code span.
    @Test func hostileValuesStayInTheirCell() throws {
        let (evaluation, _) = try RenderFixtures.evaluation("demo-local.json")
        var report = EvidenceReport(evaluation: evaluation)
        let hostile = "a | b\n# heading\r\n<script>alert(1)</script> [x](javascript:1) `code` $x$ :smile: @team \u{1}\u{1b}[2J"
        report.families[0].checks[0].detail = hostile
        report.families[0].checks[0].owner = "owner|\nx"
        report.snapshot.session = "s|`x`\n"
        let summary = MarkdownSummary.render(report, packName: "p|q\n.tar.gz")
        let row = try #require(summary.split(separator: "\n").first { $0.contains("endpoint_reachability") })
        // Five cells: six pipes that are not escaped.
        let unescapedPipes = row.indices.filter { row[$0] == "|" && (($0 == row.startIndex) || row[row.index(before: $0)] != "\\") }
        #expect(unescapedPipes.count == 6, "\(row)")
        #expect(row.contains("a \\| b \\# heading  &lt;script&gt;alert\\(1\\)&lt;/script&gt; \\[x\\]\\(javascript\\:1\\) \\`code\\` \\$x\\$ \\:smile\\: \\@team"))
        #expect(row.contains("owner\\| x"))
        #expect(!summary.contains("<script>"))
        #expect(!summary.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })
        #expect(summary.contains("Session s\\|\\`x\\`  ·"))
        #expect(summary.contains("- Archive: p\\|q .tar.gz\n"))
    }

    /// However many checks are not ready and however long their text, the summary stays under
    /// 1 MiB and says how many it left out.
    @Test func summaryIsBounded() throws {
        let (evaluation, _) = try RenderFixtures.evaluation("demo-local.json")
        var report = EvidenceReport(evaluation: evaluation)
        let long = String(repeating: "|<&\u{1F600}", count: 10_000)
        let check = EvidenceReport.Check(id: "c", status: .blocked, detail: long, owner: long)
        report.families[0].checks = Array(repeating: check, count: 100_000)
        report.families = Array(repeating: report.families[0], count: 200)
        report.snapshot.session = long
        let summary = MarkdownSummary.render(report, packName: long)
        #expect(summary.utf8.count <= MarkdownSummary.maxBytes)
        #expect(summary.contains("… and \(200 * 100_000 - MarkdownSummary.listLimit) more"))
        #expect(summary.contains("… and 150 more"))
        // Even a list of lines past the bound is cut at a line, with a notice.
        let cut = MarkdownSummary.bounded(Array(repeating: String(repeating: "x", count: 1000), count: 2000))
        #expect(cut.utf8.count <= MarkdownSummary.maxBytes)
        #expect(cut.hasSuffix("\n… cut at \(MarkdownSummary.maxBytes) bytes\n"))
    }
}
