import Foundation
import TestSupport
@testable import EvidenceKit

/// Small pack folders for the pack and verify tests: a `data/` tree with nested files.
enum PackFixture {
    static let name = "evidence-fixture-session-bfg-0123abcd"
    static let asOf = Instant(rfc3339: "2026-11-20T09:00:00Z")!
    static let payloadChecksum = "0123abcd" + String(repeating: "5e", count: 28)
    static let info = BagInfo(asOf: asOf, payloadChecksum: payloadChecksum, productionDecision: "NO-GO BLOCKED_PENDING_DRY_RUN")

    /// A name long enough to need a pax extended header (over 100 bytes with the folders).
    static let longName = "data/packets/" + String(repeating: "long-packet-name-", count: 6) + "end.txt"

    /// The payload files, by path inside the bag.
    static func payload(records: Int = 50) -> [(String, [UInt8])] {
        var lines = ""
        for i in 0..<records {
            lines += #"{"kind":"audit","id":"a-\#(i)","recorded_at":"2026-11-20T08:\#(String(format: "%02d", i % 60)):00Z","action":"signoff.recorded"}"# + "\n"
        }
        return [
            ("data/index.html", Array("<!doctype html><title>Production NO-GO</title><p>NO-GO — BLOCKED_PENDING_DRY_RUN</p>\n".utf8)),
            ("data/evidence.xml", Array("<?xml version=\"1.0\"?>\n<evidence decision=\"NO-GO\"/>\n".utf8)),
            ("data/junit.xml", Array("<testsuites/>\n".utf8)),
            ("data/packets/preflight.txt", Array("ProductionAdapterMigrationPreflight.v1 schema=x\n".utf8)),
            ("data/packets/release.env", Array("BFG_RELEASE_DECISION=BLOCKED_PENDING_DRY_RUN\n".utf8)),
            ("data/inputs/snapshot.json", Array("{\"schema\": \"BFGScenarioSnapshot.v1\"}\n".utf8)),
            ("data/inputs/records.jsonl", Array(lines.utf8)),
            ("data/inputs/options.json", Array("{\"window\": \"24h\"}\n".utf8)),
            ("data/schema/evidence-pack.xsd", Array("<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\"/>\n".utf8)),
            (longName, Array("long\n".utf8)),
            ("data/empty.txt", []),
        ]
    }

    /// Writes the payload under `folder/data/`.
    static func writePayload(into folder: URL, records: Int = 50) throws {
        for (path, bytes) in payload(records: records) {
            let url = folder.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(bytes).write(to: url)
        }
    }

    /// A sealed pack in a new temporary folder: built in `.<name>.partial/`, then finished.
    static func sealed(
        compression: Compression = .gzip, key: SigningKey? = nil, mtime: Int64? = nil, records: Int = 50, in root: URL? = nil
    ) throws -> PackResult {
        let root = root ?? TestPaths.temporaryFolder("evpack-pack")
        let work = root.appendingPathComponent(".\(name).partial")
        try writePayload(into: work, records: records)
        return try PackWriter.finish(
            folder: work, name: name, info: info,
            options: PackOptions(compression: compression, signingKey: key, mtime: mtime ?? asOf.seconds))
    }

    static func sha256(_ url: URL) throws -> String {
        Checksum.sha256Hex(Array(try Data(contentsOf: url)))
    }

    /// A fixed key, so tests that need two keys or a stable key id get them.
    static func key(_ byte: UInt8) -> SigningKey {
        try! SigningKey(rawSeed: [UInt8](repeating: byte, count: 32))
    }
}
