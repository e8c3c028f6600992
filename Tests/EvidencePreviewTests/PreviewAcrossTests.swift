import EvidenceKit
@testable import EvidencePreview
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport

/// The listing's rows (one per pack, signed, diff from the previous), `/diff/OLD/NEW` and
/// `/history`, on packs `evpack build` writes.
@Suite struct PreviewAcrossTests {
    /// Two packs of session `grant-ready`: ready.json as given, and a day later with one row
    /// changed (a new payload, so its connection and dry-run evidence no longer match), signed.
    static func twoPacksOfOneSession(_ fixture: PreviewFixture) throws -> (old: String, new: String) {
        let work = fixture.root.appendingPathComponent("work")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        var snapshot = try String(contentsOfFile: TestPaths.snapshot("ready.json"), encoding: .utf8)
        snapshot = snapshot.replacingOccurrences(of: "\"pallets\": 12", with: "\"pallets\": 13")
            .replacingOccurrences(of: "\"captured_at\": \"2026-11-20T09:00:00Z\"", with: "\"captured_at\": \"2026-11-21T09:00:00Z\"")
        let changed = work.appendingPathComponent("ready-next.json").path
        try Data(snapshot.utf8).write(to: URL(fileURLWithPath: changed))
        let key = work.appendingPathComponent("release").path
        #expect(try Run.evpack(["keygen", "--out", key]).status == 0)
        var names: [String] = []
        for (file, extra) in [(TestPaths.snapshot("ready.json"), [String]()), (changed, ["--sign-key", key + ".key"])] {
            let result = try Run.evpack(["build", file, "--records", TestPaths.snapshot("ready-records.jsonl"), "--out", fixture.folder.path, "--format", "json"] + extra)
            #expect(result.status == 0, "\(result.stderr)")
            let object = try #require(try JSONSerialization.jsonObject(with: result.stdoutData) as? [String: Any])
            names.append(try #require(object["name"] as? String))
        }
        #expect(names[0] != names[1])
        return (names[0], names[1])
    }

    @Test func theListingShowsEachPackOnceSignedAndLinksItsDiff() async throws {
        let fixture = try PreviewFixture()
        defer { fixture.remove() }
        let (old, new) = try Self.twoPacksOfOneSession(fixture)
        try await fixture.withClient { client, _ in
            let listing = try await client.execute(uri: "/", method: .get) { $0.text }
            #expect(listing.contains("2 packs in"), "two packs, each a folder and an archive")
            #expect(listing.components(separatedBy: "<tr><td class=\"code\">").count - 1 == 2)
            #expect(listing.contains("<td>signed</td>") && listing.contains("<td>not signed</td>"))
            let diffHref = "/diff/\(old)/\(new)"
            #expect(listing.contains("<a href=\"\(diffHref)\">diff from \(old)</a>"), "\(listing)")
            #expect(listing.contains("first pack of its session"))
            #expect(listing.contains("href=\"/history\""))
            #expect(!listing.contains(fixture.folder.path + "/"), "no host path")

            try await client.execute(uri: diffHref, method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentSecurityPolicy] == PreviewHeaders.contentSecurityPolicy)
                let html = response.text
                #expect(html.contains("<meta http-equiv=\"Content-Security-Policy\" content=\"\(PreviewHeaders.contentSecurityPolicy)\">"))
                #expect(html.contains("Production decision: <strong>GO → NO-GO"), "a new payload leaves the recorded evidence behind")
                #expect(html.contains("<span class=\"change regressed\">regressed</span></td><td class=\"code\">connection."))
                #expect(html.contains("href=\"/\(old)/data/index.html\"") && html.contains("href=\"/\(new)/data/index.html\""))
                #expect(!html.contains("<script") && !html.contains(fixture.folder.path + "/"))
            }
            let same = try await client.execute(uri: "/diff/\(new)/\(new).tar.gz", method: .get) { $0.text }
            #expect(same.contains("Nothing changed: the same decision"), "a folder and its own archive")
            for (uri, status) in [("/diff/\(old)", HTTPResponse.Status.notFound), ("/diff/\(old)/evidence-none-bfg-00000000", .notFound),
                                  ("/diff/\(old)/\(new)/x", .notFound)] {
                try await client.execute(uri: uri, method: .get) { response in #expect(response.status == status, "\(uri)") }
            }

            try await client.execute(uri: "/history", method: .get) { response in
                #expect(response.status == .ok)
                let html = response.text
                #expect(html.contains("2 packs in 1 session"), "\(html.prefix(3000))")
                #expect(html.contains("<a href=\"/\(old)/data/index.html\">\(old)</a>") || html.contains("<a href=\"/\(old)/data/index.html\">"))
                #expect(html.contains("href=\"\(diffHref)\""))
                #expect(html.components(separatedBy: "<svg class=\"spark\"").count - 1 == 13)
                #expect(!html.contains("<script"))
            }
        }
    }

