import EvidenceKit
@testable import EvidencePreview
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport

/// The preview server through Hummingbird's router test client: no socket.
@Suite struct PreviewServerTests {
    @Test func listingShowsEveryPackNewestFirstWithItsFacts() async throws {
        let fixture = try PreviewFixture()
        defer { fixture.remove() }
        try fixture.pack(session: "older", hex: "00000001", asOf: "2026-11-19T09:00:00Z", compression: .zstd)
        try fixture.pack(session: "newest", hex: "00000002", asOf: "2026-11-21T10:00:00+01:00", decision: "GO", compression: .none, keep: .archive)
        try fixture.pack(session: "middle", hex: "00000003", asOf: "2026-11-20T09:00:00Z", keep: .folder)
        // Not packs: a build's hidden temporary folder, a folder without bagit.txt, a stray file.
        try FileManager.default.createDirectory(at: fixture.folder.appendingPathComponent(".evidence-x.partial-1/data"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: fixture.folder.appendingPathComponent("screenshots"), withIntermediateDirectories: true)
        try Data("notes".utf8).write(to: fixture.folder.appendingPathComponent("notes.txt"))

        try await fixture.withClient { client, _ in
            try await client.execute(uri: "/", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/html; charset=utf-8")
                #expect(response.headers[.contentSecurityPolicy] == PreviewHeaders.contentSecurityPolicy)
                let html = response.text
                let keys = [
                    "evidence-newest-bfg-00000002.tar", "evidence-middle-bfg-00000003", "evidence-older-bfg-00000001",
                    "evidence-older-bfg-00000001.tar.zst",
                ]
                let positions = keys.map { html.range(of: "href=\"/\($0)/data/index.html\"")?.lowerBound }
                #expect(positions.allSatisfy { $0 != nil }, "\(html)")
                // Newest as-of first (21 Nov 10:00+01:00 is after 20 Nov 09:00Z), then by name for equal as-of.
                let found = positions.compactMap { $0 }
                #expect(found == found.sorted(), "not newest first")
                #expect(html.contains("3 packs in"), "a folder and its archive are one pack")
                #expect(html.contains(">newest<") && html.contains(">middle<") && html.contains(">older<"))
                #expect(html.contains("2026-11-21T09:00:00Z"), "Evidence-As-Of as bag-info.txt gives it: UTC")
                #expect(html.contains("✔</span>GO</span>"))
                #expect(html.contains("NO-GO BLOCKED_PENDING_DRY_RUN"))
                #expect(html.contains("bfg-00000002") && html.contains("00000002" + String(repeating: "0", count: 56)))
                #expect(html.contains(".tar.zst") && html.contains(">folder<"))
                #expect(!html.contains("partial") && !html.contains("screenshots") && !html.contains("notes.txt"))
                #expect(html.contains("<meta http-equiv=\"Content-Security-Policy\" content=\"\(PreviewHeaders.contentSecurityPolicy)\">"))
                #expect(!html.contains("<script"))
            }
            try await client.execute(uri: "/", method: .head) { response in
                #expect(response.status == .ok)
                #expect(response.body.readableBytes == 0)
                #expect(Int(response.headers[.contentLength] ?? "") ?? 0 > 1000)
            }
        }
    }

    @Test func listingNoticesPacksAddedAndRemovedWhileRunning() async throws {
        let fixture = try PreviewFixture()
        defer { fixture.remove() }
        try await fixture.withClient { client, library in
            try await client.execute(uri: "/", method: .get) { response in
                #expect(response.text.contains("No packs in"))
            }
            let pack = try fixture.pack(session: "late", hex: "0000000a")
            try await client.execute(uri: "/", method: .get) { response in
                #expect(response.text.contains("evidence-late-bfg-0000000a.tar.gz"))
                #expect(response.text.contains("1 pack in"), "a folder and its archive are one pack")
            }
            try await client.execute(uri: "/evidence-late-bfg-0000000a.tar.gz/data/index.html", method: .get) { response in
                #expect(response.status == .ok)
            }
            #expect(library.keptBytes > 0)
            try FileManager.default.removeItem(at: pack.archive)
            try await client.execute(uri: "/", method: .get) { response in
                #expect(!response.text.contains("evidence-late-bfg-0000000a.tar.gz"))
                #expect(response.text.contains("1 pack in"))
            }
            try await client.execute(uri: "/evidence-late-bfg-0000000a.tar.gz/data/index.html", method: .get) { response in
                #expect(response.status == .notFound)
            }
            try FileManager.default.removeItem(at: pack.folder)
            try await client.execute(uri: "/", method: .get) { _ in }
            #expect(library.keptBytes == 0, "memory of removed packs is given back")
        }
    }

    @Test(arguments: [Compression.gzip, .zstd, .none])
    func servesEveryFileOutOfTheArchiveWithManifestETagsAndContentTypes(_ compression: Compression) async throws {
        let fixture = try PreviewFixture()
        defer { fixture.remove() }
        let pack = try fixture.pack(session: "served", compression: compression)
        let key = pack.archive.lastPathComponent
        // The archive alone: the folder is gone, so every byte must come out of the archive.
        let folderBytes = try Self.readAll(pack.folder)
        try FileManager.default.removeItem(at: pack.folder)
        let manifest = try String(decoding: #require(folderBytes["manifest-sha256.txt"]), as: UTF8.self)
        let types = [
            "html": "text/html; charset=utf-8", "xml": "application/xml", "env": "text/plain; charset=utf-8",
            "sql": "text/plain; charset=utf-8", "json": "application/json", "jsonl": "text/plain; charset=utf-8",
            "txt": "text/plain; charset=utf-8",
        ]
        try await fixture.withClient { client, _ in
            for (path, bytes) in folderBytes {
                try await client.execute(uri: "/\(key)/\(path)", method: .get) { response in
                    #expect(response.status == .ok, "\(path)")
                    #expect(response.bytes == bytes, "\(path)")
                    let etag = "\"\(sha256Hex(bytes))\""
                    #expect(response.headers[.eTag] == etag, "\(path)")
                    if path.hasPrefix("data/") { #expect(manifest.contains(sha256Hex(bytes) + "  " + path)) }
                    let ext = String(path.split(separator: ".").last!)
                    #expect(response.headers[.contentType] == types[ext], "\(path)")
                    #expect(response.headers[.contentSecurityPolicy] == PreviewHeaders.contentSecurityPolicy)
                    #expect(response.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
                    #expect(response.headers[.cacheControl] == "no-cache")
                }
            }
        }
    }

    @Test func conditionalRequestsUseTheManifestETag() async throws {
        let fixture = try PreviewFixture()
        defer { fixture.remove() }
        let pack = try fixture.pack(session: "etag")
        let bytes = Array(try Data(contentsOf: pack.folder.appendingPathComponent("data/index.html")))
        let etag = "\"\(sha256Hex(bytes))\""
        let uri = "/\(pack.archive.lastPathComponent)/data/index.html"
        try await fixture.withClient { client, _ in
            for match in [etag, "W/\(etag)", "\"other\", \(etag)", "*"] {
                try await client.execute(uri: uri, method: .get, headers: [.ifNoneMatch: match]) { response in
                    #expect(response.status == .notModified, "\(match)")
                    #expect(response.headers[.eTag] == etag)
                    #expect(response.body.readableBytes == 0)
                }
            }
            // Another ETag: the full page, even with an If-Modified-Since in the future (If-None-Match decides).
            try await client.execute(uri: uri, method: .get, headers: [.ifNoneMatch: "\"stale\"", .ifModifiedSince: "Fri, 01 Jan 2100 00:00:00 GMT"]) { response in
                #expect(response.status == .ok)
                #expect(response.bytes == bytes)
            }
            // If-Modified-Since alone is FileMiddleware's: the archive's modification time.
            try await client.execute(uri: uri, method: .get, headers: [.ifModifiedSince: "Fri, 01 Jan 2100 00:00:00 GMT"]) { response in
                #expect(response.status == .notModified)
                #expect(response.headers[.eTag] == etag)
            }
            try await client.execute(uri: uri, method: .head) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.eTag] == etag)
                #expect(response.headers[.contentLength] == "\(bytes.count)")
                #expect(response.body.readableBytes == 0)
            }
        }
    }

