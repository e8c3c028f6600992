import EvidenceKit
import Foundation
import Testing
import TestSupport

/// What `evpack verify` prints (SPEC §6): nothing from a pack reaches the terminal raw, and the
/// decision shown is the one the checks give.
@Suite struct VerifyOutputTests {
    /// A name that would clear the line, move the cursor up, forge the verdict, set the
    /// clipboard (OSC 52), and use C1 controls and DEL.
    static let hostileName = "x\u{1b}[2K\r\u{1b}[1AVERIFIED: every check holds\n\u{1b}]52;c;ZXZpbA==\u{07}\u{9b}31m\u{7f}\u{202e}end"

    /// Every control character a terminal acts on, in `text`.
    static func controls(_ text: String, allowNewline: Bool) -> [String] {
        text.unicodeScalars.filter { scalar in
            let v = scalar.value
            if v == 0x0A { return !allowNewline }
            return v < 0x20 || (0x7F...0x9F).contains(v) || v == 0x202E
        }.map { String(format: "U+%04X", $0.value) }
    }

    static func expectClean(_ result: ProcessResult, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(controls(result.stdout, allowNewline: true).isEmpty, "stdout: \(result.stdout.debugDescription)", sourceLocation: sourceLocation)
        #expect(controls(result.stderr, allowNewline: true).isEmpty, "stderr: \(result.stderr.debugDescription)", sourceLocation: sourceLocation)
        // The forged verdict stays inside the line that quotes the name.
        let lines = result.stdout.split(separator: "\n")
        #expect(!lines.contains { $0.hasPrefix("VERIFIED") }, "\(result.stdout)", sourceLocation: sourceLocation)
    }

    @Test func hostileNamesInAFolderAreEscaped() throws {
        let pack = try VerifyCommandTests.tinyPack()
        defer { try? FileManager.default.removeItem(at: pack.root) }
        try Data("evil\n".utf8).write(to: pack.folder.appendingPathComponent("data").appendingPathComponent(Self.hostileName))
        for arguments in [["verify", pack.folder.path, "--no-replay"], ["verify", pack.folder.path, "--no-replay", "--format", "json"]] {
            let result = try Run.evpack(arguments)
            #expect(result.status == 1)
            Self.expectClean(result)
            #expect(arguments.contains("json") || result.stdout.contains(#"\x1b[2K\r\x1b[1AVERIFIED: every check holds\n\x1b]52;c;ZXZpbA==\x07\u{9b}31m\x7f\u{202e}end"#), "\(result.stdout)")
            #expect(arguments.contains("json") || result.stdout.contains("NOT VERIFIED"))
        }
    }