    @Test func copiesThatDisagreeAreOneRowWithAWarning() async throws {
        let fixture = try PreviewFixture()
        defer { fixture.remove() }
        let pack = try fixture.pack(session: "split", hex: "0000000b", decision: "GO")
        // The folder rebuilt with another decision: its archive still says GO.
        let other = try PreviewFixture()
        defer { other.remove() }
        let rebuilt = try other.pack(session: "split", hex: "0000000b", decision: "NO-GO BLOCKED_BY_OPERATIONS", keep: .folder)
        try FileManager.default.removeItem(at: pack.folder)
        try FileManager.default.copyItem(at: rebuilt.folder, to: pack.folder)
        try await fixture.withClient { client, _ in
            let listing = try await client.execute(uri: "/", method: .get) { $0.text }
            #expect(listing.contains("1 pack in"))
            #expect(listing.contains("copies differ</span> decision: folder NO-GO BLOCKED_BY_OPERATIONS, .tar.gz GO"), "\(listing)")
        }
    }

    @Test func theListingAndErrorPagesAreTemplatedAndEscaped() async throws {
        let fixture = try PreviewFixture()
        defer { fixture.remove() }
        // A folder holding bagit.txt is listed by its name, whatever that name holds.
        let odd = fixture.folder.appendingPathComponent("a<b>&c")
        try FileManager.default.createDirectory(at: odd, withIntermediateDirectories: true)
        try Data(BagIt.declaration.utf8).write(to: odd.appendingPathComponent("bagit.txt"))
        try await fixture.withClient { client, _ in
            let listing = try await client.execute(uri: "/", method: .get) { $0.text }
            #expect(listing.contains("a&lt;b&gt;&amp;c"), "\(listing)")
            #expect(!listing.contains("a<b>"))
            try await client.execute(uri: "/evidence-nothing-here/data/index.html", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(response.text.contains("<h1>404 Not Found</h1>") && response.text.contains("<a href=\"/\">All packs</a>"))
            }
        }
    }
}

extension PreviewAcrossTests {
    @Test func unsafeOrForeignPacksAreNotComparedAndNamedByTheirNames() async throws {
        let fixture = try PreviewFixture()
        defer { fixture.remove() }
        try fixture.hostileArchive("evidence-bad-bfg-00000001.tar.gz", "add(t, \"evidence-bad-bfg-00000001/data/index.html\")\nadd(t, \"/abs.txt\")")
        // A sealed bag whose evidence.xml is not the tool's.
        try fixture.pack(session: "foreign", hex: "00000002")
        try await fixture.withClient { client, _ in
            let history = try await client.execute(uri: "/history", method: .get) { response in
                #expect(response.status == .ok)
                return response.text
            }
            #expect(history.contains("0 packs in 0 sessions"), "\(history)")
            #expect(history.contains("Not compared: 3 names"))
            #expect(history.contains("<span class=\"code\">evidence-bad-bfg-00000001.tar.gz</span>: unsafe (archive safety)"))
            #expect(history.contains("evidence-foreign-bfg-00000002</span>: data/evidence.xml"))
            #expect(!history.contains(fixture.folder.path + "/"), "no host path")
            try await client.execute(uri: "/diff/evidence-bad-bfg-00000001.tar.gz/evidence-foreign-bfg-00000002", method: .get) { response in
                #expect(response.status == .forbidden)
            }
            try await client.execute(uri: "/diff/evidence-foreign-bfg-00000002/evidence-foreign-bfg-00000002.tar.gz", method: .get) { response in
                #expect(response.status == .unprocessableContent)
                #expect(response.text.contains("evidence-foreign-bfg-00000002 cannot be compared: data/evidence.xml"), "\(response.text)")
                #expect(!response.text.contains(fixture.folder.path + "/"))
            }
        }
    }
}
