import Foundation
import Testing
import TestSupport
@testable import EvidenceKit

/// The BagIt bag and the deterministic archive, checked by tools we did not write.
@Suite struct PackWriterTests {
    @Test func bagFilesAreWrittenAndBagitPyValidatesThem() throws {
        let pack = try PackFixture.sealed()
        defer { try? FileManager.default.removeItem(at: pack.folder.deletingLastPathComponent()) }
        #expect(pack.folder.lastPathComponent == PackFixture.name)
        #expect(pack.archive.lastPathComponent == PackFixture.name + ".tar.gz")
        let declaration = try String(contentsOf: pack.folder.appendingPathComponent("bagit.txt"), encoding: .utf8)
        #expect(declaration == "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")

        let payload = PackFixture.payload()
        let octets = payload.reduce(0) { $0 + $1.1.count }
        let info = try String(contentsOf: pack.folder.appendingPathComponent("bag-info.txt"), encoding: .utf8)
        #expect(info == """
            Bag-Software-Agent: evpack \(EvidencePack.version)
            Bagging-Date: 2026-11-20
            Evidence-As-Of: 2026-11-20T09:00:00Z
            External-Identifier: \(PackFixture.payloadChecksum)
            Payload-Oxum: \(octets).\(payload.count)
            Production-Decision: NO-GO BLOCKED_PENDING_DRY_RUN

            """)
        #expect(pack.bag.payloadOxum == "\(octets).\(payload.count)")

        let manifest = try String(contentsOf: pack.folder.appendingPathComponent("manifest-sha256.txt"), encoding: .utf8)
        let lines = manifest.split(separator: "\n").map(String.init)
        #expect(lines.count == payload.count)
        #expect(lines == lines.sorted { $0.split(separator: " ").last!.utf8.lexicographicallyPrecedes($1.split(separator: " ").last!.utf8) })
        #expect(lines.contains("\(Checksum.sha256Hex(Array("<testsuites/>\n".utf8)))  data/junit.xml"))
        let tags = try String(contentsOf: pack.folder.appendingPathComponent("tagmanifest-sha256.txt"), encoding: .utf8)
        #expect(tags.split(separator: "\n").map { $0.split(separator: " ").last! } == ["bag-info.txt", "bagit.txt", "manifest-sha256.txt"])
        #expect(!FileManager.default.fileExists(atPath: pack.folder.appendingPathComponent("signature.json").path))

        let bagit = try Run.process("python3", ["-m", "bagit", "--validate", pack.folder.path])
        #expect(bagit.status == 0, "bagit.py: \(bagit.stderr)")
        #expect(bagit.stderr.contains("is valid"))
        // Auditors without bagit.py: sha256sum reads both manifests.
        for manifestName in ["manifest-sha256.txt", "tagmanifest-sha256.txt"] {
            let check = try Run.process("sha256sum", ["--strict", "-c", manifestName], currentDirectory: pack.folder.path)
            #expect(check.status == 0, "\(manifestName): \(check.stdout)\(check.stderr)")
        }
    }

    @Test func bagitPyRejectsATamperedFolderToo() throws {
        // The test above could pass with a validator that accepts anything: this one must fail.
        let pack = try PackFixture.sealed()
        defer { try? FileManager.default.removeItem(at: pack.folder.deletingLastPathComponent()) }
        try Data("changed\n".utf8).write(to: pack.folder.appendingPathComponent("data/junit.xml"))
        let bagit = try Run.process("python3", ["-m", "bagit", "--validate", pack.folder.path])
        #expect(bagit.status != 0)
    }

    @Test(arguments: Compression.allCases)
    func rebuildsAreByteIdentical(_ compression: Compression) throws {
        // Different folders, different moments, the same inputs: the same bytes.
        let first = try PackFixture.sealed(compression: compression)
        Thread.sleep(forTimeInterval: 1.1)
        let second = try PackFixture.sealed(compression: compression)
        defer {
            try? FileManager.default.removeItem(at: first.folder.deletingLastPathComponent())
            try? FileManager.default.removeItem(at: second.folder.deletingLastPathComponent())
        }
        #expect(first.archive.lastPathComponent == PackFixture.name + compression.fileExtension)
        #expect(try PackFixture.sha256(first.archive) == PackFixture.sha256(second.archive))
        // And a different payload gives different bytes: the comparison can fail.
        let other = try PackFixture.sealed(compression: compression, records: 51)
        defer { try? FileManager.default.removeItem(at: other.folder.deletingLastPathComponent()) }
        #expect(try PackFixture.sha256(other.archive) != PackFixture.sha256(first.archive))
    }

    @Test func signedRebuildsAreByteIdentical() throws {
        let first = try PackFixture.sealed(key: PackFixture.key(7))
        let second = try PackFixture.sealed(key: PackFixture.key(7))
        defer {
            try? FileManager.default.removeItem(at: first.folder.deletingLastPathComponent())
            try? FileManager.default.removeItem(at: second.folder.deletingLastPathComponent())
        }
        #expect(try PackFixture.sha256(first.archive) == PackFixture.sha256(second.archive))
    }

    /// Python's tarfile reads every header field of the archive.
    static let describeArchive = #"""
        import sys, tarfile, json
        out = []
        with tarfile.open(sys.argv[1]) as t:
            for m in t.getmembers():
                out.append({"name": m.name, "type": m.type.decode(), "mode": m.mode, "uid": m.uid, "gid": m.gid,
                            "uname": m.uname, "gname": m.gname, "mtime": m.mtime, "size": m.size,
                            "pax": {k: v for k, v in m.pax_headers.items()}})
        print(json.dumps(out))
        """#

    struct Member: Decodable {
        var name: String, type: String, mode: Int, uid: Int, gid: Int, uname: String, gname: String, mtime: Int, size: Int
        var pax: [String: String]
    }

    @Test(arguments: Compression.allCases)
    func archiveHeadersCarryNothingOfTheMachine(_ compression: Compression) throws {
        let pack = try PackFixture.sealed(compression: compression, key: PackFixture.key(1))
        defer { try? FileManager.default.removeItem(at: pack.folder.deletingLastPathComponent()) }
        let archive = compression == .zstd ? try decompressZstd(pack.archive) : pack.archive
        let result = try Run.python(Self.describeArchive, [archive.path])
        #expect(result.status == 0, "\(result.stderr)")
        let members = try JSONDecoder().decode([Member].self, from: result.stdoutData)
        let names = members.map(\.name)
        #expect(names.first == PackFixture.name)
        // Sorted by name, a folder's name taken with its trailing slash (so it precedes its contents).
        let keys = members.map { $0.name + ($0.type == "5" ? "/" : "") }
        #expect(keys == keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        #expect(Set(names).count == names.count)
        #expect(names.allSatisfy { $0 == PackFixture.name || $0.hasPrefix(PackFixture.name + "/") })
        for expected in ["bagit.txt", "bag-info.txt", "manifest-sha256.txt", "tagmanifest-sha256.txt", "signature.json", "data", "data/packets", PackFixture.longName] {
            #expect(names.contains(PackFixture.name + "/" + expected), "missing \(expected)")
        }
        for member in members {
            #expect(member.uid == 0 && member.gid == 0 && member.uname.isEmpty && member.gname.isEmpty, "\(member.name)")
            #expect(member.mtime == Int(PackFixture.asOf.seconds), "\(member.name)")
            #expect(member.mode == (member.type == "5" ? 0o755 : 0o644), "\(member.name) mode \(String(member.mode, radix: 8))")
            #expect(member.type == "0" || member.type == "5", "\(member.name) type \(member.type)")
            #expect(Set(member.pax.keys).isSubset(of: ["path", "size"]), "\(member.name) pax \(member.pax)")
        }
        #expect(members.first { $0.name.hasSuffix(PackFixture.longName) }?.pax["path"] != nil)
        let bytes = Array(try Data(contentsOf: pack.archive))
        switch compression {
        case .gzip:
            // gzip header: magic, deflate, no FNAME/FCOMMENT flags, MTIME zero.
            #expect(bytes[0] == 0x1F && bytes[1] == 0x8B && bytes[2] == 8)
            #expect(bytes[3] & 0x18 == 0)
            #expect(bytes[4..<8].allSatisfy { $0 == 0 })
            #expect(try Run.process("gzip", ["-t", pack.archive.path]).status == 0)
        case .zstd:
            #expect(bytes[0..<4] == [0x28, 0xB5, 0x2F, 0xFD])
        case .none:
            // 512-byte blocks ending with the two zero blocks of the end of the archive.
            #expect(bytes.count % 512 == 0 && bytes.suffix(1024).allSatisfy { $0 == 0 })
        }
        // Nothing of the machine: no user or host name anywhere in the archive bytes.
        let plain = Array(try Data(contentsOf: archive))
        let text = String(decoding: compression == .gzip ? try gunzip(pack.archive) : plain, as: UTF8.self)
        for secret in [ProcessInfo.processInfo.hostName, NSUserName(), pack.folder.deletingLastPathComponent().path] where secret.count > 2 {
            #expect(!text.contains(secret), "archive holds \(secret)")
        }
    }

    @Test func sourceDateEpochSetsTheArchiveTime() throws {
        #expect(try PackWriter.archiveTime(asOf: PackFixture.asOf, sourceDateEpoch: nil) == PackFixture.asOf.seconds)
        #expect(try PackWriter.archiveTime(asOf: PackFixture.asOf, sourceDateEpoch: "") == PackFixture.asOf.seconds)
        #expect(try PackWriter.archiveTime(asOf: PackFixture.asOf, sourceDateEpoch: "1700000000") == 1_700_000_000)
        #expect(throws: PackError.self) { try PackWriter.archiveTime(asOf: PackFixture.asOf, sourceDateEpoch: "yesterday") }
        #expect(throws: PackError.self) { try PackWriter.archiveTime(asOf: PackFixture.asOf, sourceDateEpoch: "-5") }
        let pack = try PackFixture.sealed(compression: .none, mtime: 1_700_000_000)
        defer { try? FileManager.default.removeItem(at: pack.folder.deletingLastPathComponent()) }
        let members = try JSONDecoder().decode([Member].self, from: try Run.python(Self.describeArchive, [pack.archive.path]).stdoutData)
        #expect(!members.isEmpty && members.allSatisfy { $0.mtime == 1_700_000_000 })

        let options = try PackSetup.options(compression: "zstd", asOf: PackFixture.asOf, environment: ["SOURCE_DATE_EPOCH": "1234"])
        #expect(options.mtime == 1234 && options.compression == .zstd && options.signingKey == nil)
        #expect(throws: InputError.self) { try PackSetup.options(compression: "xz", asOf: PackFixture.asOf, environment: [:]) }
        #expect(throws: InputError.self) { try PackSetup.options(asOf: PackFixture.asOf, environment: ["SOURCE_DATE_EPOCH": "soon"]) }
        #expect(throws: InputError.self) { try PackSetup.options(signKeyPath: "/nonexistent.key", asOf: PackFixture.asOf, environment: [:]) }
    }

    @Test func finishReplacesAnEarlierPackAndLeavesNoTemporaryNames() throws {
        let root = TestPaths.temporaryFolder("evpack-pack")
        defer { try? FileManager.default.removeItem(at: root) }
        _ = try PackFixture.sealed(in: root)
        try Data("stale\n".utf8).write(to: root.appendingPathComponent(PackFixture.name + "/data/stale.txt"))
        let second = try PackFixture.sealed(key: PackFixture.key(3), records: 10, in: root)
        let listing = try FileManager.default.contentsOfDirectory(atPath: root.path).sorted()
        #expect(listing == [PackFixture.name, PackFixture.name + ".tar.gz"])
        #expect(!FileManager.default.fileExists(atPath: second.folder.appendingPathComponent("data/stale.txt").path))
        #expect(FileManager.default.fileExists(atPath: second.folder.appendingPathComponent("signature.json").path))
        let bagit = try Run.process("python3", ["-m", "bagit", "--validate", second.folder.path])
        #expect(bagit.status == 0, "\(bagit.stderr)")
    }

    @Test func aFolderThatCannotBePackedLeavesNoArchive() throws {
        let root = TestPaths.temporaryFolder("evpack-pack")
        defer { try? FileManager.default.removeItem(at: root) }
        let work = root.appendingPathComponent(".partial")
        try PackFixture.writePayload(into: work)
        try FileManager.default.createSymbolicLink(atPath: work.appendingPathComponent("data/link").path, withDestinationPath: "/etc/passwd")
        #expect {
            try PackWriter.finish(folder: work, name: PackFixture.name, info: PackFixture.info, options: PackOptions(mtime: 0))
        } throws: { error in
            (error as? PackError)?.description.contains("data/link: is a symbolic link") == true
        }
        let listing = try FileManager.default.contentsOfDirectory(atPath: root.path)
        #expect(listing == [".partial"])

        // Files beside data/ that are not bag files are refused, and so are unsafe names.
        try FileManager.default.removeItem(atPath: work.appendingPathComponent("data/link").path)
        try Data().write(to: work.appendingPathComponent("notes.txt"))
        #expect(throws: PackError.self) {
            try PackWriter.finish(folder: work, name: PackFixture.name, info: PackFixture.info, options: PackOptions(mtime: 0))
        }
        try FileManager.default.removeItem(atPath: work.appendingPathComponent("notes.txt").path)
        for bad in ["", "../x", ".hidden", "a/b", "a b"] {
            #expect(throws: PackError.self) {
                try PackWriter.finish(folder: work, name: bad, info: PackFixture.info, options: PackOptions(mtime: 0))
            }
        }
        var info = PackFixture.info
        info.productionDecision = "GO\nInjected: yes"
        #expect(throws: PackError.self) {
            try PackWriter.finish(folder: work, name: PackFixture.name, info: info, options: PackOptions(mtime: 0))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.path) == [".partial"])
    }

    @Test func manifestPathsArePercentEncoded() {
        let entries = [BagIt.ManifestEntry(path: "data/a%b\nc", sha256: String(repeating: "a", count: 64))]
        let text = BagIt.manifest(entries)
        #expect(text == String(repeating: "a", count: 64) + "  data/a%25b%0Ac\n")
        #expect(BagIt.parseManifest(Array(text.utf8)).entries == entries)
        let bad = BagIt.parseManifest(Array("xyz data/a\n\(String(repeating: "b", count: 64))\n".utf8))
        #expect(bad.entries.isEmpty && bad.problems.map(\.line) == [1, 2])
    }

    /// RFC 8493 §2.1: a tag file's lines end in LF, CR LF or CR; line numbers count each ending once.
    @Test func tagFilesWithCRLFAndCRLineEndingsAreRead() {
        let a = String(repeating: "a", count: 64), b = String(repeating: "b", count: 64)
        let manifest = BagIt.parseManifest(Array("\(a)  data/one\r\n\(b)  data/two\rnot a line\r\n".utf8))
        #expect(manifest.entries == [BagIt.ManifestEntry(path: "data/one", sha256: a), BagIt.ManifestEntry(path: "data/two", sha256: b)])
        #expect(manifest.problems.map(\.line) == [3])
        let tags = BagIt.parseTags(Array("BagIt-Version: 1.0\r\nTag-File-Character-Encoding: UTF-8\r\n".utf8))
        #expect(tags.tags.map(\.label) == ["BagIt-Version", "Tag-File-Character-Encoding"])
        #expect(tags.tags.map(\.value) == ["1.0", "UTF-8"])
        #expect(tags.problems.isEmpty)
    }

    func decompressZstd(_ archive: URL) throws -> URL {
        let out = archive.deletingLastPathComponent().appendingPathComponent("plain.tar")
        let result = try Run.process("zstd", ["-q", "-d", "-f", archive.path, "-o", out.path])
        #expect(result.status == 0, "\(result.stderr)")
        return out
    }

    func gunzip(_ archive: URL) throws -> [UInt8] {
        let result = try Run.process("gzip", ["-d", "-c", archive.path])
        return Array(result.stdoutData)
    }
}
