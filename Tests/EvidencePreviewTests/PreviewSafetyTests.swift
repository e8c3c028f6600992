import EvidenceKit
@testable import EvidencePreview
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport

/// Never a byte from outside a pack: traversal attempts, links, hostile archives.
@Suite struct PreviewSafetyTests {
    static let key = "evidence-safe-bfg-89abcdef.tar.gz"
    static let folderKey = "evidence-safe-bfg-89abcdef"

    /// Request targets that try to leave the served folder or a pack, or reach hidden files.
    /// (A raw NUL cannot be sent this way: HTTPTypes turns it into a space; the end-to-end test
    /// sends one over a socket.)
    static let attempts: [String] = [
        "/../secret.txt", "/../../secret.txt", "/..", "/%2e%2e/secret.txt", "/%2E%2E/%2e%2E/secret.txt", "/.%2e/secret.txt",
        "/%2e%2e%2fsecret.txt", "/..%2fsecret.txt", "/..%2Fsecret.txt", "/\(key)/..%2f..%2fsecret.txt", "/\(key)%2f..%2f..%2fsecret.txt",
        "/\(key)/data/../../secret.txt", "/\(key)/data/%2e%2e/%2e%2e/secret.txt", "/\(folderKey)/../secret.txt",
        "//secret.txt", "//etc/passwd", "/\(key)//data/index.html", "/\(folderKey)//..//secret.txt", "///\(key)/data/index.html",
        "/\(key)\\..\\..\\secret.txt", "/\(key)/data\\..\\..\\secret.txt", "/\(key)/data%5c..%5c..%5csecret.txt", "/..%5csecret.txt",
        "/.hidden", "/\(key)/.git/config", "/\(folderKey)/data/.secret", "/.evidence-x.partial-1/data/index.html",
        "/~", "/~root/secret.txt", "/\(key)/~/secret.txt", "/%7eroot/secret.txt",
        "/etc/passwd", "/tmp/secret.txt", "/\(key)/etc/passwd", "/\(key)//etc/passwd",
        "/\(key)/data/index.html%00.txt", "/\(key)/data/%00", "/%00/secret.txt", "/\(key)/data/%00/../../secret.txt",
        "/\(key)/data/index%0a.html", "/\(key)/data/%ff%fe.html", "/\(key)/data/index.html%", "/\(key)/data/index.html%2",
        "/\(key)/./data/index.html", "/./secret.txt", "/%2e/secret.txt",
        "secret.txt", "*", "http://localhost/../secret.txt",
    ]

    @Test func everyTraversalAttemptIsRefused() async throws {
        let fixture = try PreviewFixture()
        defer { fixture.remove() }
        try fixture.pack(session: "safe")
        // A hidden file beside the pack's data and in the served folder: never served either.
        try Data(fixture.secret.utf8).write(to: fixture.folder.appendingPathComponent(Self.folderKey + "/data/.secret"))
        try Data(fixture.secret.utf8).write(to: fixture.folder.appendingPathComponent(".hidden"))
        try await fixture.withClient { client, _ in
            for attempt in Self.attempts {
                try await client.execute(uri: attempt, method: .get) { response in
                    #expect([.badRequest, .notFound].contains(response.status), "\(attempt): \(response.status)")
                    #expect(!response.text.contains(fixture.secret), "\(attempt) leaked the secret")
                    #expect(!response.text.contains("root:x:0:0"), "\(attempt) leaked /etc/passwd")
                    #expect(response.headers[.contentSecurityPolicy] == PreviewHeaders.contentSecurityPolicy)
                }
                try await client.execute(uri: attempt, method: .head) { response in
                    #expect([.badRequest, .notFound].contains(response.status), "HEAD \(attempt)")
                }
            }
            // The pack itself is fine.
            try await client.execute(uri: "/\(Self.key)/data/index.html", method: .get) { response in
                #expect(response.status == .ok)
            }
        }
    }

