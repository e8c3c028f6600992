import Foundation
import Testing
import TestSupport
@testable import EvidenceKit

/// The line diff, the diff model's classification, and the history over many packs.
@Suite struct PackDiffTests {
    @Test func theLineDiffIsMinimalAndPrintedLikeDiffU() {
        let old = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n"
        let new = "a\nb\nc\nD\ne\nf\ng\nh\ni\nj\nk\n"
        let diff = UnifiedDiff(old: old, new: new)
        #expect(diff.removed == 1 && diff.added == 2 && diff.note == nil && diff.omitted == 0)
        #expect(diff.text == """
            @@ -1,10 +1,11 @@
             a
             b
             c
            -d
            +D
             e
             f
             g
             h
             i
             j
            +k

            """)
        #expect(UnifiedDiff(old: old, new: old).isEmpty && UnifiedDiff(old: old, new: old).text.isEmpty)
        let far = UnifiedDiff(old: (1...40).map { "line \($0)" }.joined(separator: "\n"), new: (1...40).map { $0 == 5 || $0 == 35 ? "changed \($0)" : "line \($0)" }.joined(separator: "\n"))
        #expect(far.hunks.map(\.header) == ["@@ -2,7 +2,7 @@", "@@ -32,7 +32,7 @@"])
        // Against an independent LCS: the script is minimal on random texts.
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<50 {
            let a = (0..<Int.random(in: 0...30, using: &generator)).map { _ in String("abcd".randomElement(using: &generator)!) }
            let b = (0..<Int.random(in: 0...30, using: &generator)).map { _ in String("abcd".randomElement(using: &generator)!) }
            let diff = UnifiedDiff(old: a.joined(separator: "\n"), new: b.joined(separator: "\n"), maxLines: 10_000)
            let lcs = Self.lcs(a, b)
            #expect(diff.removed == a.count - lcs && diff.added == b.count - lcs, "\(a) \(b)")
        }
    }

    static func lcs(_ a: [String], _ b: [String]) -> Int {
        var table = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in stride(from: a.count - 1, through: 0, by: -1) {
            for j in stride(from: b.count - 1, through: 0, by: -1) {
                table[i][j] = a[i] == b[j] ? table[i + 1][j + 1] + 1 : max(table[i + 1][j], table[i][j + 1])
            }
        }
        return table[0][0]
    }

    @Test func aHugeChangeIsBoundedInTimeAndSize() {
        let old = (0..<200_000).map { "old line \($0)" }.joined(separator: "\n")
        let new = (0..<200_000).map { "new line \($0)" }.joined(separator: "\n")
        let clock = ContinuousClock()
        var diff: UnifiedDiff?
        let elapsed = clock.measure { diff = UnifiedDiff(old: old, new: new) }
        let result = try! #require(diff)
        #expect(result.note != nil && result.removed == 200_000 && result.added == 200_000)
        #expect(result.hunks.flatMap(\.lines).count == UnifiedDiff.maxLines)
        #expect(result.omitted == 400_000 - UnifiedDiff.maxLines)
        #expect(result.text.utf8.count < 20_000)
        #expect(elapsed < .seconds(30), "\(elapsed)")
    }

    /// A pack with one family (`release`) whose checks have the given statuses, and a packet.
    static func pack(_ statuses: [String: String], name: String = "evidence-s-bfg-00000000", decision: String = "GO", packet: String = "A=1\n",
                     asOf: String = "2026-11-20T09:00:00Z", session: String = "s") -> ComparablePack {
        let checks = statuses.keys.sorted().map { EvidenceReport.Check(id: $0, status: CheckStatus(rawValue: statuses[$0]!)!, detail: "detail of \($0)", owner: nil) }
        let family = EvidenceReport.Family(
            id: .release, contract: nil, ready: checks.count(where: \.isReady), total: checks.count, complete: true, decision: nil,
            successDecision: nil, checks: checks, facts: [],
            packet: .init(key: "p", file: "packets/p.env", checksum: Checksum.shortSHA256(Array(packet.utf8)), sha256: Checksum.sha256Hex(Array(packet.utf8)),
                          bytes: packet.utf8.count, text: packet))
        let record = EvidenceReport(
            formatVersion: 1, toolVersion: "test",
            snapshot: .init(schema: "BFGScenarioSnapshot.v1", session: session, tenant: "t", capturedAt: asOf, rows: 0,
                            payloadChecksum: String(repeating: "0", count: 64), payloadChecksumShort: "bfg-00000000"),
            options: .init(asOf: asOf, window: "24h", stuckQueuedMinutes: 30, stuckRunningMinutes: 120),
            production: .init(decision: decision, blocking: decision == "GO" ? nil : "BLOCKED", blockingFamily: nil),
            families: [family], operations: nil, inputs: [])
        return ComparablePack(path: name, name: name, kind: "folder", signed: false, report: record, snapshotSections: [], options: [], recordCounts: nil)
    }

    @Test func everyStatusChangeIsClassified() {
        let old = Self.pack(["a": "ready", "b": "next", "c": "blocked", "d": "review", "gone": "ready"])
        let new = Self.pack(["a": "blocked", "b": "ready", "c": "review", "d": "review", "new": "next"], decision: "NO-GO", packet: "A=2\n")
        let diff = PackDiff(old: old, new: new)
        let kinds = Dictionary(uniqueKeysWithValues: diff.checks.map { ($0.check, $0.kind) })
        #expect(kinds == ["a": .regressed, "b": .fixed, "c": .changed, "new": .added, "gone": .removed])
        #expect(diff.stillNotReady.map(\.check) == ["a", "c", "d", "new"])
        #expect(diff.hasRegression && diff.decisionRegressed && !diff.isUnchanged)
        #expect(diff.packets.first?.diff?.text == "@@ -1,1 +1,1 @@\n-A=1\n+A=2\n")
        #expect(diff.shortText == "decision GO → NO-GO BLOCKED; 1 regressed; 1 fixed; 1 changed; 1 added; 1 removed; packets: p")
        let same = PackDiff(old: old, new: old)
        #expect(same.isUnchanged && !same.hasRegression && same.shortText == "nothing changed")
        // A fix alone is no regression; NO-GO → GO neither.
        #expect(!PackDiff(old: new, new: Self.pack(["a": "ready", "b": "ready", "c": "review", "d": "review", "new": "next"])).hasRegression)
    }

    /// 10 000 small packs in 40 sessions, written straight as bags (fake results, real BagIt),
    /// read through `PackHistory.read` (verify's safety and BagIt steps, evidence.xml, inputs).
    @Test func historyOverTenThousandPacksStaysUnderTwoMegabytes() throws {
        // In memory when the machine has a tmpfs: 70 000 small files, written and removed fast.
        var isFolder: ObjCBool = false
        let shm = FileManager.default.fileExists(atPath: "/dev/shm", isDirectory: &isFolder) && isFolder.boolValue
        let folder = shm ? URL(fileURLWithPath: "/dev/shm/evpack-history-\(UUID().uuidString)") : TestPaths.temporaryFolder("evpack-history")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let count = 10_000, sessions = 40
        let clock = ContinuousClock()
        let written = clock.measure {
            DispatchQueue.concurrentPerform(iterations: count) { i in
                try! Self.writeFakePack(i, sessions: sessions, into: folder)
            }
        }
        var history: PackHistory?
        let read = clock.measure { history = PackHistory.read(folder: folder.path) }
        let result = try #require(history)
        #expect(result.unreadable.isEmpty, "\(result.unreadable.prefix(3))")
        #expect(result.packCount == count && result.sessions.count == sessions)
        var html = ""
        let rendered = clock.measure {
            html = AcrossPages.history(result, links: .init(pack: { "\($0.keys[0])/data/index.html" }, diff: { "diff/\($0.keys[0])" }))
        }
        let bytes = html.utf8.count
        print("history of \(count) packs: wrote them in \(written), read in \(read), rendered in \(rendered), \(bytes) bytes")
        #expect(bytes < 2_000_000)
        #expect(rendered < .seconds(10))
        #expect(read < .seconds(600))
        // Older packs are summarised; the newest are listed with their change since the one before.
        #expect(html.contains("older packs before these"))
        #expect(html.contains("decision NO-GO BLOCKED → GO; 1 fixed; inputs: payload, options") && html.contains("1 regressed"))
        #expect(html.components(separatedBy: "<svg class=\"spark\"").count - 1 == AcrossPages.detailedSessions, "one trend per family (one family here) per detailed session")
    }

    /// The layout's bound, whatever the shape: 10 000 sessions of one pack each, with long
    /// names and decisions, still make a page under 2 MB (packs made in memory here).
    @Test func historyOfTenThousandSessionsStaysUnderTwoMegabytes() {
        let long = String(repeating: "x", count: 5_000)
        let packs = (0..<10_000).map { i in
            (key: "k\(i)", pack: Self.pack(["one": i % 2 == 0 ? "ready" : "next"], name: "evidence-\(i)-\(long)", decision: "NO-GO",
                                          asOf: Instant(rfc3339: "2026-01-01T00:00:00Z")!.adding(seconds: Int64(i)).rfc3339, session: "s\(i)-\(long)"))
        }
        let history = PackHistory(folder: "packs", packs: packs, unreadable: (0..<1_000).map { .init(key: "bad\($0)" + long, reason: long) })
        let html = AcrossPages.history(history, links: .init(pack: { _ in nil }))
        print("history of 10000 sessions with 5000-character names: \(html.utf8.count) bytes")
        #expect(html.utf8.count < 2_000_000)
        #expect(html.contains("\(10_000 - AcrossPages.detailedSessions) more sessions"))
        #expect(html.contains("… and \(10_000 - AcrossPages.detailedSessions - AcrossPages.listedSessions) more sessions not listed"))
    }

    /// Pack `i`: session `i % sessions`, as-of one minute after the one before; its checks
    /// fall back every 7th and 3rd pack, its packet changes every 10th; its payload checksum
    /// follows its content, so some packs are the same as the one before. The bag files are
    /// written here (no fsync): writing 10 000 packs through `BagWriter` takes far longer.
    static func writeFakePack(_ i: Int, sessions: Int, into folder: URL) throws {
        let session = "fake-\(i % sessions)"
        let step = i / sessions
        let statuses: [String: String] = [
            "one": step % 7 == 6 ? "blocked" : "ready", "two": step % 3 == 0 ? "next" : "ready", "three": "ready",
        ]
        let asOf = Instant(rfc3339: "2026-01-01T00:00:00Z")!.adding(seconds: Int64(60 * i))
        let hex = String(format: "%08x", i)
        let content = (step % 7 == 6 ? 1 : 0) + (step % 3 == 0 ? 2 : 0) + 4 * (step / 10 % 5)
        var record = pack(statuses, name: "", decision: statuses.values.allSatisfy { $0 == "ready" } ? "GO" : "NO-GO",
                          packet: "STEP=\(step / 10 % 5)\n", asOf: asOf.rfc3339, session: session).report
        record.snapshot.payloadChecksum = String(format: "%08x", content) + String(repeating: "0", count: 56)
        let name = "evidence-\(session)-bfg-\(hex)"
        let pack = folder.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: pack.appendingPathComponent("data/inputs"), withIntermediateDirectories: true)
        let payload: [(String, [UInt8])] = [
            ("data/evidence.xml", Array(EvidenceXML.document(record).utf8)),
            ("data/inputs/snapshot.json", Array("{\"schema\":\"BFGScenarioSnapshot.v1\",\"session\":\"\(session)\"}\n".utf8)),
            ("data/inputs/options.json", Array("{\"as_of\":\"\(asOf.rfc3339)\",\"window\":\"24h\"}\n".utf8)),
        ]
        let info = BagInfo(asOf: asOf, payloadChecksum: record.snapshot.payloadChecksum, productionDecision: record.production.decision)
        let oxum = BagIt.payloadOxum(bytes: Int64(payload.reduce(0) { $0 + $1.1.count }), files: payload.count)
        let tags: [(String, [UInt8])] = [
            (BagIt.declarationFile, Array(BagIt.declaration.utf8)),
            (BagIt.manifestFile, Array(BagIt.manifest(payload.map { BagIt.ManifestEntry(path: $0.0, sha256: Checksum.sha256Hex($0.1)) }).utf8)),
            (BagIt.infoFile, Array(try info.text(payloadOxum: oxum).utf8)),
        ]
        let tagManifest = BagIt.manifest(tags.map { BagIt.ManifestEntry(path: $0.0, sha256: Checksum.sha256Hex($0.1)) })
        for (path, bytes) in payload + tags + [(BagIt.tagManifestFile, Array(tagManifest.utf8))] {
            try Data(bytes).write(to: pack.appendingPathComponent(path))
        }
    }
}
