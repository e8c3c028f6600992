import Foundation
import Testing
import TestSupport

/// Every page of the demo and ready packs, in every language, passes the Nu HTML Checker and
/// axe-core with no error or violation, and no page scrolls sideways at a 390 px viewport;
/// printed, the GO report starts its families table on page 1 and keeps rows whole.
/// About two minutes (117 s measured on a loaded 2-core machine: 84 pages, the Nu checker 24 s,
/// axe-core in Chromium the rest).
/// `Tests/HTMLChecks/check_pages.py` runs the checkers (installed by `scripts/setup.sh --test`).
@Suite(.serialized) struct HTMLCheckerTests {
    @Test func pagesPassTheNuCheckerAndAxeAndFitAPhone() throws {
        let out = TestPaths.temporaryFolder("evpack-html-check")
        defer { try? FileManager.default.removeItem(at: out) }
        var folders: [String] = []
        var readyIndex = ""
        for language in ["en", "pl", "uk"] {
            let dir = out.appendingPathComponent(language)
            for (snapshot, records) in [("demo-local.json", nil), ("ready.json", "ready-records.jsonl")] as [(String, String?)] {
                var arguments = ["build", TestPaths.snapshot(snapshot), "--out", dir.path, "--lang", language, "--compression", "none"]
                if let records { arguments += ["--records", TestPaths.snapshot(records)] }
                let build = try Run.evpack(arguments)
                try #require(build.status == 0, "evpack \(arguments.joined(separator: " ")): \(build.stderr)")
            }
            let packs = try FileManager.default.contentsOfDirectory(atPath: dir.path)
                .filter { $0.hasPrefix("evidence-") && !$0.hasSuffix(".tar") }.sorted()
            #expect(packs.count == 2)
            for pack in packs {
                let data = dir.appendingPathComponent(pack).appendingPathComponent("data").path
                // axe runs at 1280 px too for the English pages (the layout is the same in every language).
                folders += language == "en" ? ["--desktop", data] : [data]
                if language == "en" && pack.contains("-ready-") { readyIndex = data + "/index.html" }
            }
        }
        try #require(!readyIndex.isEmpty)
        let script = TestPaths.root.appendingPathComponent("Tests/HTMLChecks/check_pages.py").path
        let result = try Run.process("python3", [script, "--print-check", readyIndex] + folders)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("check_pages: \(6 * 14) pages"), "\(result.stdout)")
    }
}