    @Test func theRequestPathRules() throws {
        #expect(try RequestPath.parse("/") == .root)
        #expect(try RequestPath.parse("/p") == .pack(key: "p"))
        #expect(try RequestPath.parse("/p/") == .pack(key: "p"))
        #expect(try RequestPath.parse("/p/data/index.html") == .file(key: "p", path: "data/index.html", trailingSlash: false))
        #expect(try RequestPath.parse("/p/data/") == .file(key: "p", path: "data", trailingSlash: true))
        #expect(try RequestPath.parse("/p%20q/a%20b.html") == .file(key: "p q", path: "a b.html", trailingSlash: false))
        #expect(try RequestPath.parse("/p/%C5%BC%C3%B3%C5%82w.txt") == .file(key: "p", path: "żółw.txt", trailingSlash: false))
        let refusals: [(Substring, RequestPath.Refusal)] = [
            ("p", .notAbsolute), ("/a//b", .emptyPart), ("/a/%2f", .encodedSeparator), ("/a/%5C", .encodedSeparator),
            ("/a\\b", .backslash), ("/a/%00", .controlCharacter), ("/a/\u{1}", .controlCharacter), ("/a/%7F", .controlCharacter),
            ("/a/..", .hiddenPart("..")), ("/a/%2e%2e", .hiddenPart("..")), ("/.git", .hiddenPart(".git")), ("/~x", .homePart("~x")),
            ("/a/%7e", .homePart("~")), ("/a/%zz", .badEncoding), ("/a/%e", .badEncoding), ("/a/%ff", .badEncoding),
        ]
        for (raw, refusal) in refusals {
            #expect(throws: refusal, "\(raw)") { try RequestPath.parse(raw) }
        }
        #expect(RequestPath.encode("evidence-x.tar.gz") == "evidence-x.tar.gz")
        #expect(RequestPath.encode("a b/../%") == "a%20b%2F..%2F%25")
    }

