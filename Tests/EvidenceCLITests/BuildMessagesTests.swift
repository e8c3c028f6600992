import Foundation
import Testing
import TestSupport

/// The messages and leftovers of `build` and the command line (issue 10, item 7).
@Suite struct BuildMessagesTests {
    static let readyName = "evidence-grant-ready-bfg-d6f24eb0"

    @Test func forceReplacesEveryArchiveOfThePack() throws {
        let out = TestPaths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        let build = ["build", TestPaths.snapshot("ready.json"), "--out", out.path]
        #expect(try Run.evpack(build).status == 0)
        // Without --force, an archive of the pack in another compression is the pack too.
        let refused = try Run.evpack(build + ["--compression", "zstd"])
        #expect(refused.status == 2 && refused.stderr.contains("\(Self.readyName) already exists"), "\(refused.stderr)")
        for (compression, archive) in [("zstd", ".tar.zst"), ("none", ".tar"), ("gzip", ".tar.gz")] {
            let forced = try Run.evpack(build + ["--force", "--compression", compression])
            #expect(forced.status == 0, "\(forced.stderr)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).sorted() == [Self.readyName, Self.readyName + archive])
        }
    }

    @Test func buildCountsRecordsAsThePackAndCheckDo() throws {
        let out = TestPaths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        let records = ["--records", TestPaths.snapshot("ready-records.jsonl")]
        let build = try Run.evpack(["build", TestPaths.snapshot("ready.json"), "--out", out.path] + records)
        #expect(build.status == 0, "\(build.stderr)")
        #expect(build.stdout.contains("records: 32 accepted, 0 rejected, 0 duplicates skipped, 1 expired"), "\(build.stdout)")
        let check = try Run.evpack(["check", TestPaths.snapshot("ready.json")] + records)
        #expect(check.stdout.contains("32 accepted") && check.stdout.contains("1 expired"), "\(check.stdout)")
        let xml = try String(contentsOf: out.appendingPathComponent(Self.readyName + "/data/evidence.xml"), encoding: .utf8)
        #expect(xml.contains("expired") && xml.contains("\"1\""))
    }

    @Test func aMisspelledCommandGetsASuggestion() throws {
        let result = try Run.evpack(["verfy", "pack.tar.gz"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("unknown command 'verfy'; did you mean 'verify'?"), "\(result.stderr)")
        let far = try Run.evpack(["frobnicate"])
        #expect(far.status == 2 && far.stderr.contains("unknown command 'frobnicate'") && !far.stderr.contains("did you mean"), "\(far.stderr)")
        #expect(try Run.evpack(["buidl", TestPaths.snapshot("ready.json")]).stderr.contains("did you mean 'build'?"))
        #expect(try Run.evpack(["help", "verify"]).status == 0)
    }

    @Test func noDoubledPrefixes() throws {
        let missing = try Run.evpack(["verify", "/nonexistent/pack.tar.gz"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("/nonexistent/pack.tar.gz: cannot read: No such file or directory"), "\(missing.stderr)")
        #expect(!missing.stderr.contains("cannot read: cannot read"))
        // The archive cannot be written: its name is taken by a folder.
        let out = TestPaths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        try FileManager.default.createDirectory(at: out.appendingPathComponent(Self.readyName + ".tar.gz/x"), withIntermediateDirectories: true)
        let blocked = try Run.evpack(["build", TestPaths.snapshot("ready.json"), "--out", out.path, "--force"])
        #expect(blocked.status == 2, "\(blocked.stderr)")
        #expect(!blocked.stderr.contains("cannot write: cannot write"), "\(blocked.stderr)")
        #expect(blocked.stderr.contains(Self.readyName + ".tar.gz"), "\(blocked.stderr)")
    }
}

extension BuildMessagesTests {
    /// Without any record, the operations decision says so rather than that records block.
    @Test func theOperationsDecisionWithoutRecordsSaysNoneWereGiven() throws {
        let out = TestPaths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        #expect(try Run.evpack(["build", TestPaths.snapshot("demo-local.json"), "--out", out.path]).status == 0)
        let data = out.appendingPathComponent("evidence-grant-demo-local-bfg-7b2c7a5b/data")
        for page in ["operations.html", "index.html"] {
            let html = try String(contentsOf: data.appendingPathComponent(page), encoding: .utf8)
            #expect(html.contains("no audit or telemetry records were given or accepted"), "\(page)")
            #expect(!html.contains("records show something that blocks"), "\(page)")
        }
    }
}

extension BuildMessagesTests {
    /// Runs evpack under a file-size limit of `blocks` (SIGXFSZ ignored, so a write past it
    /// fails with EFBIG, as on a full disk).
    static func limited(_ blocks: Int, _ arguments: [String], environment: [String: String]? = nil) throws -> ProcessResult {
        try Run.process("/bin/sh", ["-c", "trap '' XFSZ; ulimit -f \(blocks); exec \"$@\"", "sh", TestPaths.evpack] + arguments, environment: environment)
    }

    @Test func aWriteErrorSaysWhy() throws {
        let out = TestPaths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        let result = try Self.limited(100, ["build", TestPaths.snapshot("demo-local.json"), "--out", out.path, "--compression", "none"])
        #expect(result.status == 2, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("Write error: File too large"), "\(result.stderr)")
        #expect(!result.stderr.contains("cannot write: cannot write"), "\(result.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).isEmpty)
    }

    @Test func aLedgerErrorNamesTheLedger() throws {
        let folder = TestPaths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let tmp = folder.appendingPathComponent("tmp")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        let records = folder.appendingPathComponent("r.jsonl").path
        #expect(try Run.process(TestPaths.generator, ["--records", "20000", "--out", records]).status == 0)
        let result = try Self.limited(
            100, ["build", TestPaths.snapshot("ready.json"), "--records", records, "--out", folder.appendingPathComponent("out").path],
            environment: ["TMPDIR": tmp.path])
        #expect(result.status == 2, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("ledger: \(tmp.path)/evpack-ledger-"), "\(result.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: tmp.path).isEmpty)
    }
}
