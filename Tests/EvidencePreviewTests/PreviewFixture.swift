import EvidenceKit
@testable import EvidencePreview
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport

/// A served folder in a temporary place, with a secret file beside it (outside the folder) that
/// no response may ever contain.
struct PreviewFixture {
    let root: URL
    let folder: URL
    let secret: String

    init() throws {
        root = TestPaths.temporaryFolder("evpack-preview")
        folder = root.appendingPathComponent("packs")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        secret = "TOP-SECRET-\(UUID().uuidString)"
        try Data((secret + "\n").utf8).write(to: root.appendingPathComponent("secret.txt"))
    }

    func remove() { try? FileManager.default.removeItem(at: root) }

    var secretPath: String { root.appendingPathComponent("secret.txt").path }

    /// The payload files of a small pack: pages, XML, packets and inputs.
    static func files(title: String, extra: [String: [UInt8]] = [:]) -> [String: [UInt8]] {
        var files: [String: [UInt8]] = [
            "data/index.html": Array("<!DOCTYPE html><title>\(title)</title><p>overview of \(title)</p>\n".utf8),
            "data/release.html": Array("<!DOCTYPE html><title>release</title>\n".utf8),
            "data/evidence.xml": Array("<?xml version=\"1.0\" encoding=\"UTF-8\"?><evidence session=\"\(title)\"/>\n".utf8),
            "data/packets/release.env": Array("BFG_RELEASE_DECISION=GO\n".utf8),
            "data/packets/runbook.sql": Array("-- ProductionAdapterMigrationRunbook.v1\nSELECT 1;\n".utf8),
            "data/inputs/options.json": Array("{\"window\":\"24h\"}\n".utf8),
            "data/inputs/records.jsonl": Array((0..<200).map { "{\"kind\":\"audit\",\"id\":\"a\($0)\"}\n" }.joined().utf8),
            "data/packets/preflight.txt": Array("ProductionAdapterMigrationPreflight.v1 session=\(title)\n".utf8),
        ]
        files.merge(extra) { $1 }
        return files
    }

    /// Seals a pack named `evidence-<session>-bfg-<hex>` in the folder: its folder and its archive.
    @discardableResult
    func pack(
        session: String, hex: String = "89abcdef", asOf: String = "2026-11-20T09:00:00Z", decision: String = "NO-GO BLOCKED_PENDING_DRY_RUN",
        compression: Compression = .gzip, files: [String: [UInt8]]? = nil, keep: Keep = .both
    ) throws -> PackResult {
        let name = "evidence-\(session)-bfg-\(hex)"
        let work = folder.appendingPathComponent(".\(name).partial-\(UUID().uuidString)")
        for (path, bytes) in files ?? Self.files(title: session) {
            let url = work.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(bytes).write(to: url)
        }
        let info = BagInfo(
            asOf: Instant(rfc3339: asOf)!, payloadChecksum: hex + String(repeating: "0", count: 56), productionDecision: decision)
        let result = try PackWriter.finish(
            folder: work, name: name, info: info, options: PackOptions(compression: compression, mtime: 1_700_000_000))
        switch keep {
        case .both: break
        case .folder: try FileManager.default.removeItem(at: result.archive)
        case .archive: try FileManager.default.removeItem(at: result.folder)
        }
        return result
    }

    enum Keep { case both, folder, archive }

    /// Writes an arbitrary tar archive into the folder with Python's tarfile: the hostile ones.
    func hostileArchive(_ name: String, _ program: String) throws {
        let script = """
            import io, sys, tarfile
            path = sys.argv[1]
            def add(t, name, data=b"x\\n", kind=tarfile.REGTYPE, link=""):
                info = tarfile.TarInfo(name); info.type = kind; info.linkname = link; info.size = len(data) if kind == tarfile.REGTYPE else 0
                info.mode = 0o644; info.mtime = 1700000000
                t.addfile(info, io.BytesIO(data) if kind == tarfile.REGTYPE else None)
            with tarfile.open(path, "w:gz", format=tarfile.PAX_FORMAT) as t:
            \(program.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
            """
        let result = try Run.python(script, [folder.appendingPathComponent(name).path])
        #expect(result.status == 0, "\(result.stderr)")
    }

    func library(cache: CachePolicy = CachePolicy()) -> PackLibrary {
        PackLibrary(folder: folder.path, cache: cache)
    }

    /// Runs `test` against the preview's router, without a socket.
    func withClient<T: Sendable>(
        cache: CachePolicy = CachePolicy(), _ test: @Sendable (any TestClientProtocol, PackLibrary) async throws -> T
    ) async throws -> T {
        let library = library(cache: cache)
        let app = Application(router: ServeAction.router(library: library))
        return try await app.test(.router) { client in try await test(client, library) }
    }
}

extension TestResponse {
    var text: String { String(decoding: Array(body.readableBytesView), as: UTF8.self) }
    var bytes: [UInt8] { Array(body.readableBytesView) }
}

/// The SHA-256 of bytes, as the manifests write it.
func sha256Hex(_ bytes: [UInt8]) -> String {
    Checksum.sha256Hex(bytes)
}
