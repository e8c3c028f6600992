import Foundation
import Testing
import TestSupport

/// `evpack` is one self-contained executable (SPEC §12): a copy of the binary alone, in a
/// folder with no `.build` and no resource bundle beside it, builds, verifies and serves packs.
@Suite struct CopiedBinaryTests {
    @Test func aCopyOfTheBinaryAloneBuildsVerifiesAndServesAPack() throws {
        let folder = TestPaths.temporaryFolder("evpack-copied")
        defer { try? FileManager.default.removeItem(at: folder) }
        let binary = folder.appendingPathComponent("bin/evpack")
        try FileManager.default.createDirectory(at: binary.deletingLastPathComponent(), withIntermediateDirectories: true)
        // Copied by cp: a file this (multi-threaded) process held open for writing could leak
        // into a process another test spawns meanwhile, and exec would fail with ETXTBSY.
        #expect(try Run.process("cp", [TestPaths.evpack, binary.path]).status == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: binary.deletingLastPathComponent().path) == ["evpack"])
        for name in ["ready.json", "ready-records.jsonl", "demo-local.json"] {
            try FileManager.default.copyItem(atPath: TestPaths.snapshot(name), toPath: folder.appendingPathComponent(name).path)
        }
        func run(_ arguments: [String]) throws -> ProcessResult {
            let result = try Run.process(binary.path, arguments, currentDirectory: folder.path)
            #expect(result.status == 0, "evpack \(arguments.joined(separator: " ")): exit \(result.status): \(result.stderr)")
            return result
        }

        _ = try run(["keygen", "--out", "release"])
        let ready = "evidence-grant-ready-bfg-d6f24eb0", demo = "evidence-grant-demo-local-bfg-7b2c7a5b"
        let built = try run(["build", "ready.json", "--records", "ready-records.jsonl", "--out", "packs", "--sign-key", "release.key"])
        #expect(built.stdout.hasPrefix("wrote packs/\(ready)/ and packs/\(ready).tar.gz\n"))
        // Every language's labels and the templates are inside the binary.
        _ = try run(["build", "demo-local.json", "--out", "packs", "--lang", "uk"])
        let index = try String(contentsOf: folder.appendingPathComponent("packs/\(demo)/data/index.html"), encoding: .utf8)
        #expect(index.hasPrefix("<!DOCTYPE html>\n<html lang=\"uk\">") && index.contains("<style>"))
        let xsd = try Data(contentsOf: folder.appendingPathComponent("packs/\(demo)/data/schema/evidence-pack.xsd"))
        #expect(xsd == (try Data(contentsOf: TestPaths.root.appendingPathComponent("templates/schema/evidence-pack.xsd"))))
        let schema = try run(["schema", "snapshot"])
        #expect(schema.stdoutData == (try Data(contentsOf: TestPaths.root.appendingPathComponent("templates/schema/snapshot.schema.json"))))

        let verified = try run(["verify", "packs/\(ready).tar.gz", "--key", "release.pub"])
        #expect(verified.stdout.lowercased().contains("signature"), "\(verified.stdout)")

        // The copy writes what the binary in .build writes, byte for byte.
        let reference = TestPaths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: reference) }
        let original = try Run.evpack(["build", TestPaths.snapshot("demo-local.json"), "--out", reference.path, "--lang", "uk"])
        #expect(original.status == 0, "\(original.stderr)")
        #expect(try Data(contentsOf: reference.appendingPathComponent("\(demo).tar.gz"))
            == Data(contentsOf: folder.appendingPathComponent("packs/\(demo).tar.gz")))

        // serve: the listing and a page over HTTP, then a clean stop.
        let server = try Run.start(binary.path, ["serve", folder.appendingPathComponent("packs").path, "--port", "0"])
        let url = server.waitForOutput(timeout: 30) { text in
            guard let start = text.range(of: "http://127.0.0.1:") else { return nil }
            return text[start.lowerBound...].split(separator: " ").first.map(String.init)
        }
        guard let url else {
            server.send(SIGKILL)
            Issue.record("evpack serve printed no URL: \(server.stdout) \(server.stderr)")
            return
        }
        let listing = try Run.process("curl", ["--silent", "--show-error", "--fail", "--max-time", "60", url])
        #expect(listing.status == 0 && listing.stdout.contains("href=\"/\(ready).tar.gz/data/index.html\""), "\(listing.stderr)")
        let page = try Run.process("curl", ["--silent", "--show-error", "--fail", "--max-time", "60", url + "\(ready).tar.gz/data/index.html"])
        #expect(page.status == 0, "\(page.stderr)")
        #expect(page.stdoutData == (try Data(contentsOf: folder.appendingPathComponent("packs/\(ready)/data/index.html"))))
        server.send(SIGINT)
        #expect(server.wait(timeout: 30) == 0, "\(server.stderr)")
    }
}