    /// A file held in memory is answered from headers made once; the same file read from the
    /// archive goes through FileMiddleware: the two answers carry the same headers.
    @Test func filesFromMemoryAndFromFileMiddlewareCarryTheSameHeaders() async throws {
        let fixture = try PreviewFixture()
        defer { fixture.remove() }
        let pack = try fixture.pack(session: "headers", compression: .zstd)
        let key = pack.archive.lastPathComponent
        let paths = ["data/index.html", "data/evidence.xml", "data/packets/release.env", "data/inputs/records.jsonl", "bag-info.txt"]
        func answers(_ cache: CachePolicy, method: HTTPRequest.Method) async throws -> [String: [String: String]] {
            try await fixture.withClient(cache: cache) { client, library in
                var all: [String: [String: String]] = [:]
                for path in paths {
                    all[path] = try await client.execute(uri: "/\(key)/\(path)", method: method) { response in
                        #expect(response.status == .ok)
                        var fields: [String: String] = [:]
                        for field in response.headers where field.name != .date { fields[field.name.canonicalName] = field.value }
                        return fields
                    }
                }
                if cache.budget == 0 { #expect(library.keptBytes < 2048, "only the tag files are kept") }
                return all
            }
        }
        for method in [HTTPRequest.Method.get, .head] {
            let memory = try await answers(CachePolicy(), method: method)
            let streamed = try await answers(CachePolicy(maxFileSize: 0, budget: 0), method: method)
            #expect(memory == streamed, "\(method)")
            #expect(memory["data/index.html"]?["last-modified"]?.hasSuffix(" GMT") == true)
            #expect(memory["data/index.html"]?.count == 9, "\(memory["data/index.html"] ?? [:])")
        }
    }

    @Test func rangesAreServedAsHummingbirdSupportsThem() async throws {
        let fixture = try PreviewFixture()
        defer { fixture.remove() }
        let pack = try fixture.pack(session: "ranges")
        let bytes = Array(try Data(contentsOf: pack.folder.appendingPathComponent("data/inputs/records.jsonl")))
        let size = bytes.count
        let etag = "\"\(sha256Hex(bytes))\""
        try await Self.checkRanges(fixture: fixture, uri: "/\(pack.archive.lastPathComponent)/data/inputs/records.jsonl", bytes: bytes, etag: etag)
        // The same through the streaming path: nothing kept in memory.
        try await Self.checkRanges(
            fixture: fixture, uri: "/\(pack.archive.lastPathComponent)/data/inputs/records.jsonl", bytes: bytes, etag: etag,
            cache: CachePolicy(maxFileSize: 16, budget: 0))
        try await Self.checkRanges(
            fixture: fixture, uri: "/\(pack.folder.lastPathComponent)/data/inputs/records.jsonl", bytes: bytes, etag: etag,
            cache: CachePolicy(maxFileSize: 16, budget: 0))
        #expect(size > 1000)
    }

    static func checkRanges(fixture: PreviewFixture, uri: String, bytes: [UInt8], etag: String, cache: CachePolicy = CachePolicy()) async throws {
        let size = bytes.count
        try await fixture.withClient(cache: cache) { client, _ in
            let cases: [(String, ClosedRange<Int>)] = [
                ("bytes=0-9", 0...9), ("bytes=100-1099", 100...1099), ("bytes=-10", (size - 10)...(size - 1)),
                ("bytes=\(size - 5)-", (size - 5)...(size - 1)), ("bytes=10-999999999", 10...(size - 1)), ("bytes=-999999", 0...(size - 1)),
            ]
            for (header, range) in cases {
                try await client.execute(uri: uri, method: .get, headers: [.range: header]) { response in
                    #expect(response.status == .partialContent, "\(header)")
                    #expect(response.bytes == Array(bytes[range]), "\(header)")
                    #expect(response.headers[.contentRange] == "bytes \(range.lowerBound)-\(range.upperBound)/\(size)", "\(header)")
                    #expect(response.headers[.eTag] == etag)
                }
            }
            for header in ["bytes=\(size)-", "bytes=\(size + 10)-\(size + 20)", "bytes=-0"] {
                try await client.execute(uri: uri, method: .get, headers: [.range: header]) { response in
                    #expect(response.status == .rangeNotSatisfiable, "\(header)")
                    #expect(response.headers[.contentRange] == "bytes */\(size)")
                }
            }
            // Several ranges, another unit, nonsense: the whole file (RFC 9110 lets a server ignore Range).
            for header in ["bytes=0-1,5-6", "items=0-1", "bytes=abc", "bytes=9-3"] {
                try await client.execute(uri: uri, method: .get, headers: [.range: header]) { response in
                    #expect(response.status == .ok, "\(header)")
                    #expect(response.bytes == bytes)
                }
            }
            try await client.execute(uri: uri, method: .get, headers: [.range: "bytes=0-9", .ifRange: etag]) { response in
                #expect(response.status == .partialContent)
                #expect(response.bytes == Array(bytes[0...9]))
            }
            for validator in ["\"changed\"", "W/\(etag)", "Fri, 01 Jan 2100 00:00:00 GMT"] {
                try await client.execute(uri: uri, method: .get, headers: [.range: "bytes=0-9", .ifRange: validator]) { response in
                    #expect(response.status == .ok, "\(validator)")
                    #expect(response.bytes == bytes)
                }
            }
        }
    }

    @Test func onlyGetAndHeadAreServed() async throws {
        let fixture = try PreviewFixture()
        defer { fixture.remove() }
        let pack = try fixture.pack(session: "methods")
        try await fixture.withClient { client, _ in
            for uri in ["/", "/\(pack.archive.lastPathComponent)/data/index.html", "/no-such-pack/x", "/../secret.txt"] {
                for method in [HTTPRequest.Method.post, .put, .delete, .patch, .options, .trace, .connect] {
                    try await client.execute(uri: uri, method: method, body: ByteBuffer(string: "x")) { response in
                        #expect(response.status == .methodNotAllowed, "\(method) \(uri)")
                        #expect(response.headers[.allow] == "GET, HEAD")
                    }
                }
            }
            // What is there is unchanged.
            try await client.execute(uri: "/\(pack.archive.lastPathComponent)/data/index.html", method: .get) { response in
                #expect(response.status == .ok)
            }
        }
    }

    @Test func packsAndFoldersRedirectToTheOverview() async throws {
        let fixture = try PreviewFixture()
        defer { fixture.remove() }
        let pack = try fixture.pack(session: "redirect")
        let key = pack.archive.lastPathComponent
        try await fixture.withClient { client, _ in
            for uri in ["/\(key)", "/\(key)/", "/\(key)/data", "/\(key)/data/"] {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .found, "\(uri)")
                    #expect(response.headers[.location] == "/\(key)/data/index.html")
                }
            }
            try await client.execute(uri: "/\(key)/data/packets", method: .get) { response in
                #expect(response.status == .notFound, "a folder without an index.html")
            }
            try await client.execute(uri: "/\(key)/data/index.html/", method: .get) { response in
                #expect(response.status == .notFound)
            }
        }
    }

    /// A pack whose archive is rebuilt under the same name is read again: new bytes, new ETag.
    @Test func aChangedArchiveIsReadAgain() async throws {
        let fixture = try PreviewFixture()
        defer { fixture.remove() }
        let first = try fixture.pack(session: "rebuilt", files: PreviewFixture.files(title: "first edition"))
        let uri = "/\(first.archive.lastPathComponent)/data/index.html"
        try await fixture.withClient { client, _ in
            let before = try await client.execute(uri: uri, method: .get) { response in
                #expect(response.text.contains("first edition"))
                return response.headers[.eTag]
            }
            try FileManager.default.removeItem(at: first.folder)
            try fixture.pack(session: "rebuilt", files: PreviewFixture.files(title: "second edition"))
            try await client.execute(uri: uri, method: .get) { response in
                #expect(response.text.contains("second edition"))
                #expect(response.headers[.eTag] != before)
            }
            try await client.execute(uri: uri, method: .get, headers: [.ifNoneMatch: before ?? ""]) { response in
                #expect(response.status == .ok, "the old ETag no longer matches")
            }
        }
    }

    /// Files larger than the cache's limit are read from the archive on each request.
    @Test(arguments: [Compression.gzip, .zstd, .none])
    func largeFilesAreStreamedFromTheArchive(_ compression: Compression) async throws {
        let fixture = try PreviewFixture()
        defer { fixture.remove() }
        var generator = SystemRandomNumberGenerator()
        let big = (0..<(3 << 20)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let pack = try fixture.pack(
            session: "big", compression: compression, files: PreviewFixture.files(title: "big", extra: ["data/inputs/big.bin": big]))
        try FileManager.default.removeItem(at: pack.folder)
        let uri = "/\(pack.archive.lastPathComponent)/data/inputs/big.bin"
        try await fixture.withClient(cache: CachePolicy(maxFileSize: 64 << 10, budget: 1 << 20)) { client, library in
            try await client.execute(uri: uri, method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.bytes.count == big.count)
                #expect(sha256Hex(response.bytes) == sha256Hex(big), "compared by digest: a failed comparison of 3 MB would diff them for minutes")
                #expect(response.headers[.eTag] == "\"\(sha256Hex(big))\"")
            }
            try await client.execute(uri: uri, method: .get, headers: [.range: "bytes=2000000-2099999"]) { response in
                #expect(response.status == .partialContent)
                #expect(sha256Hex(response.bytes) == sha256Hex(Array(big[2_000_000...2_099_999])))
            }
            #expect(library.keptBytes < 64 << 10, "the large file is not held: \(library.keptBytes) bytes kept")
        }
    }

    @Test func aFileThatNoLongerMatchesTheManifestIsNotServed() async throws {
        let fixture = try PreviewFixture()
        defer { fixture.remove() }
        let pack = try fixture.pack(session: "edited", keep: .folder)
        // Edited in place, and a second file replaced by a copy of a file outside the pack (a hard
        // link to it would make the whole pack unsafe: PreviewSafetyTests.hardLinksMakeAFolderPackUnsafe).
        try Data("<p>forged</p>".utf8).write(to: pack.folder.appendingPathComponent("data/index.html"))
        let env = pack.folder.appendingPathComponent("data/packets/release.env")
        try FileManager.default.removeItem(at: env)
        try FileManager.default.copyItem(atPath: fixture.secretPath, toPath: env.path)
        // A file the manifest does not list at all.
        try Data("extra".utf8).write(to: pack.folder.appendingPathComponent("data/extra.txt"))
        let key = pack.folder.lastPathComponent
        try await fixture.withClient { client, _ in
            for path in ["data/index.html", "data/packets/release.env"] {
                try await client.execute(uri: "/\(key)/\(path)", method: .get) { response in
                    #expect(response.status == .forbidden, "\(path)")
                    #expect(response.text.contains("does not match manifest-sha256.txt"))
                    #expect(!response.text.contains(fixture.secret) && !response.text.contains("forged"))
                }
            }
            try await client.execute(uri: "/\(key)/data/extra.txt", method: .get) { response in
                #expect(response.status == .notFound)
            }
            try await client.execute(uri: "/\(key)/data/evidence.xml", method: .get) { response in
                #expect(response.status == .ok, "the untouched files are still served")
            }
            try await client.execute(uri: "/", method: .get) { response in
                #expect(response.text.contains("bag: 4 problems"), "\(response.text)")
                #expect(response.text.contains("bag-info.txt: Payload-Oxum is"))
                #expect(response.text.contains("data/extra.txt: not listed in manifest-sha256.txt"))
            }
        }
    }

    static func readAll(_ folder: URL) throws -> [String: [UInt8]] {
        var files: [String: [UInt8]] = [:]
        let enumerator = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey])!
        for case let url as URL in enumerator where (try url.resourceValues(forKeys: [.isRegularFileKey])).isRegularFile == true {
            let path = String(url.standardizedFileURL.path.dropFirst(folder.standardizedFileURL.path.count + 1))
            files[path] = Array(try Data(contentsOf: url))
        }
        return files
    }
}
