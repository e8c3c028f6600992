import Foundation
import Testing
import TestSupport

/// The diff and history pages pass the Nu HTML Checker and axe-core (phone and desktop) and
/// fit a 390 px phone, like the pack pages (`Tests/HTMLChecks/check_pages.py`; about 20 s).
@Suite(.serialized) struct AcrossPagesCheckerTests {
    @Test func diffAndHistoryPagesPassTheNuCheckerAndAxe() throws {
        let root = TestPaths.temporaryFolder("evpack-across-check")
        defer { try? FileManager.default.removeItem(at: root) }
        let packs = root.appendingPathComponent("packs").path, pages = root.appendingPathComponent("pages")
        try FileManager.default.createDirectory(at: pages, withIntermediateDirectories: true)
        var folders: [String] = []
        for (snapshot, records) in [("demo-local.json", nil), ("ready.json", "ready-records.jsonl")] as [(String, String?)] {
            var arguments = ["build", TestPaths.snapshot(snapshot), "--out", packs, "--format", "json"]
            if let records { arguments += ["--records", TestPaths.snapshot(records)] }
            let build = try Run.evpack(arguments)
            try #require(build.status == 0, "\(build.stderr)")
            let object = try #require(try JSONSerialization.jsonObject(with: build.stdoutData) as? [String: Any])
            folders.append(try #require(object["folder"] as? String))
        }
        let diff = try Run.evpack(["diff", folders[0], folders[1] + ".tar.gz", "--format", "html"])
        try #require(diff.status == 0, "\(diff.stderr)")
        try diff.stdoutData.write(to: pages.appendingPathComponent("diff.html"))
        let history = try Run.evpack(["history", packs, "--out", pages.appendingPathComponent("history.html").path])
        try #require(history.status == 0, "\(history.stderr)")
        let script = TestPaths.root.appendingPathComponent("Tests/HTMLChecks/check_pages.py").path
        let result = try Run.process("python3", [script, "--desktop", pages.path])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("check_pages: 2 pages") && result.stdout.contains("0 findings"), "\(result.stdout)")
    }
}
