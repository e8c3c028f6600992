import Foundation
import Testing
import TestSupport

/// `evpack build` end to end: the built binary writes pack folders.
@Suite struct BuildCommandTests {
    static let demoName = "evidence-grant-demo-local-bfg-7b2c7a5b"

    static func contents(_ folder: URL) -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: folder.path)!
        return (enumerator.allObjects as! [String]).sorted()
    }

    @Test func buildsThePackFolderAndSaysWhereAndWhat() throws {
        let out = TestPaths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        let result = try Run.evpack(["build", TestPaths.snapshot("demo-local.json"), "--out", out.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "wrote \(out.path)/\(Self.demoName)/ and \(out.path)/\(Self.demoName).tar.gz\nProduction NO-GO — BLOCKED_PENDING_DRY_RUN\n")
        // Only the pack and its archive: no temporary name left beside them.
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).sorted() == [Self.demoName, Self.demoName + ".tar.gz"])
        let data = out.appendingPathComponent(Self.demoName).appendingPathComponent("data")
        let files = Self.contents(data)
        for expected in ["index.html", "connection.html", "dry_run.html", "board.html", "infrastructure.html", "release.html",
                         "rollback.html", "preflight.html", "runbook.html", "cutover.html", "wiring.html", "operations.html", "integration.html",
                         "rehearsals.html", "evidence.xml", "schema/evidence-pack.xsd", "junit.xml", "packets/preflight.txt",
                         "packets/runbook.sql", "packets/cutover.txt", "packets/release.env", "packets/rollback.env",
                         "inputs/snapshot.json", "inputs/records.jsonl", "inputs/rejects.jsonl", "inputs/options.json"] {
            #expect(files.contains(expected), "missing data/\(expected)")
        }
        let release = try String(contentsOf: data.appendingPathComponent("packets/release.env"), encoding: .utf8)
        #expect(release.hasSuffix("BFG_RELEASE_DECISION=BLOCKED_PENDING_DRY_RUN\n"))
        let options = try String(contentsOf: data.appendingPathComponent("inputs/options.json"), encoding: .utf8)
        #expect(options.contains("\"as_of\": \"2026-11-20T09:00:00Z\"") && options.contains("\"window\": \"24h\""))
        let lint = try Run.process("xmllint", ["--noout", "--schema", data.appendingPathComponent("schema/evidence-pack.xsd").path,
                                               data.appendingPathComponent("evidence.xml").path])
        #expect(lint.status == 0, "\(lint.stderr)")
    }

    @Test func twoBuildsAreByteIdentical() throws {
        let a = TestPaths.temporaryFolder(), b = TestPaths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: a); try? FileManager.default.removeItem(at: b) }
        #expect(try Run.evpack(["build", TestPaths.snapshot("ready.json"), "--out", a.path]).status == 0)
        #expect(try Run.evpack(["build", TestPaths.snapshot("ready.json"), "--out", b.path, "--lang", "en"]).status == 0)
        let name = try #require(try FileManager.default.contentsOfDirectory(atPath: a.path).first)
        let files = Self.contents(a.appendingPathComponent(name))
        #expect(files == Self.contents(b.appendingPathComponent(name)))
        for file in files {
            let x = a.appendingPathComponent(name).appendingPathComponent(file), y = b.appendingPathComponent(name).appendingPathComponent(file)
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: x.path, isDirectory: &isFolder), !isFolder.boolValue else { continue }
            #expect(try Data(contentsOf: x) == Data(contentsOf: y), "\(file) differs")
        }
    }

    @Test func worksFromAnyDirectory() throws {
        let out = TestPaths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        let result = try Run.process(TestPaths.evpack, ["build", TestPaths.snapshot("demo-local.json"), "--out", "packs", "--lang", "uk"],
                                     currentDirectory: out.path)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("wrote packs/\(Self.demoName)/ and packs/\(Self.demoName).tar.gz\n"))
        let index = try String(contentsOf: out.appendingPathComponent("packs/\(Self.demoName)/data/index.html"), encoding: .utf8)
        #expect(index.contains("<html lang=\"uk\">") && index.contains("Рішення щодо production"))
    }

    @Test func refusesToReplaceAPackUnlessForced() throws {
        let out = TestPaths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        #expect(try Run.evpack(["build", TestPaths.snapshot("demo-local.json"), "--out", out.path]).status == 0)
        let index = out.appendingPathComponent("\(Self.demoName)/data/index.html")
        try Data("marker".utf8).write(to: index)
        let again = try Run.evpack(["build", TestPaths.snapshot("demo-local.json"), "--out", out.path])
        #expect(again.status == 2)
        #expect(again.stderr.contains("already exists") && again.stderr.contains("--force"))
        #expect(try String(contentsOf: index, encoding: .utf8) == "marker", "the existing pack is untouched")
        let forced = try Run.evpack(["build", TestPaths.snapshot("demo-local.json"), "--out", out.path, "--force"])
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(try String(contentsOf: index, encoding: .utf8).hasPrefix("<!DOCTYPE html>"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).sorted() == [Self.demoName, Self.demoName + ".tar.gz"])
    }

    @Test func requireGoExitsThreeAfterWriting() throws {
        let out = TestPaths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        let demo = try Run.evpack(["build", TestPaths.snapshot("demo-local.json"), "--out", out.path, "--require-go"])
        #expect(demo.status == 3)
        #expect(demo.stderr.contains("NO-GO"))
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("\(Self.demoName)/data/evidence.xml").path))
        let ready = try Run.evpack(["build", TestPaths.snapshot("ready.json"), "--records", TestPaths.snapshot("ready-records.jsonl"),
                                    "--out", out.path, "--require-go"])
        #expect(ready.status == 0, "\(ready.stdout)\(ready.stderr)")
        #expect(ready.stdout.contains("Production GO"))
    }

    @Test func badInputsExitTwoAndWriteNothing() throws {
        let out = TestPaths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        let bad = out.appendingPathComponent("bad.json")
        try Data("{\"schema\": \"BFGScenarioSnapshot.v1\",\n \"session\": 7}".utf8).write(to: bad)
        let packs = out.appendingPathComponent("packs")
        let cases: [[String]] = [
            ["build", bad.path, "--out", packs.path],
            ["build", "/nonexistent/snapshot.json", "--out", packs.path],
            ["build", TestPaths.snapshot("demo-local.json"), "--out", packs.path, "--lang", "de"],
            ["build", TestPaths.snapshot("demo-local.json"), "--out", packs.path, "--templates", "/nonexistent/templates"],
            ["build", TestPaths.snapshot("demo-local.json"), "--out", packs.path, "--as-of", "tomorrow"],
        ]
        for arguments in cases {
            let result = try Run.evpack(arguments)
            #expect(result.status == 2, "\(arguments): \(result.stderr)")
            #expect(!result.stderr.isEmpty)
            #expect(!FileManager.default.fileExists(atPath: packs.path), "\(arguments) wrote something")
        }
        #expect(try Run.evpack(["build", bad.path, "--out", packs.path]).stderr.contains("\(bad.path)"))

        // The pack options are checked before the snapshot and the records are read.
        let records = ["--records", "/nonexistent/records.jsonl"]
        for (arguments, environment, named) in [
            (["--compression", "xz"], [String: String](), "--compression"),
            (["--sign-key", "/nonexistent/signing.key"], [:], "--sign-key"),
            ([], ["SOURCE_DATE_EPOCH": "soon"], "SOURCE_DATE_EPOCH"),
        ] {
            let result = try Run.evpack(["build", bad.path, "--out", packs.path] + records + arguments, environment: environment)
            #expect(result.status == 2, "\(named): \(result.stderr)")
            #expect(result.stderr.contains(named) && !result.stderr.contains("records.jsonl"), "\(named): \(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: packs.path))
        }
    }

    @Test func templatesOverrideChangesLabelsAndBadTemplatesAreNamed() throws {
        let folder = TestPaths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let templates = folder.appendingPathComponent("mine")
        try FileManager.default.createDirectory(at: templates.appendingPathComponent("labels"), withIntermediateDirectories: true)
        try Data("{\"index\": {\"title\": \"Cutover board for the steering committee\"}}".utf8)
            .write(to: templates.appendingPathComponent("labels/labels.en.json"))
        let good = try Run.evpack(["build", TestPaths.snapshot("demo-local.json"), "--out", folder.appendingPathComponent("a").path,
                                   "--templates", templates.path])
        #expect(good.status == 0, "\(good.stderr)")
        let index = try String(contentsOf: folder.appendingPathComponent("a/\(Self.demoName)/data/index.html"), encoding: .utf8)
        #expect(index.contains("<h1>Cutover board for the steering committee</h1>"))
        #expect(index.contains("What must happen next"), "labels the override lacks come from the bundle")

        try FileManager.default.createDirectory(at: templates.appendingPathComponent("html"), withIntermediateDirectories: true)
        try Data("{{#families}}unclosed".utf8).write(to: templates.appendingPathComponent("html/index.mustache"))
        let bad = try Run.evpack(["build", TestPaths.snapshot("demo-local.json"), "--out", folder.appendingPathComponent("b").path,
                                  "--templates", templates.path])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("html/index.mustache: not a valid Mustache template: line 1, column"))
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("b").path))
    }

    @Test func helpDocumentsTheOptions() throws {
        let help = try Run.evpack(["build", "--help"])
        #expect(help.status == 0)
        for option in ["--out", "--lang", "--templates", "--as-of", "--require-go", "--force"] {
            #expect(help.stdout.contains(option), "help lacks \(option)")
        }
        #expect(try Run.evpack(["--help"]).stdout.contains("build"))
    }
}
