import EvidenceKit
@testable import EvidencePreview
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport

/// What the preview keeps in memory is bounded (SPEC §7): file lists beyond their allowance are
/// dropped least recently used first (and read again on demand), an unsafe pack keeps none, a
/// pack's problems are kept up to a count.
struct PreviewMemoryTests {
    @Test func fileListsBeyondTheirAllowanceAreDroppedAndReadAgainWhenNeeded() async throws {
        let fixture = try PreviewFixture()
        defer { fixture.remove() }
        for index in 0..<6 { try fixture.pack(session: "p\(index)", hex: "0000000\(index)", keep: .archive) }
        // Room for about two packs' file lists.
        let probe = PackLibrary(folder: fixture.folder.path)
        _ = await probe.list()
        let perPack = probe.indexBytes / 6
        #expect(perPack > 0)
        let allowance = perPack * 2 + perPack / 2
        try await fixture.withClient(cache: CachePolicy(budget: 0, indexBudget: allowance)) { client, library in
            let listing = try await client.execute(uri: "/", method: .get) { $0.text }
            #expect(listing.contains("6 packs in") && listing.contains("6 served"), "\(listing)")
            #expect(library.indexBytes <= allowance, "listing holds \(library.indexBytes) bytes of lists, allowance \(allowance)")
            for round in 0..<2 {
                for index in 0..<6 {
                    try await client.execute(uri: "/evidence-p\(index)-bfg-0000000\(index).tar.gz/data/index.html", method: .get) { response in
                        #expect(response.status == .ok, "round \(round), pack \(index)")
                        #expect(response.text.contains("overview of p\(index)"))
                    }
                    #expect(library.indexBytes <= allowance, "\(library.indexBytes) > \(allowance)")
                }
            }
            // Dropped lists still give the listing its lines.
            let again = try await client.execute(uri: "/", method: .get) { $0.text }
            #expect(again.contains("6 served"))
        }
    }

    @Test func anUnsafePackKeepsNoFilesAndAtMostTwentyProblems() async throws {
        let fixture = try PreviewFixture()
        defer { fixture.remove() }
        // 300 entries with absolute paths: 300 safety failures.
        try fixture.hostileArchive("many.tar.gz", "add(t, \"p/data/index.html\")\nfor i in range(300): add(t, f\"/abs/{i}.txt\", b\"x\")")
        let library = PackLibrary(folder: fixture.folder.path)
        let index = try #require(await library.pack("many.tar.gz"))
        #expect(!index.isServed)
        #expect(index.problemCount >= 300)
        #expect(index.problems.count == PackIndex.shownProblems)
        #expect(index.kept.isEmpty && index.table.count == 0 && index.directories.count == 0)
        let page = ListingPage.html([index], folder: "packs")
        #expect(page.contains("… and \(index.problemCount - 20) more"), "the count of the problems not kept")
    }

    @Test func aPackWithMoreEntriesThanThePreviewReadsIsListedAndNotServed() async throws {
        let fixture = try PreviewFixture()
        defer { fixture.remove() }
        var extra: [String: [UInt8]] = [:]
        for index in 0..<60 { extra["data/many/\(index).txt"] = Array("\(index)\n".utf8) }
        let pack = try fixture.pack(session: "many", files: PreviewFixture.files(title: "many", extra: extra))
        try fixture.pack(session: "few")
        let library = PackLibrary(folder: fixture.folder.path, limits: VerifyLimits(maxEntries: 50))
        for key in [pack.folder.lastPathComponent, pack.archive.lastPathComponent] {
            let index = try #require(await library.pack(key))
            #expect(!index.isServed, "\(key)")
            #expect(index.problems.contains { $0.contains("the preview reads at most 50 entries") }, "\(key): \(index.problems)")
            #expect(index.table.count == 0 && index.kept.isEmpty)
        }
        #expect(await library.list().filter(\.isServed).count == 2, "the small pack's folder and archive")
        #expect(PackLibrary.limits.maxEntries == 10_000)
    }

    @Test func aPathTableFindsEveryPathAndNoOther() {
        let paths = PathTable.sorted(["data/index.html", "data/b", "bagit.txt", "data/é.txt", "data", "data/a/b/c"])
        let table = PathTable(sortedUnique: paths)
        for path in paths { #expect(table.contains(path), "\(path)") }
        for path in ["", "data/", "dat", "data/index.htm", "data/index.html/", "zzz", "data/a/b"] { #expect(!table.contains(path), "\(path)") }
        #expect(paths.indices.allSatisfy { table.path(at: $0) == paths[$0] })
    }
}
