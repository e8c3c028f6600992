import Foundation
import Testing
import TestSupport

/// `evpack build --format json`: one object a CI job reads instead of prose (SPEC §1).
@Suite struct BuildJSONTests {
    static func object(_ result: ProcessResult) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: result.stdoutData) as? [String: Any], "\(result.stdout)")
    }

    /// The top-level keys in the order they are printed.
    static func keyOrder(_ text: String) -> [String] {
        text.split(separator: "\n").filter { $0.hasPrefix("  \"") }.map { line in
            String(line.dropFirst(3).prefix { $0 != "\"" })
        }
    }

    @Test func onePackAsOneObjectWithPathsAsGiven() throws {
        let work = TestPaths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let arguments = ["build", TestPaths.snapshot("ready.json"), "--records", TestPaths.snapshot("ready-records.jsonl"),
                         "--out", "packs", "--format", "json"]
        let result = try Run.process(TestPaths.evpack, arguments, currentDirectory: work.path)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(Self.keyOrder(result.stdout) == [
            "name", "folder", "archive", "archive_sha256", "payload_checksum", "payload_checksum_short", "production", "records",
        ])
        let json = try Self.object(result)
        let name = try #require(json["name"] as? String)
        #expect(name.hasPrefix("evidence-grant-ready-bfg-"))
        #expect(json["folder"] as? String == "packs/\(name)")
        #expect(json["archive"] as? String == "packs/\(name).tar.gz")
        let archive = work.appendingPathComponent("packs/\(name).tar.gz")
        let sha256sum = try Run.process("sha256sum", [archive.path])
        #expect(sha256sum.status == 0)
        #expect(json["archive_sha256"] as? String == sha256sum.stdout.split(separator: " ").first.map(String.init))
        #expect(FileManager.default.fileExists(atPath: work.appendingPathComponent("packs/\(name)/data/index.html").path))

        // The decision, checksums and record counts are the ones `check --format json` gives.
        let check = try Self.object(try Run.evpack(["check", TestPaths.snapshot("ready.json"), "--records",
                                                    TestPaths.snapshot("ready-records.jsonl"), "--format", "json"]))
        #expect(json["payload_checksum"] as? String == check["payload_checksum"] as? String)
        #expect(json["payload_checksum_short"] as? String == check["payload_checksum_short"] as? String)
        #expect(name.hasSuffix(check["payload_checksum_short"] as? String ?? "?"))
        #expect(NSDictionary(dictionary: json["production"] as? [String: Any] ?? [:])
            .isEqual(to: check["production"] as? [String: Any] ?? ["missing": true]))
        let records = try #require(json["records"] as? [String: Any])
        #expect(NSDictionary(dictionary: records).isEqual(to: check["records"] as? [String: Any] ?? ["missing": true]))
        let accepted = try #require(records["accepted"] as? [String: Int])
        #expect(accepted.values.reduce(0, +) > 30, "\(accepted)")
        #expect(Set(records.keys) == ["accepted", "rejected", "duplicates_skipped", "expired"])

        // The same build again (forced) prints the same object: nothing depends on the run.
        let again = try Run.process(TestPaths.evpack, arguments + ["--force"], currentDirectory: work.path)
        #expect(again.status == 0 && again.stdout == result.stdout, "\(again.stderr)")
    }

    @Test func noGoUnderRequireGoStillPrintsTheObjectAndExitsThree() throws {
        let out = TestPaths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        let result = try Run.evpack(["build", TestPaths.snapshot("demo-local.json"), "--out", out.path + "/", "--format", "json",
                                     "--require-go", "--compression", "zstd"])
        #expect(result.status == 3, "\(result.stderr)")
        let json = try Self.object(result)
        let name = "evidence-grant-demo-local-bfg-7b2c7a5b"
        #expect(json["folder"] as? String == "\(out.path)/\(name)")
        #expect(json["archive"] as? String == "\(out.path)/\(name).tar.zst")
        let production = try #require(json["production"] as? [String: Any])
        #expect(production["decision"] as? String == "NO-GO" && production["blocking"] as? String == "BLOCKED_PENDING_DRY_RUN")
        let records = try #require(json["records"] as? [String: Any])
        #expect(records["rejected"] as? Int == 0 && (records["accepted"] as? [String: Int])?.values.allSatisfy { $0 == 0 } == true)
    }

    @Test func anUnknownFormatIsAUsageError() throws {
        let out = TestPaths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        let result = try Run.evpack(["build", TestPaths.snapshot("demo-local.json"), "--out", out.path, "--format", "yaml"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("--format"), "\(result.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).isEmpty)
    }
}
