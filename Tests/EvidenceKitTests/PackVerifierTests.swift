import Foundation
import Testing
import TestSupport
@testable import EvidenceKit

/// `PackVerifier` on good packs and on every attack of issue 5: each must fail, naming the file.
@Suite(.timeLimit(.minutes(2))) struct PackVerifierTests {
    // MARK: - good packs

    @Test(arguments: Compression.allCases)
    func aGoodPackVerifiesAsFolderAndAsArchive(_ compression: Compression) throws {
        let key = PackFixture.key(9)
        let pack = try PackFixture.sealed(compression: compression, key: key)
        defer { try? FileManager.default.removeItem(at: pack.folder.deletingLastPathComponent()) }
        for path in [pack.folder.path, pack.archive.path] {
            let report = try PackVerifier.verify(path, options: VerifyOptions(key: key.publicKey))
            #expect(report.verified, "\(path):\n\(report.text)")
            #expect(report.steps.map(\.step) == [.safety, .bagit, .signature, .replay])
            #expect(report.steps.map(\.status) == [.passed, .passed, .passed, .notChecked])
            #expect(report.steps[3].summary == "replay: not available in this build")
            #expect(report.bagInfo.contains(BagInfo.Field("Production-Decision", "NO-GO BLOCKED_PENDING_DRY_RUN")))
            #expect(report.text.contains("VERIFIED"))
        }
        let archive = try PackVerifier.verify(pack.archive.path)
        #expect(archive.kind == "archive")
        #expect(archive.compression == ["gzip": "gzip", "zstd": "zstd", "none": "none"][compression.rawValue])
        #expect(archive.steps[0].summary.contains("under \(PackFixture.name)/"))
    }

    @Test func signatureWithoutKeyIsReportedNotSilentlyPassed() throws {
        let pack = try PackFixture.sealed(key: PackFixture.key(2))
        defer { try? FileManager.default.removeItem(at: pack.folder.deletingLastPathComponent()) }
        let report = try PackVerifier.verify(pack.archive.path, options: VerifyOptions(replay: false))
        #expect(report.verified)
        #expect(report.steps[2].status == .notChecked)
        #expect(report.steps[2].summary.contains("signature.json is present but was not verified"))
        #expect(report.steps[3].status == .skipped && report.steps[3].summary.contains("--no-replay"))
        #expect(report.text.contains("not checked"))
    }

    @Test func replayGetsTheInputsAndItsFailuresCount() throws {
        struct Recorder: PackReplayer {
            func replay(_ input: ReplayInput) -> ReplayOutcome {
                guard let xml = input.evidenceXML, input.inputs.keys.sorted() == ["options.json", "records.jsonl", "snapshot.json"] else {
                    return .checked(summary: "wrong input", failures: [("data/inputs", "not all inputs given: \(input.inputs.keys.sorted())")])
                }
                let differs = String(decoding: xml, as: UTF8.self).contains("GO\"/>") && !String(decoding: xml, as: UTF8.self).contains("NO-GO")
                return .checked(summary: "12 families replayed", failures: differs ? [("data/evidence.xml", "decision differs: recorded GO, replayed NO-GO")] : [])
            }
        }
        let pack = try PackFixture.sealed()
        defer { try? FileManager.default.removeItem(at: pack.folder.deletingLastPathComponent()) }
        for path in [pack.folder.path, pack.archive.path] {
            let report = try PackVerifier.verify(path, options: VerifyOptions(replayer: Recorder()))
            #expect(report.verified, "\(report.text)")
            #expect(report.steps[3].status == .passed && report.steps[3].summary == "12 families replayed")
        }
        // The decision edited in evidence.xml with the manifests recomputed: only replay sees it.
        try Data("<?xml version=\"1.0\"?>\n<evidence decision=\"GO\"/>\n".utf8).write(to: pack.folder.appendingPathComponent("data/evidence.xml"))
        try rebag(pack.folder)
        let report = try PackVerifier.verify(pack.folder.path, options: VerifyOptions(replayer: Recorder()))
        #expect(report.steps.prefix(3).allSatisfy { $0.failures.isEmpty }, "\(report.text)")
        #expect(!report.verified)
        #expect(report.failures == [VerifyFailure(.replay, "data/evidence.xml", "decision differs: recorded GO, replayed NO-GO")])
    }

    // MARK: - attacks on the content (folder and archive)

    /// Applies `attack` to a fresh signed pack folder, then verifies the folder and an archive of it.
    func attacked(_ attack: (URL) throws -> Void, key: VerifyingKey? = PackFixture.key(5).publicKey) throws -> [VerifyReport] {
        let pack = try PackFixture.sealed(key: PackFixture.key(5))
        defer { try? FileManager.default.removeItem(at: pack.folder.deletingLastPathComponent()) }
        try attack(pack.folder)
        let archive = pack.folder.deletingLastPathComponent().appendingPathComponent("attacked.tar.gz")
        try ArchiveWriter.write(folder: pack.folder.path, topFolder: PackFixture.name, to: archive.path, compression: .gzip, mtime: 0)
        return [
            try PackVerifier.verify(pack.folder.path, options: VerifyOptions(key: key)),
            try PackVerifier.verify(archive.path, options: VerifyOptions(key: key)),
        ]
    }

    func expectFailure(_ reports: [VerifyReport], _ step: VerifyStep, _ file: String, _ reason: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for report in reports {
            #expect(!report.verified, "\(report.kind) passed", sourceLocation: sourceLocation)
            #expect(
                report.failures.contains { $0.step == step && $0.file == file && $0.reason.contains(reason) },
                "\(report.kind): no \(step) failure '\(file): …\(reason)…' in\n\(report.text)", sourceLocation: sourceLocation)
        }
    }

    @Test func aFlippedByteInAPayloadFile() throws {
        let reports = try attacked { folder in
            let url = folder.appendingPathComponent("data/packets/release.env")
            var bytes = Array(try Data(contentsOf: url))
            bytes[5] ^= 0x01
            try Data(bytes).write(to: url)
        }
        expectFailure(reports, .bagit, "data/packets/release.env", "content changed")
        expectFailure(reports, .signature, "data/packets/release.env", "content differs from what signature.json signs")
        #expect(reports.allSatisfy { $0.failures.count == 2 }, "\(reports.map(\.text))")
    }

    @Test func aDeletedFile() throws {
        let reports = try attacked { try FileManager.default.removeItem(at: $0.appendingPathComponent("data/junit.xml")) }
        expectFailure(reports, .bagit, "data/junit.xml", "listed in manifest-sha256.txt but missing")
        expectFailure(reports, .bagit, "bag-info.txt", "Payload-Oxum is")
        expectFailure(reports, .signature, "data/junit.xml", "signed in signature.json but missing")
    }

    @Test func anAddedFile() throws {
        let reports = try attacked { try Data("extra\n".utf8).write(to: $0.appendingPathComponent("data/packets/extra.txt")) }
        expectFailure(reports, .bagit, "data/packets/extra.txt", "not listed in manifest-sha256.txt")
        expectFailure(reports, .signature, "data/packets/extra.txt", "not covered by signature.json")
        let root = try attacked { try Data("note\n".utf8).write(to: $0.appendingPathComponent("notes.txt")) }
        expectFailure(root, .bagit, "notes.txt", "unexpected file outside data/")
    }

    @Test func everyFailureIsReportedNotOnlyTheFirst() throws {
        let reports = try attacked { folder in
            try FileManager.default.removeItem(at: folder.appendingPathComponent("data/junit.xml"))
            try Data("x".utf8).write(to: folder.appendingPathComponent("data/index.html"))
            try Data("y".utf8).write(to: folder.appendingPathComponent("data/new.txt"))
        }
        expectFailure(reports, .bagit, "data/junit.xml", "missing")
        expectFailure(reports, .bagit, "data/index.html", "content changed")
        expectFailure(reports, .bagit, "data/new.txt", "not listed")
        expectFailure(reports, .signature, "data/index.html", "content differs")
    }

    @Test func anEditedManifest() throws {
        let reports = try attacked { folder in
            // Someone "fixes" the manifest after changing a file: the tag manifest catches it.
            let file = folder.appendingPathComponent("data/index.html")
            try Data("<p>GO</p>\n".utf8).write(to: file)
            let manifest = folder.appendingPathComponent("manifest-sha256.txt")
            var text = try String(contentsOf: manifest, encoding: .utf8)
            let line = text.split(separator: "\n").first { $0.hasSuffix("data/index.html") }!
            text = text.replacingOccurrences(of: String(line), with: Checksum.sha256Hex(Array("<p>GO</p>\n".utf8)) + "  data/index.html")
            try text.write(to: manifest, atomically: true, encoding: .utf8)
        }
        expectFailure(reports, .bagit, "manifest-sha256.txt", "content changed")
        expectFailure(reports, .signature, "data/index.html", "content differs")
        let garbled = try attacked { folder in
            let manifest = folder.appendingPathComponent("manifest-sha256.txt")
            try (try String(contentsOf: manifest, encoding: .utf8) + "not a manifest line\n").write(to: manifest, atomically: true, encoding: .utf8)
        }
        expectFailure(garbled, .bagit, "manifest-sha256.txt:12", "'not' is not a SHA-256")
    }

    @Test func anEditedOrDeletedTagManifest() throws {
        let edited = try attacked { folder in
            let url = folder.appendingPathComponent("tagmanifest-sha256.txt")
            let text = try String(contentsOf: url, encoding: .utf8)
            try String(text.split(separator: "\n").dropFirst().map { $0 + "\n" }.joined()).write(to: url, atomically: true, encoding: .utf8)
        }
        expectFailure(edited, .bagit, "tagmanifest-sha256.txt", "does not list bag-info.txt")
        let flipped = try attacked { folder in
            let url = folder.appendingPathComponent("tagmanifest-sha256.txt")
            var bytes = Array(try Data(contentsOf: url))
            bytes[0] = bytes[0] == UInt8(ascii: "0") ? UInt8(ascii: "1") : UInt8(ascii: "0")
            try Data(bytes).write(to: url)
        }
        expectFailure(flipped, .bagit, "bag-info.txt", "content changed: sha256 is")
        let deleted = try attacked { try FileManager.default.removeItem(at: $0.appendingPathComponent("tagmanifest-sha256.txt")) }
        expectFailure(deleted, .bagit, "tagmanifest-sha256.txt", "missing")
        let info = try attacked { folder in
            let url = folder.appendingPathComponent("bag-info.txt")
            let text = try String(contentsOf: url, encoding: .utf8).replacingOccurrences(of: "NO-GO BLOCKED_PENDING_DRY_RUN", with: "GO")
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        expectFailure(info, .bagit, "bag-info.txt", "content changed")
    }

    @Test func aWrongKey() throws {
        let reports = try attacked({ _ in }, key: PackFixture.key(6).publicKey)
        expectFailure(reports, .signature, "signature.json", "no signature verifies with key \(PackFixture.key(6).publicKey.keyID.prefix(16))")
        #expect(reports.allSatisfy { $0.failures.count == 1 })
    }

    @Test func aSignatureOverOtherContent() throws {
        // A genuine signature by the right key, copied from another pack.
        let other = try PackFixture.sealed(key: PackFixture.key(5), records: 7)
        defer { try? FileManager.default.removeItem(at: other.folder.deletingLastPathComponent()) }
        let copied = try attacked { folder in
            try FileManager.default.removeItem(at: folder.appendingPathComponent("signature.json"))
            try FileManager.default.copyItem(at: other.folder.appendingPathComponent("signature.json"), to: folder.appendingPathComponent("signature.json"))
        }
        expectFailure(copied, .signature, "data/inputs/records.jsonl", "content differs from what signature.json signs")
        #expect(copied.allSatisfy { $0.failures.allSatisfy { $0.step == .signature } })

        // The payload of the envelope replaced by another statement, the signature kept.
        let swapped = try attacked { folder in
            let url = folder.appendingPathComponent("signature.json")
            var envelope = try JSONParser.parse(Array(try Data(contentsOf: url)))
            let statement = PackStatement.bytes(bagName: "other", payload: [], info: [])
            envelope = .object(JSONObject([
                "payload": .string(Data(statement).base64EncodedString()), "payloadType": envelope["payloadType"]!,
                "signatures": envelope["signatures"]!,
            ]))
            try Data(JSONWriter.pretty(envelope).utf8).write(to: url)
        }
        expectFailure(swapped, .signature, "signature.json", "no signature verifies")

        let missing = try attacked { try FileManager.default.removeItem(at: $0.appendingPathComponent("signature.json")) }
        expectFailure(missing, .signature, "signature.json", "missing: --key was given")
    }

    // MARK: - attacks on the archive (crafted with Python's tarfile)

    /// Writes a gzip tar of the good bag plus one malicious entry.
    static let craft = #"""
        import sys, tarfile, io
        src, top, out, attack, arg = sys.argv[1:6]
        class Zeros:
            def read(self, n): return b"\0" * n
        def entry(name, kind=tarfile.REGTYPE, data=b"", link=""):
            info = tarfile.TarInfo(name)
            info.type, info.size, info.linkname, info.mtime = kind, len(data), link, 0
            return info, io.BytesIO(data)
        if attack == "huge":
            info = tarfile.TarInfo(top + "/data/huge.bin")
            info.size = int(arg)
            with open(out, "wb") as f:
                f.write(info.tobuf(tarfile.PAX_FORMAT) + b"x" * 4096)
            sys.exit(0)
        with tarfile.open(out, "w:gz", format=tarfile.PAX_FORMAT) as t:
            t.add(src, arcname=top)
            if attack == "absolute": t.addfile(*entry(arg, data=b"evil\n"))
            elif attack == "parent": t.addfile(*entry(top + "/../../" + arg, data=b"evil\n"))
            elif attack == "symlink": t.addfile(*entry(top + "/data/link", tarfile.SYMTYPE, link="/etc/passwd"))
            elif attack == "hardlink": t.addfile(*entry(top + "/data/hard", tarfile.LNKTYPE, link="/etc/passwd"))
            elif attack == "device":
                info, _ = entry(top + "/data/null", tarfile.CHRTYPE)
                info.devmajor, info.devminor = 1, 3
                t.addfile(info)
            elif attack == "fifo": t.addfile(*entry(top + "/data/pipe", tarfile.FIFOTYPE))
            elif attack == "duplicate": t.addfile(*entry(top + "/data/index.html", data=b"<p>GO</p>\n"))
            elif attack == "two-tops": t.addfile(*entry("second-folder/data/x.txt", data=b"x\n"))
            elif attack == "bomb":
                info, _ = entry(top + "/data/zeros.bin")
                info.size = int(arg)
                t.addfile(info, Zeros())
        """#

    func crafted(_ attack: String, _ argument: String = "-", limits: VerifyLimits = VerifyLimits()) throws -> VerifyReport {
        let pack = try PackFixture.sealed()
        let root = pack.folder.deletingLastPathComponent()
        defer { try? FileManager.default.removeItem(at: root) }
        let archive = root.appendingPathComponent("crafted.tar.gz")
        let made = try Run.python(Self.craft, [pack.folder.path, PackFixture.name, archive.path, attack, argument])
        #expect(made.status == 0, "\(made.stderr)")
        let before = try FileManager.default.contentsOfDirectory(atPath: root.path).sorted()
        let report = try PackVerifier.verify(archive.path, options: VerifyOptions(limits: limits))
        // Reading an attack writes nothing, anywhere: the folder beside it is unchanged.
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.path).sorted() == before)
        return report
    }

    func expectSafetyFailure(_ report: VerifyReport, _ file: String, _ reason: String, sourceLocation: SourceLocation = #_sourceLocation) {
        expectFailure([report], .safety, file, reason, sourceLocation: sourceLocation)
    }

    @Test func anAbsolutePath() throws {
        let target = "/tmp/evpack-attack-\(UUID().uuidString)"
        let report = try crafted("absolute", target)
        expectSafetyFailure(report, target, "absolute path")
        #expect(!FileManager.default.fileExists(atPath: target))
    }

    @Test func aParentReference() throws {
        let name = "evpack-attack-\(UUID().uuidString)"
        let report = try crafted("parent", name)
        expectSafetyFailure(report, "\(PackFixture.name)/../../\(name)", "path leaves the pack ('..')")
        #expect(!FileManager.default.fileExists(atPath: "/tmp/\(name)"))
        #expect(!FileManager.default.fileExists(atPath: FileManager.default.currentDirectoryPath + "/../\(name)"))
    }

    @Test func linksAndDevices() throws {
        expectSafetyFailure(try crafted("symlink"), "\(PackFixture.name)/data/link", "is a symbolic link to /etc/passwd")
        expectSafetyFailure(try crafted("hardlink"), "\(PackFixture.name)/data/hard", "is a hard link to /etc/passwd")
        expectSafetyFailure(try crafted("device"), "\(PackFixture.name)/data/null", "is a character device")
        expectSafetyFailure(try crafted("fifo"), "\(PackFixture.name)/data/pipe", "is a fifo")
    }

    @Test func aDuplicateEntry() throws {
        let report = try crafted("duplicate")
        expectSafetyFailure(report, "\(PackFixture.name)/data/index.html", "duplicate entry")
    }

    @Test func twoTopFolders() throws {
        let report = try crafted("two-tops")
        #expect(report.failures.contains { $0.step == .safety && $0.file.hasSuffix("crafted.tar.gz") && $0.reason.contains("more than one top folder (\(PackFixture.name), second-folder)") }, "\(report.text)")
    }

    @Test func anEntryOverTheSizeLimit() throws {
        let report = try crafted("huge", String(100 << 30))
        expectSafetyFailure(report, "\(PackFixture.name)/data/huge.bin", "size 107374182400 bytes exceeds the limit of \(16 << 30) bytes per entry")
        // A smaller limit catches a real entry of the pack, with its name.
        let small = try crafted("none", limits: VerifyLimits(maxEntrySize: 1000))
        expectSafetyFailure(small, "\(PackFixture.name)/data/inputs/records.jsonl", "exceeds the limit of 1000 bytes per entry")
        let total = try crafted("none", limits: VerifyLimits(maxTotalSize: 3000))
        #expect(total.failures.contains { $0.step == .safety && $0.reason.contains("entries add up to more than the limit of 3000 bytes") }, "\(total.text)")
        let entries = try crafted("none", limits: VerifyLimits(maxEntries: 5))
        #expect(entries.failures.contains { $0.reason.contains("more than 5 entries") }, "\(entries.text)")
    }

    @Test func aDecompressionBomb() throws {
        // 256 MiB of zeros in about 250 KB: stopped by the ratio long before the end.
        let report = try crafted("bomb", String(256 << 20))
        expectSafetyFailure(report, "\(PackFixture.name)/data/zeros.bin", "decompression bomb")
    }

    @Test func notAnArchiveAtAll() throws {
        let folder = TestPaths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("pack.tar.gz")
        try Data("hello, I am not a tar archive\n".utf8).write(to: file)
        let report = try PackVerifier.verify(file.path)
        #expect(!report.verified)
        #expect(report.failures.first?.file == file.path)
        #expect(report.failures.first?.reason.contains("not a readable tar archive") == true)

        // A truncated archive: the cut is named, and so is every file it lost.
        let pack = try PackFixture.sealed(compression: .none, records: 2000)
        defer { try? FileManager.default.removeItem(at: pack.folder.deletingLastPathComponent()) }
        let bytes = try Data(contentsOf: pack.archive)
        try bytes.prefix(bytes.count / 2).write(to: file)
        let cut = try PackVerifier.verify(file.path)
        #expect(cut.failures.contains { $0.reason.contains("corrupt or truncated") }, "\(cut.text)")
        #expect(cut.failures.contains { $0.step == .bagit && $0.reason.contains("missing") })
        #expect(throws: PackError.self) { try PackVerifier.verify(folder.appendingPathComponent("nothing-here").path) }
    }

    @Test func aFolderWithALinkOrAFifo() throws {
        let pack = try PackFixture.sealed()
        defer { try? FileManager.default.removeItem(at: pack.folder.deletingLastPathComponent()) }
        try FileManager.default.createSymbolicLink(atPath: pack.folder.appendingPathComponent("data/link").path, withDestinationPath: "/etc/passwd")
        #expect(mkfifo(pack.folder.appendingPathComponent("data/pipe").path, 0o644) == 0)
        let report = try PackVerifier.verify(pack.folder.path)
        expectFailure([report], .safety, "data/link", "is a symbolic link")
        expectFailure([report], .safety, "data/pipe", "is a fifo")
        #expect(report.text.contains("folder safety"))
    }

    /// A payload file with a second name (here outside the pack) fails the safety step, named,
    /// though its bytes still match the manifests.
    @Test func aFolderFileWithAHardLink() throws {
        let pack = try PackFixture.sealed(key: PackFixture.key(5))
        let parent = pack.folder.deletingLastPathComponent()
        defer { try? FileManager.default.removeItem(at: parent) }
        let inside = pack.folder.appendingPathComponent("data/index.html")
        let outside = parent.appendingPathComponent("outside.html")
        #expect(rename(inside.path, outside.path) == 0)
        #expect(link(outside.path, inside.path) == 0)
        let report = try PackVerifier.verify(pack.folder.path, options: VerifyOptions(key: PackFixture.key(5).publicKey))
        expectFailure([report], .safety, "data/index.html", "has 2 hard links")
        #expect(report.failures.filter { $0.step != .replay }.count == 1, "only the link is wrong:\n\(report.text)")
    }

    @Test func jsonReportHasEveryFailure() throws {
        let reports = try attacked { try FileManager.default.removeItem(at: $0.appendingPathComponent("data/junit.xml")) }
        let json = reports[1].json
        #expect(json["verified"] == .bool(false))
        #expect(json["kind"]?.stringValue == "archive" && json["compression"]?.stringValue == "gzip")
        let failures = json["failures"]?.arrayValue ?? []
        #expect(failures.count == reports[1].failures.count && failures.count >= 3)
        #expect(failures.contains { $0["file"]?.stringValue == "data/junit.xml" && $0["step"]?.stringValue == "bagit" })
        #expect(json["steps"]?.arrayValue?.map { $0["step"]?.stringValue ?? "" } == ["safety", "bagit", "signature", "replay"])
        #expect(json["bag_info"]?["Production-Decision"]?.stringValue == "NO-GO BLOCKED_PENDING_DRY_RUN")
    }
}

/// Recomputes the manifests of a folder the way an attacker would, without the signing key.
func rebag(_ folder: URL) throws {
    let info = try String(contentsOf: folder.appendingPathComponent("bag-info.txt"), encoding: .utf8)
    let fields = info.split(separator: "\n").map { line -> BagInfo.Field in
        let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        return BagInfo.Field(parts[0], parts[1])
    }
    let bagInfo = BagInfo(
        asOf: PackFixture.asOf, payloadChecksum: fields.first { $0.label == "External-Identifier" }!.value,
        productionDecision: fields.first { $0.label == "Production-Decision" }!.value)
    _ = try BagWriter.write(folder: folder.path, name: PackFixture.name, info: bagInfo, signingKey: nil)
}
