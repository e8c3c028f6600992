import Foundation
import Testing
import TestSupport
@testable import EvidenceKit

/// A compressed stream must be intact to its end (SPEC §6): a bad CRC, a cut stream, bytes
/// after the end fail archive safety — for `verify` and for the preview's scan alike.
@Suite(.timeLimit(.minutes(2))) struct ArchiveIntegrityTests {
    /// A sealed pack's archive in `compression`, damaged by `damage` (given the archive's bytes).
    func damaged(_ compression: Compression, _ damage: (inout [UInt8]) throws -> Void) throws -> (report: VerifyReport, scan: PackScan) {
        let pack = try PackFixture.sealed(compression: compression)
        defer { try? FileManager.default.removeItem(at: pack.folder.deletingLastPathComponent()) }
        var bytes = Array(try Data(contentsOf: pack.archive))
        try damage(&bytes)
        try Data(bytes).write(to: pack.archive)
        let report = try PackVerifier.verify(pack.archive.path)
        let scan = try PackScanner.scan(pack.archive.path, keepFilesUpTo: 1 << 20, budget: 1 << 20)
        return (report, scan)
    }

    func expectFailed(_ result: (report: VerifyReport, scan: PackScan), _ reason: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let safety = result.report.steps[0]
        #expect(safety.status == .failed, "\(result.report.text)", sourceLocation: sourceLocation)
        #expect(safety.failures.contains { $0.reason.contains(reason) }, "\(result.report.text)", sourceLocation: sourceLocation)
        #expect(!result.report.verified, sourceLocation: sourceLocation)
        #expect(!result.report.text.contains("VERIFIED: every check holds"), sourceLocation: sourceLocation)
        #expect(!result.report.text.contains("replayed)"), sourceLocation: sourceLocation)
        // The preview reads archives the same way: such a pack is unsafe there too.
        #expect(result.scan.safety.contains { $0.reason.contains(reason) }, "\(result.scan.safety)", sourceLocation: sourceLocation)
    }

    @Test(arguments: Compression.allCases)
    func anIntactArchiveVerifies(_ compression: Compression) throws {
        let result = try damaged(compression) { _ in }
        #expect(result.report.verified, "\(result.report.text)")
        #expect(result.scan.safety.isEmpty)
    }

    @Test func aGzipWithABadCRC() throws {
        // The trailer: CRC-32 (4 bytes), then the length (4 bytes).
        expectFailed(try damaged(.gzip) { $0[$0.count - 8] ^= 0x01 }, "incorrect data check")
        expectFailed(try damaged(.gzip) { $0[$0.count - 1] ^= 0x01 }, "incorrect length check")
    }

    @Test func bytesAfterTheEndOfAGzipStream() throws {
        expectFailed(try damaged(.gzip) { $0 += Array("garbage after the stream".utf8) }, "bytes after the end of the gzip stream")
        expectFailed(try damaged(.gzip) { $0 += [0] }, "bytes after the end of the gzip stream")
        // A second gzip member is gzip, but what it holds lies after the tar's end.
        let member = try Run.python("import gzip, sys; sys.stdout.buffer.write(gzip.compress(b'appended after the tar', mtime=0))")
        expectFailed(try damaged(.gzip) { $0 += Array(member.stdoutData) }, "bytes after the end of the archive")
    }

    @Test func aCutGzipStream() throws {
        expectFailed(try damaged(.gzip) { $0.removeLast(4) }, "cut short")
        expectFailed(try damaged(.gzip) { $0.removeLast($0.count / 3) }, "cut short")
    }

    @Test func bytesAfterTheEndOfAPlainTar() throws {
        expectFailed(try damaged(.none) { $0 += Array("garbage".utf8) }, "bytes after the end of the archive")
        // Zero padding to a record size (what tar itself writes) is no damage.
        let padded = try damaged(.none) { $0 += [UInt8](repeating: 0, count: 10240 - $0.count % 10240) }
        #expect(padded.report.verified, "\(padded.report.text)")
    }

    @Test func zstdTrailingBytesAndACutStream() throws {
        expectFailed(try damaged(.zstd) { $0 += Array("garbage after the frame".utf8) }, "damaged zstd stream")
        expectFailed(try damaged(.zstd) { $0.removeLast(3) }, "damaged zstd stream")
    }

    /// The `zstd` tool writes a frame checksum (XXH64, the last 4 bytes): a wrong one fails.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/zstd")))
    func aZstdFrameWithABadChecksum() throws {
        let pack = try PackFixture.sealed(compression: .none)
        let root = pack.folder.deletingLastPathComponent()
        defer { try? FileManager.default.removeItem(at: root) }
        let zst = root.appendingPathComponent("checked.tar.zst")
        let made = try Run.process("/usr/bin/zstd", ["-q", "--check", pack.archive.path, "-o", zst.path])
        #expect(made.status == 0, "\(made.stderr)")
        let good = try PackVerifier.verify(zst.path)
        #expect(good.verified && good.compression == "zstd", "\(good.text)")
        var bytes = Array(try Data(contentsOf: zst))
        bytes[bytes.count - 1] ^= 0x01
        try Data(bytes).write(to: zst)
        let bad = try PackVerifier.verify(zst.path)
        #expect(bad.steps[0].failures.contains { $0.reason.contains("zstd") }, "\(bad.text)")
        #expect(!bad.verified)
    }
}
