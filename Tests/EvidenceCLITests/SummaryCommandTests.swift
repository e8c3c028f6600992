import EvidenceKit
import Foundation
import Testing
import TestSupport

/// `evpack summary` and `evpack build --summary` end to end.
@Suite struct SummaryCommandTests {
    @Test func buildAppendsWhatSummaryPrints() throws {
        let folder = TestPaths.temporaryFolder("evpack-summary")
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("out").path
        let stepSummary = folder.appendingPathComponent("step-summary.md").path
        try Data("# earlier step\n".utf8).write(to: URL(fileURLWithPath: stepSummary))
        let build = try Run.evpack(["build", TestPaths.snapshot("demo-local.json"), "--records", TestPaths.snapshot("records-stuck-run.jsonl"),
                                    "--out", out, "--summary", stepSummary])
        #expect(build.status == 0, "\(build.stderr)")
        let archive = out + "/evidence-grant-demo-local-bfg-7b2c7a5b.tar.gz"
        let fromArchive = try Run.evpack(["summary", archive])
        #expect(fromArchive.status == 0, "\(fromArchive.stderr)")
        #expect(fromArchive.stdout.hasPrefix("## ❌ Production NO-GO — `BLOCKED_PENDING_DRY_RUN`\n"))
        #expect(fromArchive.stdout.contains("- Archive: `evidence-grant-demo-local-bfg-7b2c7a5b.tar.gz`\n"))
        #expect(fromArchive.stdout.contains("### Records\n\n33 accepted"))
        // Appended after what the file held, byte for byte what summary prints for the archive.
        #expect(try String(contentsOfFile: stepSummary, encoding: .utf8) == "# earlier step\n" + fromArchive.stdout)
        // The folder gives the same summary but for the name it shows.
        let fromFolder = try Run.evpack(["summary", out + "/evidence-grant-demo-local-bfg-7b2c7a5b/"])
        #expect(fromFolder.status == 0, "\(fromFolder.stderr)")
        #expect(fromFolder.stdout == fromArchive.stdout.replacingOccurrences(of: ".tar.gz`", with: "`"))
    }

    @Test func summaryRefusesAPackThatIsNotIntact() throws {
        let folder = TestPaths.temporaryFolder("evpack-summary")
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("out").path
        #expect(try Run.evpack(["build", TestPaths.snapshot("ready.json"), "--out", out]).status == 0)
        let pack = out + "/evidence-grant-ready-bfg-d6f24eb0"
        // evidence.xml edited after the bag was sealed: BagIt fails, nothing is printed.
        let xml = pack + "/data/evidence.xml"
        let edited = try String(contentsOfFile: xml, encoding: .utf8).replacingOccurrences(of: "decision=\"NO-GO\"", with: "decision=\"GO\"")
        try Data(edited.utf8).write(to: URL(fileURLWithPath: xml))
        let result = try Run.evpack(["summary", pack])
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("data/evidence.xml"), "\(result.stderr)")
        #expect(result.stderr.contains("not summarised"))
        let missing = try Run.evpack(["summary", folder.appendingPathComponent("nothing").path])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("cannot read"))
    }

    @Test func helpNamesTheJobSummary() throws {
        let help = try Run.evpack(["summary", "--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("GITHUB_STEP_SUMMARY"))
        let build = try Run.evpack(["build", "--help"])
        #expect(build.stdout.contains("--summary <file>"))
    }
}