    @Test func symbolicLinksAreNeverFollowed() async throws {
        let fixture = try PreviewFixture()
        defer { fixture.remove() }
        // A pack folder holding a link to a file outside it: unsafe, not served at all.
        let linked = try fixture.pack(session: "linked", keep: .folder)
        #expect(symlink(fixture.secretPath, linked.folder.appendingPathComponent("data/leak.txt").path) == 0)
        #expect(symlink("/etc", linked.folder.appendingPathComponent("data/etc").path) == 0)
        // A link in the served folder to a pack folder elsewhere: not a pack of this folder.
        let elsewhere = TestPaths.temporaryFolder("evpack-preview-elsewhere")
        defer { try? FileManager.default.removeItem(at: elsewhere) }
        let outside = try PreviewFixture.packOutside(in: elsewhere)
        #expect(symlink(outside.folder.path, fixture.folder.appendingPathComponent("evidence-outside-bfg-0000000f").path) == 0)
        #expect(symlink(outside.archive.path, fixture.folder.appendingPathComponent("evidence-outside-bfg-0000000f.tar.gz").path) == 0)
        let key = linked.folder.lastPathComponent
        try await fixture.withClient { client, _ in
            for path in ["data/leak.txt", "data/etc/passwd", "data/index.html", ""] {
                try await client.execute(uri: "/\(key)/\(path)", method: .get) { response in
                    #expect(response.status == .forbidden, "\(path)")
                    #expect(response.text.contains("is a symbolic link"))
                    #expect(!response.text.contains(fixture.secret) && !response.text.contains("root:x:0:0"))
                }
            }
            for uri in ["/evidence-outside-bfg-0000000f/data/index.html", "/evidence-outside-bfg-0000000f.tar.gz/data/index.html"] {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .notFound, "\(uri)")
                }
            }
            try await client.execute(uri: "/", method: .get) { response in
                #expect(response.text.contains("unsafe: not served"))
                #expect(response.text.contains("data/leak.txt: is a symbolic link"))
                #expect(!response.text.contains("evidence-outside"))
            }
        }
    }

    /// A file of a pack folder with a second hard link (here a small payload file re-linked from
    /// outside, and a large one linked to the secret): the pack is unsafe as `evpack verify`
    /// says, listed so, and nothing of it is served, from memory or streamed.
    @Test func hardLinksMakeAFolderPackUnsafe() async throws {
        let fixture = try PreviewFixture()
        defer { fixture.remove() }
        var generator = SystemRandomNumberGenerator()
        let big = (0..<(256 << 10)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let pack = try fixture.pack(
            session: "linked", files: PreviewFixture.files(title: "linked", extra: ["data/inputs/big.bin": big]), keep: .folder)
        let index = pack.folder.appendingPathComponent("data/index.html")
        let outside = fixture.root.appendingPathComponent("index-outside.html")
        #expect(rename(index.path, outside.path) == 0)
        #expect(link(outside.path, index.path) == 0)
        let bigURL = pack.folder.appendingPathComponent("data/inputs/big.bin")
        let bigOutside = fixture.root.appendingPathComponent("big-outside.bin")
        #expect(link(bigURL.path, bigOutside.path) == 0)
        let report = try PackVerifier.verify(pack.folder.path)
        #expect(report.failures.contains { $0.step == .safety && $0.file == "data/index.html" && $0.reason.contains("has 2 hard links") })
        #expect(report.failures.contains { $0.step == .safety && $0.file == "data/inputs/big.bin" && $0.reason.contains("has 2 hard links") })
        let key = pack.folder.lastPathComponent
        try await fixture.withClient(cache: CachePolicy(maxFileSize: 64 << 10, budget: 1 << 20)) { client, _ in
            for path in ["data/index.html", "data/inputs/big.bin", "data/evidence.xml", ""] {
                try await client.execute(uri: "/\(key)/\(path)", method: .get) { response in
                    #expect(response.status == .forbidden, "\(path): \(response.status)")
                    #expect(response.text.contains("has 2 hard links"), "\(path)")
                    #expect(!response.text.contains("overview of linked"), "\(path)")
                }
            }
            try await client.execute(uri: "/", method: .get) { response in
                #expect(response.text.contains("unsafe: not served"))
                #expect(response.text.contains("data/index.html: has 2 hard links"), "\(response.text)")
            }
        }
    }

    /// Archives that fail verify's safety step: listed as unsafe, never served.
    @Test func unsafeArchivesAreListedAndNotServed() async throws {
        let fixture = try PreviewFixture()
        defer { fixture.remove() }
        let hostile: [(name: String, program: String, reason: String)] = [
            ("dotdot.tar.gz", "add(t, \"p/data/index.html\", b\"<p>ok</p>\")\nadd(t, \"p/../../secret-copy.txt\", b\"LEAKED-BYTES\")", "path leaves the pack"),
            ("absolute.tar.gz", "add(t, \"p/data/index.html\")\nadd(t, \"/etc/evil\", b\"LEAKED-BYTES\")", "absolute path"),
            ("symlink.tar.gz", "add(t, \"p/data/index.html\")\nadd(t, \"p/data/leak.txt\", kind=tarfile.SYMTYPE, link=\"/etc/passwd\")", "is a symbolic link"),
            ("hardlink.tar.gz", "add(t, \"p/data/index.html\")\nadd(t, \"p/data/leak.txt\", kind=tarfile.LNKTYPE, link=\"p/data/index.html\")", "is a hard link"),
            ("device.tar.gz", "add(t, \"p/data/index.html\")\nadd(t, \"p/data/null\", kind=tarfile.CHRTYPE)", "character device"),
            ("two-tops.tar.gz", "add(t, \"p/data/index.html\")\nadd(t, \"q/data/index.html\")", "more than one top folder"),
            ("duplicate.tar.gz", "add(t, \"p/data/index.html\", b\"one\")\nadd(t, \"p/data/index.html\", b\"two\")", "duplicate entry"),
            ("loose.tar.gz", "add(t, \"index.html\")", "is a file outside the pack"),
        ]
        for item in hostile { try fixture.hostileArchive(item.name, item.program) }
        try Data("not an archive at all".utf8).write(to: fixture.folder.appendingPathComponent("garbage.tar.gz"))
        try fixture.pack(session: "fine")
        try await fixture.withClient { client, _ in
            let listing = try await client.execute(uri: "/", method: .get) { $0.text }
            #expect(listing.contains("evidence-fine-bfg-89abcdef.tar.gz/data/index.html"))
            for item in hostile + [("garbage.tar.gz", "", "not a readable tar archive")] {
                #expect(listing.contains(item.2), "\(item.0): \(item.2) not in the listing")
                #expect(!listing.contains("href=\"/\(item.0)/"), "\(item.0) is linked")
                for uri in ["/\(item.0)/data/index.html", "/\(item.0)/", "/\(item.0)/data/leak.txt"] {
                    try await client.execute(uri: uri, method: .get) { response in
                        #expect(response.status == .forbidden, "\(uri)")
                        #expect(response.text.contains("fails the safety checks of evpack verify"))
                        #expect(!response.text.contains("root:x:0:0") && !response.text.contains("LEAKED-BYTES"))
                        #expect(!response.text.contains(fixture.folder.path + "/"), "no host path in the page")
                    }
                }
            }
            #expect(listing.components(separatedBy: "unsafe: not served").count - 1 == hostile.count + 1)
            #expect(!listing.contains(fixture.folder.path + "/"), "the listing names packs, not host paths")
        }
    }
}

extension PreviewFixture {
    /// A pack sealed in another folder.
    static func packOutside(in folder: URL) throws -> PackResult {
        let work = folder.appendingPathComponent(".partial")
        for (path, bytes) in files(title: "outside") {
            let url = work.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(bytes).write(to: url)
        }
        let info = BagInfo(asOf: Instant(rfc3339: "2026-11-20T09:00:00Z")!, payloadChecksum: String(repeating: "f", count: 64), productionDecision: "GO")
        return try PackWriter.finish(folder: work, name: "evidence-outside-bfg-0000000f", info: info, options: PackOptions(mtime: 1_700_000_000))
    }
}
