import EvidenceKit
import Foundation
import Testing
import TestSupport

/// `evpack keygen` and `evpack verify` end to end, on a tiny pack written in the test.
@Suite struct VerifyCommandTests {
    static let name = "evidence-cli-fixture-bfg-89abcdef"

    /// A sealed tiny pack (folder and .tar.gz) in a new temporary folder.
    static func tinyPack(signingKey: SigningKey? = nil) throws -> (root: URL, folder: URL, archive: URL) {
        let root = TestPaths.temporaryFolder("evpack-cli-pack")
        let work = root.appendingPathComponent(".partial")
        for (path, text) in [
            ("data/index.html", "<!doctype html><title>NO-GO</title>\n"), ("data/evidence.xml", "<evidence/>\n"),
            ("data/inputs/snapshot.json", "{}\n"), ("data/packets/release.env", "BFG_RELEASE_DECISION=GO\n"),
        ] {
            let url = work.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
        }
        let info = BagInfo(
            asOf: Instant(rfc3339: "2026-11-20T09:00:00Z")!, payloadChecksum: "89abcdef" + String(repeating: "0", count: 56),
            productionDecision: "NO-GO BLOCKED_PENDING_DRY_RUN")
        let result = try PackWriter.finish(folder: work, name: name, info: info, options: PackOptions(signingKey: signingKey, mtime: 1_700_000_000))
        return (root, result.folder, result.archive)
    }

    @Test func keygenWritesAPrivateKeyOnlyItsOwnerReadsAndRefusesToOverwrite() throws {
        let folder = TestPaths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("release").path
        let result = try Run.evpack(["keygen", "--out", out])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("wrote \(out).key") && result.stdout.contains("wrote \(out).pub"))
        let attributes = try FileManager.default.attributesOfItem(atPath: out + ".key")
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(try String(contentsOfFile: out + ".pub", encoding: .utf8).hasPrefix("-----BEGIN PUBLIC KEY-----\n"))
        let keyBefore = try Data(contentsOf: URL(fileURLWithPath: out + ".key"))

