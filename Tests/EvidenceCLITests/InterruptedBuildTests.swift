import Foundation
import Testing
import TestSupport

/// A build killed mid-way leaves nothing that looks like a pack (SPEC §5).
@Suite(.serialized) struct InterruptedBuildTests {
    /// Kills a build of a large records input as soon as `stage` shows up in the output
    /// folder, then checks that only hidden names remain and that the next build clears them.
    @Test(arguments: ["partial-folder", "partial-archive"])
    func aKilledBuildLeavesNothingThatLooksLikeAPack(stage: String) throws {
        let folder = TestPaths.temporaryFolder("evpack-kill")
        defer { try? FileManager.default.removeItem(at: folder) }
        let records = folder.appendingPathComponent("big.jsonl").path
        let generated = try Run.process(TestPaths.generator, ["--records", "60000", "--out", records])
        #expect(generated.status == 0, "\(generated.stderr)")
        let out = folder.appendingPathComponent("packs")
        let arguments = ["build", TestPaths.snapshot("ready.json"), "--records", records, "--out", out.path]
        let build = try Run.start(TestPaths.evpack, arguments)
        let deadline = Date().addingTimeInterval(120)
        var seen = false
        while Date() < deadline, !seen {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: out.path)) ?? []
            seen = names.contains { name in
                stage == "partial-folder" ? name.hasPrefix(".evidence-") && !name.contains(".tar")
                    : name.contains(".tar.gz.partial")
            }
            if !seen { usleep(2_000) }
        }
        build.send(SIGKILL)
        let status = build.wait(timeout: 60)
        #expect(seen, "the build never reached \(stage)")
        #expect(status == 128 + SIGKILL, "the build finished before it could be killed (status \(status.map { "\($0)" } ?? "none: still running"))")
        let left = (try? FileManager.default.contentsOfDirectory(atPath: out.path)) ?? []
        #expect(left.allSatisfy { $0.hasPrefix(".") }, "something that looks like a pack: \(left)")
        #expect(!left.contains { $0.hasPrefix("evidence-") })

        // The next build of the same pack clears the leftovers and completes.
        let again = try Run.evpack(arguments)
        #expect(again.status == 0, "\(again.stderr)")
        let after = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
        #expect(after == ["evidence-grant-ready-bfg-d6f24eb0", "evidence-grant-ready-bfg-d6f24eb0.tar.gz"])
    }
}
