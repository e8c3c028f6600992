import Foundation
import Testing
import TestSupport
@testable import EvidenceKit

/// The gzip archive compressed in blocks on worker threads (`ParallelGzip`): one valid gzip
/// stream that standard tools read, holding exactly the tar stream, the same bytes on 1, 2 or 4 workers.
@Suite struct ParallelGzipTests {
    /// A bag folder whose tar stream spans several gzip blocks: text that compresses and bytes that do not.
    static func bigPack(in root: URL) throws -> PackResult {
        let work = root.appendingPathComponent(".\(PackFixture.name).partial")
        try PackFixture.writePayload(into: work, records: 40_000)
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        var noise = [UInt8](repeating: 0, count: ParallelGzip.blockSize + 12_345)
        for i in noise.indices {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            noise[i] = UInt8(truncatingIfNeeded: state >> 33)
        }
        try Data(noise).write(to: work.appendingPathComponent("data/noise.bin"))
        return try PackWriter.finish(folder: work, name: PackFixture.name, info: PackFixture.info, options: PackOptions(mtime: PackFixture.asOf.seconds))
    }

    @Test func theSameBytesWhateverTheNumberOfWorkersAndExactlyTheTarStream() throws {
        let root = TestPaths.temporaryFolder("evpack-pgzip")
        defer { try? FileManager.default.removeItem(at: root) }
        let pack = try Self.bigPack(in: root)
        let plain = root.appendingPathComponent("plain.tar")
        try ArchiveWriter.write(folder: pack.folder.path, topFolder: PackFixture.name, to: plain.path, compression: .none, mtime: PackFixture.asOf.seconds)
        let tar = try Data(contentsOf: plain)
        #expect(tar.count > 3 * ParallelGzip.blockSize, "the test needs several blocks: \(tar.count) bytes")

        var digests: [Int: String] = [:]
        for workers in [1, 2, 4] {
            let archive = root.appendingPathComponent("w\(workers).tar.gz")
            try ArchiveWriter.write(
                folder: pack.folder.path, topFolder: PackFixture.name, to: archive.path, compression: .gzip, mtime: PackFixture.asOf.seconds,
                workers: workers)
            digests[workers] = try PackFixture.sha256(archive)
        }
        #expect(Set(digests.values).count == 1, "\(digests)")
        #expect(digests[1] == (try PackFixture.sha256(pack.archive)), "the build's archive uses the default workers")

        let archive = pack.archive.path
        let bytes = Array(try Data(contentsOf: pack.archive))
        #expect(bytes.prefix(10) == ArraySlice(ParallelGzip.header))
        // gzip, Python's gzip module and tar read it; what they get is the tar stream itself.
        let gzipTest = try Run.process("gzip", ["-t", archive])
        #expect(gzipTest.status == 0, "\(gzipTest.stderr)")
        let python = try Run.python(
            "import gzip, sys; data = gzip.decompress(open(sys.argv[1], 'rb').read()); sys.stdout.buffer.write(data)", [archive])
        #expect(python.status == 0, "\(python.stderr)")
        #expect(python.stdoutData == tar)
        let list = try Run.process("tar", ["-tzf", archive])
        #expect(list.status == 0 && list.stdout.contains("\(PackFixture.name)/data/noise.bin"), "\(list.stderr)")
        // The blocks end with a sync flush: the empty stored block 00 00 FF FF, once per block.
        let marker: [UInt8] = [0, 0, 0xFF, 0xFF]
        let flushes = bytes.indices.dropLast(3).filter { Array(bytes[$0..<$0 + 4]) == marker }.count
        #expect(flushes >= tar.count / ParallelGzip.blockSize, "\(flushes) sync flushes")
        // evpack verify reads it, checking the CRC, the length and what follows.
        let report = try PackVerifier.verify(archive, options: VerifyOptions(replay: false))
        #expect(report.verified, "\(report.text)")
    }

    @Test func aSmallPackIsOneBlock() throws {
        let root = TestPaths.temporaryFolder("evpack-pgzip-small")
        defer { try? FileManager.default.removeItem(at: root) }
        let work = root.appendingPathComponent("folder")
        try FileManager.default.createDirectory(at: work.appendingPathComponent("data"), withIntermediateDirectories: true)
        let archive = root.appendingPathComponent("small.tar.gz")
        let other = root.appendingPathComponent("small-3.tar.gz")
        let plain = root.appendingPathComponent("small.tar")
        try ArchiveWriter.write(folder: work.path, topFolder: "small", to: archive.path, compression: .gzip, mtime: 0, workers: 1)
        try ArchiveWriter.write(folder: work.path, topFolder: "small", to: other.path, compression: .gzip, mtime: 0, workers: 3)
        #expect(try PackFixture.sha256(archive) == PackFixture.sha256(other))
        try ArchiveWriter.write(folder: work.path, topFolder: "small", to: plain.path, compression: .none, mtime: 0)
        #expect(try Run.process("gzip", ["-t", archive.path]).status == 0)
        let out = try Run.process("gzip", ["-dc", archive.path])
        #expect(out.stdoutData == (try Data(contentsOf: plain)))
        #expect(try Run.process("tar", ["-tzf", archive.path]).stdout == "small/\nsmall/data/\n")
    }

    @Test func aBadGzipTrailerIsStillCaught() throws {
        // The trailer is written here now: its CRC must be the stream's, which verify checks.
        let root = TestPaths.temporaryFolder("evpack-pgzip-crc")
        defer { try? FileManager.default.removeItem(at: root) }
        let pack = try Self.bigPack(in: root)
        var bytes = Array(try Data(contentsOf: pack.archive))
        bytes[bytes.count - 6] ^= 0x40
        try Data(bytes).write(to: pack.archive)
        #expect(try Run.process("gzip", ["-t", pack.archive.path]).status != 0)
        let report = try PackVerifier.verify(pack.archive.path, options: VerifyOptions(replay: false))
        #expect(!report.verified)
    }
}
