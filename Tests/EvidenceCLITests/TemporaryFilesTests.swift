import Foundation
import Testing
import TestSupport

/// Temporary ledgers never outlive the command (issue 10, item 5): removed on every way out,
/// on SIGINT and SIGTERM too, and stale ones of dead processes cleared by the next run.
@Suite(.serialized) struct TemporaryFilesTests {
    static func ledgers(_ folder: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasPrefix("evpack-ledger-") }.sorted()
    }

    @Test func verifyOfAPackWithoutReadableInputsLeavesNoLedger() throws {
        let tmp = TestPaths.temporaryFolder("evpack-tmpdir")
        defer { try? FileManager.default.removeItem(at: tmp) }
        let pack = try VerifyCommandTests.tinyPack()
        defer { try? FileManager.default.removeItem(at: pack.root) }
        for path in [pack.folder.path, pack.archive.path] {
            let result = try Run.evpack(["verify", path], environment: ["TMPDIR": tmp.path])
            #expect(result.status == 1, "the tiny pack's evidence.xml cannot be replayed: \(result.stdout)")
            #expect(Self.ledgers(tmp).isEmpty, "left behind: \(Self.ledgers(tmp))")
        }
        let (root, built) = try VerifyOutputTests.built("ready.json", records: "ready-records.jsonl")
        defer { try? FileManager.default.removeItem(at: root) }
        for arguments in [["verify", built.path], ["verify", built.path + ".tar.gz"], ["check", TestPaths.snapshot("ready.json"), "--records", TestPaths.snapshot("ready-records.jsonl")]] {
            let result = try Run.evpack(arguments, environment: ["TMPDIR": tmp.path])
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            #expect(Self.ledgers(tmp).isEmpty, "\(arguments): left behind \(Self.ledgers(tmp))")
        }
    }

    /// A build stopped by SIGINT or SIGTERM while its records go into the temporary ledger
    /// removes the ledger and exits with 128 + the signal.
    @Test(arguments: [SIGINT, SIGTERM])
    func aStoppedBuildRemovesItsTemporaryLedger(signal: Int32) throws {
        let folder = TestPaths.temporaryFolder("evpack-stop")
        defer { try? FileManager.default.removeItem(at: folder) }
        let tmp = folder.appendingPathComponent("tmp")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        let records = folder.appendingPathComponent("big.jsonl").path
        let generated = try Run.process(TestPaths.generator, ["--records", "200000", "--out", records])
        #expect(generated.status == 0, "\(generated.stderr)")
        let out = folder.appendingPathComponent("packs")
        let build = try Run.start(
            TestPaths.evpack, ["build", TestPaths.snapshot("ready.json"), "--records", records, "--out", out.path],
            environment: ["TMPDIR": tmp.path])
        let deadline = Date().addingTimeInterval(120)
        var seen = false
        while Date() < deadline, !seen, build.wait(timeout: 0) == nil {
            seen = !Self.ledgers(tmp).isEmpty
            if !seen { usleep(2_000) }
        }
        #expect(seen, "no temporary ledger appeared in TMPDIR")
        usleep(100_000)
        build.send(signal)
        let status = build.wait(timeout: 60)
        #expect(status == 128 + signal, "status \(status.map { "\($0)" } ?? "none: still running"): \(build.stderr)")
        #expect(Self.ledgers(tmp).isEmpty, "left behind: \(Self.ledgers(tmp))")
        let left = (try? FileManager.default.contentsOfDirectory(atPath: out.path)) ?? []
        #expect(!left.contains { $0.hasPrefix("evidence-") }, "\(left)")
    }

    /// Ledgers of a process that is gone are cleared by the next run; a live process keeps its own.
    @Test func theNextRunClearsStaleLedgersOfDeadProcesses() throws {
        let tmp = TestPaths.temporaryFolder("evpack-tmpdir")
        defer { try? FileManager.default.removeItem(at: tmp) }
        let finished = try Run.process("/bin/sh", ["-c", "echo $$"])
        let dead = try #require(Int32(finished.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        let live = getpid()
        let stale = ["evpack-ledger-\(dead)-A.sqlite", "evpack-ledger-\(dead)-A.sqlite-journal"]
        let kept = ["evpack-ledger-\(live)-B.sqlite", "evpack-ledger-x-C.sqlite", "other-\(dead).sqlite"]
        for name in stale + kept { try Data("x".utf8).write(to: tmp.appendingPathComponent(name)) }
        let result = try Run.evpack(
            ["check", TestPaths.snapshot("ready.json"), "--records", TestPaths.snapshot("ready-records.jsonl")],
            environment: ["TMPDIR": tmp.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: tmp.path).sorted() == kept.sorted())
    }
}