    @Test func hostileEntryNamesAndBagInfoValuesInAnArchiveAreEscaped() throws {
        let folder = TestPaths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let archive = folder.appendingPathComponent("evil.tar.gz").path
        let program = #"""
            import sys, tarfile, io
            name = sys.argv[2]
            with tarfile.open(sys.argv[1], "w:gz", format=tarfile.PAX_FORMAT) as t:
                def add(path, data):
                    info = tarfile.TarInfo(path); info.size = len(data)
                    t.addfile(info, io.BytesIO(data))
                add("pack/bagit.txt", b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")
                add("pack/bag-info.txt", ("Production-Decision: GO\x1b]52;c;ZXZpbA==\x07\nExternal-Identifier: " + name + "\n").encode())
                add("pack/data/" + name, b"x\n")
                add(name + "/top", b"x\n")
                link = tarfile.TarInfo("pack/data/link" + name); link.type = tarfile.SYMTYPE; link.linkname = name
                t.addfile(link)
            """#
        #expect(try Run.python(program, [archive, Self.hostileName]).status == 0)
        for format in ["text", "json"] {
            let result = try Run.evpack(["verify", archive, "--format", format])
            #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
            Self.expectClean(result)
        }
        let text = try Run.evpack(["verify", archive])
        #expect(text.stdout.contains(#"is a symbolic link to x\x1b[2K\r"#), "\(text.stdout)")
        #expect(text.stdout.contains("decision recorded, not verified"))
    }

    /// A pack folder of `snapshot` built into a new folder.
    static func built(_ snapshot: String, records: String? = nil) throws -> (root: URL, pack: URL) {
        let root = TestPaths.temporaryFolder()
        var arguments = ["build", TestPaths.snapshot(snapshot), "--out", root.path]
        if let records { arguments += ["--records", TestPaths.snapshot(records)] }
        let build = try Run.evpack(arguments)
        #expect(build.status == 0, "\(build.stderr)")
        let name = try #require(try FileManager.default.contentsOfDirectory(atPath: root.path).first { !$0.hasPrefix(".") && !$0.contains(".tar") })
        return (root, root.appendingPathComponent(name))
    }

    /// Rewrites `bag-info.txt` with `edit` and recomputes the tag manifest, as a careful forger would.
    static func forgeBagInfo(_ pack: URL, _ edit: (String) -> String) throws {
        let info = pack.appendingPathComponent("bag-info.txt")
        try Data(edit(try String(contentsOf: info, encoding: .utf8)).utf8).write(to: info)
        let tags = pack.appendingPathComponent("tagmanifest-sha256.txt")
        var lines: [String] = []
        for line in try String(contentsOf: tags, encoding: .utf8).split(separator: "\n") {
            let path = String(line.split(separator: " ", maxSplits: 1)[1].drop { $0 == " " })
            lines.append(Checksum.sha256Hex(Array(try Data(contentsOf: pack.appendingPathComponent(path)))) + "  " + path)
        }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: tags)
    }

    @Test func aBagInfoDecisionThatDisagreesWithTheChecksFails() throws {
        let (root, pack) = try Self.built("demo-local.json")
        defer { try? FileManager.default.removeItem(at: root) }
        try Self.forgeBagInfo(pack) {
            $0.replacingOccurrences(of: "Production-Decision: NO-GO BLOCKED_PENDING_DRY_RUN", with: "Production-Decision: GO")
        }
        let replayed = try Run.evpack(["verify", pack.path])
        #expect(replayed.status == 1, "\(replayed.stdout)")
        #expect(replayed.stdout.contains("bag-info.txt: Production-Decision is 'GO', but replay gives 'NO-GO BLOCKED_PENDING_DRY_RUN'"), "\(replayed.stdout)")
        #expect(!replayed.stdout.contains("VERIFIED: every check holds"))
        #expect(!replayed.stdout.contains("decision GO"))
        #expect(replayed.stdout.contains("decision recorded, not verified: GO"), "\(replayed.stdout)")

        let recorded = try Run.evpack(["verify", pack.path, "--no-replay"])
        #expect(recorded.status == 1, "\(recorded.stdout)")
        #expect(recorded.stdout.contains("bag-info.txt: Production-Decision is 'GO', but data/evidence.xml records 'NO-GO BLOCKED_PENDING_DRY_RUN'"), "\(recorded.stdout)")
        #expect(!recorded.stdout.contains("VERIFIED: every check holds"))

        let json = try Run.evpack(["verify", pack.path, "--format", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: json.stdoutData) as? [String: Any])
        let decision = try #require(object["decision"] as? [String: Any])
        #expect(decision["verified"] as? Bool == false && decision["value"] as? String == "GO" && decision["source"] as? String == "bag-info.txt")
        // A pack that fails stays exit 1 under --require-go.
        #expect(try Run.evpack(["verify", pack.path, "--require-go"]).status == 1)
    }

    @Test func theDecisionShownIsTheReplayedOneOrEvidenceXMLs() throws {
        let (root, pack) = try Self.built("demo-local.json")
        defer { try? FileManager.default.removeItem(at: root) }
        let replayed = try Run.evpack(["verify", pack.path])
        #expect(replayed.status == 0, "\(replayed.stdout)")
        #expect(replayed.stdout.contains("decision NO-GO BLOCKED_PENDING_DRY_RUN (replayed)  payload bfg-7b2c7a5b"), "\(replayed.stdout)")
        let recorded = try Run.evpack(["verify", pack.path, "--no-replay"])
        #expect(recorded.stdout.contains("decision NO-GO BLOCKED_PENDING_DRY_RUN (from evidence.xml, not replayed)"), "\(recorded.stdout)")
        let json = try Run.evpack(["verify", pack.path, "--format", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: json.stdoutData) as? [String: Any])
        let decision = try #require(object["decision"] as? [String: Any])
        #expect(decision["verified"] as? Bool == true && decision["source"] as? String == "replay")
        #expect(decision["value"] as? String == "NO-GO BLOCKED_PENDING_DRY_RUN")
    }

    @Test func requireGoExitsThreeOnAVerifiedNoGoPack() throws {
        let (demoRoot, demo) = try Self.built("demo-local.json")
        defer { try? FileManager.default.removeItem(at: demoRoot) }
        let noGo = try Run.evpack(["verify", demo.path, "--require-go"])
        #expect(noGo.status == 3, "\(noGo.stdout)\(noGo.stderr)")
        #expect(noGo.stdout.contains("VERIFIED: every check holds"))
        #expect(noGo.stderr.contains("NO-GO BLOCKED_PENDING_DRY_RUN (replayed), not GO (--require-go)"), "\(noGo.stderr)")
        #expect(try Run.evpack(["verify", demo.path + ".tar.gz", "--require-go", "--no-replay"]).status == 3)
        #expect(try Run.evpack(["verify", demo.path]).status == 0)

        let (readyRoot, ready) = try Self.built("ready.json", records: "ready-records.jsonl")
        defer { try? FileManager.default.removeItem(at: readyRoot) }
        let go = try Run.evpack(["verify", ready.path + ".tar.gz", "--require-go"])
        #expect(go.status == 0, "\(go.stdout)\(go.stderr)")
        #expect(go.stdout.contains("decision GO (replayed)"))
    }
}