        let again = try Run.evpack(["keygen", "--out", out])
        #expect(again.status == 2)
        #expect(again.stderr.contains("\(out).key already exists; refusing to overwrite it"), "\(again.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: out + ".key")) == keyBefore)
        // Only the public half there: still refused, and no private key appears beside it.
        try FileManager.default.removeItem(atPath: out + ".key")
        let half = try Run.evpack(["keygen", "--out", out])
        #expect(half.status == 2 && half.stderr.contains("\(out).pub already exists"))
        #expect(!FileManager.default.fileExists(atPath: out + ".key"))
        let missing = try Run.evpack(["keygen"])
        #expect(missing.status == 2)
        let badFolder = try Run.evpack(["keygen", "--out", folder.appendingPathComponent("no/such/folder/k").path])
        #expect(badFolder.status == 2 && badFolder.stderr.contains("no/such/folder"), "\(badFolder.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["release.pub"])
    }

    /// A real pack: `evpack build` of ready.json with its records, signed with a key from keygen.
    @Test func verifyAGoodPackSignedWithAKeyFromKeygen() throws {
        let folder = TestPaths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let base = folder.appendingPathComponent("signer").path
        #expect(try Run.evpack(["keygen", "--out", base]).status == 0)
        let out = folder.appendingPathComponent("packs")
        let build = try Run.evpack(["build", TestPaths.snapshot("ready.json"), "--records", TestPaths.snapshot("ready-records.jsonl"),
                                    "--out", out.path, "--sign-key", base + ".key"])
        #expect(build.status == 0, "\(build.stderr)")
        let name = "evidence-grant-ready-bfg-d6f24eb0"
        for path in [out.appendingPathComponent(name).path, out.appendingPathComponent(name + ".tar.gz").path] {
            let result = try Run.evpack(["verify", path, "--key", base + ".pub"])
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            #expect(result.stdout.contains("VERIFIED: every check holds"))
            #expect(result.stdout.contains("identical to evidence.xml (Production GO)"), "\(result.stdout)")
            #expect(result.stdout.contains("decision GO"))
            // Not a terminal: no progress bar, nothing on stderr.
            #expect(result.stderr.isEmpty)
        }
        let noReplay = try Run.evpack(["verify", out.appendingPathComponent(name + ".tar.gz").path, "--no-replay"])
        #expect(noReplay.status == 0)
        #expect(noReplay.stdout.contains("skipped on request (--no-replay)"))
        #expect(noReplay.stdout.contains("signature.json is present but was not verified: no --key given"))
    }

    /// An edited decision with manifests recomputed to match: only replay catches it.
    @Test func replayCatchesAnEditedDecisionWithRecomputedManifests() throws {
        let out = TestPaths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        #expect(try Run.evpack(["build", TestPaths.snapshot("demo-local.json"), "--out", out.path]).status == 0)
        let pack = out.appendingPathComponent("evidence-grant-demo-local-bfg-7b2c7a5b")
        let evidence = pack.appendingPathComponent("data/evidence.xml")
        var xml = try String(contentsOf: evidence, encoding: .utf8)
        #expect(xml.contains("decision=\"NO-GO\""))
        xml = xml.replacingOccurrences(of: "decision=\"NO-GO\"", with: "decision=\"GO\"")
        try Data(xml.utf8).write(to: evidence)
        // Recompute both manifests and bag-info.txt (its decision too), as a careful forger would.
        let forge = #"""
            import hashlib, os, sys
            root = sys.argv[1]
            def sha(p): return hashlib.sha256(open(os.path.join(root, p), "rb").read()).hexdigest()
            lines = open(os.path.join(root, "manifest-sha256.txt")).read().splitlines()
            open(os.path.join(root, "manifest-sha256.txt"), "w").write("".join(f"{sha(l.split('  ', 1)[1])}  {l.split('  ', 1)[1]}\n" for l in lines))
            files = [os.path.join(d, f) for d, _, fs in os.walk(os.path.join(root, "data")) for f in fs]
            oxum = f"Payload-Oxum: {sum(os.path.getsize(f) for f in files)}.{len(files)}"
            info = open(os.path.join(root, "bag-info.txt")).read().splitlines()
            info = ["Production-Decision: GO" if l.startswith("Production-Decision:") else l for l in info]
            open(os.path.join(root, "bag-info.txt"), "w").write("".join((oxum if l.startswith("Payload-Oxum:") else l) + "\n" for l in info))
            tags = open(os.path.join(root, "tagmanifest-sha256.txt")).read().splitlines()
            open(os.path.join(root, "tagmanifest-sha256.txt"), "w").write("".join(f"{sha(l.split('  ', 1)[1])}  {l.split('  ', 1)[1]}\n" for l in tags))
            """#
        #expect(try Run.python(forge, [pack.path]).status == 0)
        let skipped = try Run.evpack(["verify", pack.path, "--no-replay"])
        #expect(skipped.status == 0, "the forgery passes every check but replay: \(skipped.stdout)")
        let result = try Run.evpack(["verify", pack.path])
        #expect(result.status == 1)
        #expect(result.stdout.contains("data/evidence.xml: production decision: recorded 'GO', replay gives 'NO-GO'"), "\(result.stdout)")
        #expect(result.stdout.contains("decision recorded, not verified: GO"), "\(result.stdout)")
    }

    @Test func verifyReportsEveryFailureAndExitsOne() throws {
        let pack = try Self.tinyPack(signingKey: try SigningKey(rawSeed: [UInt8](repeating: 1, count: 32)))
        defer { try? FileManager.default.removeItem(at: pack.root) }
        try Data("<evidence decision=\"GO\"/>\n".utf8).write(to: pack.folder.appendingPathComponent("data/evidence.xml"))
        try FileManager.default.removeItem(at: pack.folder.appendingPathComponent("data/index.html"))
        let other = pack.root.appendingPathComponent("other.pub")
        try Data(try SigningKey(rawSeed: [UInt8](repeating: 2, count: 32)).publicKey.pem.utf8).write(to: other)

        let text = try Run.evpack(["verify", pack.folder.path, "--key", other.path, "--no-replay"])
        #expect(text.status == 1, "\(text.stdout)\(text.stderr)")
        #expect(text.stdout.contains("data/evidence.xml: content changed"))
        #expect(text.stdout.contains("data/index.html: listed in manifest-sha256.txt but missing"))
        #expect(text.stdout.contains("signature.json: no signature verifies with key"))
        #expect(text.stdout.contains("NOT VERIFIED: 4 problems"), "\(text.stdout)")

        let json = try Run.evpack(["verify", pack.folder.path, "--format", "json", "--no-replay"])
        #expect(json.status == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: json.stdoutData) as? [String: Any])
        #expect(object["verified"] as? Bool == false)
        let failures = try #require(object["failures"] as? [[String: String]])
        #expect(failures.contains { $0["file"] == "data/evidence.xml" && $0["step"] == "bagit" })
        #expect(failures.contains { $0["file"] == "data/index.html" })
        #expect(failures.count == 3)
    }

    @Test func verifyOfAMaliciousArchiveNamesTheEntry() throws {
        let folder = TestPaths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let archive = folder.appendingPathComponent("evil.tar").path
        let program = #"""
            import sys, tarfile, io
            with tarfile.open(sys.argv[1], "w") as t:
                for name in ["pack/bagit.txt", "/etc/cron.d/evil", "pack/../../escape"]:
                    info = tarfile.TarInfo(name); info.size = 5
                    t.addfile(info, io.BytesIO(b"evil\n"))
                link = tarfile.TarInfo("pack/data/link"); link.type = tarfile.SYMTYPE; link.linkname = "/etc/shadow"
                t.addfile(link)
            """#
        #expect(try Run.python(program, [archive]).status == 0)
        let result = try Run.evpack(["verify", archive])
        #expect(result.status == 1)
        #expect(result.stdout.contains("/etc/cron.d/evil: absolute path"))
        #expect(result.stdout.contains("pack/../../escape: path leaves the pack ('..')"))
        #expect(result.stdout.contains("pack/data/link: is a symbolic link to /etc/shadow"))
        #expect(result.stdout.contains("manifest-sha256.txt: missing"))
        #expect(!FileManager.default.fileExists(atPath: "/etc/cron.d/evil"))
    }

    @Test func usageErrorsExitTwo() throws {
        let pack = try Self.tinyPack()
        defer { try? FileManager.default.removeItem(at: pack.root) }
        let missing = try Run.evpack(["verify", "/nonexistent/pack.tar.gz"])
        #expect(missing.status == 2 && missing.stderr.contains("/nonexistent/pack.tar.gz: cannot read"))
        let noKey = try Run.evpack(["verify", pack.archive.path, "--key", "/nonexistent/key.pub"])
        #expect(noKey.status == 2 && noKey.stderr.contains("--key: /nonexistent/key.pub"), "\(noKey.stderr)")
        let notAKey = try Run.evpack(["verify", pack.archive.path, "--key", pack.folder.appendingPathComponent("bagit.txt").path])
        #expect(notAKey.status == 2 && notAKey.stderr.contains("no '-----BEGIN PUBLIC KEY-----' block"), "\(notAKey.stderr)")
        #expect(try Run.evpack(["verify"]).status == 2)
        #expect(try Run.evpack(["verify", pack.archive.path, "--format", "xml"]).status == 2)
        let help = try Run.evpack(["verify", "--help"])
        #expect(help.status == 0 && help.stdout.contains("--no-replay") && help.stdout.contains("--key"))
    }
}
