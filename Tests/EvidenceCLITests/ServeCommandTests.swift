import EvidenceKit
import Foundation
import Testing
import TestSupport

/// `evpack serve` end to end: the binary on a real socket, curl as the client, SIGINT to stop.
@Suite(.serialized) struct ServeCommandTests {
    /// Starts `evpack serve FOLDER --port 0` and waits for the URL it prints.
    static func start(_ folder: String, _ extra: [String] = []) throws -> (server: SpawnedProcess, url: String) {
        let server = try Run.start(TestPaths.evpack, ["serve", folder, "--port", "0"] + extra)
        let url = server.waitForOutput(timeout: 30) { text in
            guard let start = text.range(of: "http://127.0.0.1:") else { return nil }
            let rest = text[start.lowerBound...]
            guard let end = rest.firstIndex(of: " ") else { return nil }
            return String(rest[..<end])
        }
        guard let url else {
            server.send(SIGKILL)
            Issue.record("evpack serve printed no URL: \(server.stdout) \(server.stderr)")
            throw CancellationError()
        }
        return (server, url)
    }

    static func curl(_ arguments: [String]) throws -> ProcessResult {
        try Run.process("curl", ["--silent", "--show-error", "--max-time", "60"] + arguments)
    }

    /// Sends request lines with a raw NUL, backslashes, a relative or absolute-form target;
    /// prints each answer's status code and whether /etc/passwd leaked.
    static let rawRequests = #"""
        import socket, sys
        port, key = int(sys.argv[1]), sys.argv[2]
        targets = [
            f"/{key}/data/index.html\x00.txt", "/\x00/../../etc/passwd", f"/{key}\\..\\..\\etc\\passwd",
            "../../etc/passwd", "/../../../../etc/passwd", f"http://127.0.0.1:{port}/../../etc/passwd",
            f"/{key}/data/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "//etc/passwd", f"/{key}/data/%2fetc%2fpasswd",
        ]
        for target in targets:
            with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
                s.sendall(b"GET " + target.encode("latin-1") + b" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                data = b""
                while chunk := s.recv(65536):
                    data += chunk
            status = data.split(b" ", 2)[1].decode() if data.startswith(b"HTTP/1.1 ") else "none"
            print(status, "root:x:0:0" in data.decode("latin-1") and "LEAK" or "ok")
        """#

    @Test func servesTheListingAndAPageFromAnArchiveAndStopsOnSIGINT() throws {
        let out = TestPaths.temporaryFolder("evpack-serve-e2e")
        defer { try? FileManager.default.removeItem(at: out) }
        let build = try Run.evpack(["build", TestPaths.snapshot("ready.json"), "--records", TestPaths.snapshot("ready-records.jsonl"), "--out", out.path])
        #expect(build.status == 0, "\(build.stderr)")
        let name = "evidence-grant-ready-bfg-d6f24eb0"
        // Only the archive: the page must come out of it.
        let page = try Data(contentsOf: out.appendingPathComponent(name + "/data/index.html"))
        let family = try Data(contentsOf: out.appendingPathComponent(name + "/data/release.html"))
        try FileManager.default.removeItem(at: out.appendingPathComponent(name))

        let (server, url) = try Self.start(out.path)
        #expect(url.hasPrefix("http://127.0.0.1:") && url.hasSuffix("/"))
        #expect(server.stdout.contains("serving the packs in \(out.path) at \(url)"))

        let listing = try Self.curl(["--fail", url])
        #expect(listing.status == 0, "\(listing.stderr)")
        #expect(listing.stdout.contains("href=\"/\(name).tar.gz/data/index.html\""))
        #expect(listing.stdout.contains("grant-ready") && listing.stdout.contains("✔</span>GO</span>"))
        #expect(listing.stdout.contains("d6f24eb0"))

        let headers = TestPaths.temporaryFolder().appendingPathComponent("headers")
        let fetched = try Self.curl(["--fail", "--dump-header", headers.path, url + name + ".tar.gz/data/index.html"])
        #expect(fetched.status == 0, "\(fetched.stderr)")
        #expect(fetched.stdoutData == page, "the page out of the archive is the page the build wrote")
        let head = try String(contentsOf: headers, encoding: .utf8).lowercased()
        // The same Content-Security-Policy as the page's own meta tag.
        let meta = try #require(String(decoding: page, as: UTF8.self).firstMatch(of: /http-equiv="Content-Security-Policy" content="([^"]+)"/))
        #expect(head.contains("content-security-policy: \(meta.1.lowercased())\r\n"), "\(head)")
        #expect(head.contains("content-type: text/html; charset=utf-8"))
        #expect(head.contains("etag: \"\(Checksum.sha256Hex(page))\""))

        // A relative link of the page resolves inside the archive too.
        let linked = try Self.curl(["--fail", url + name + ".tar.gz/data/release.html"])
        #expect(linked.stdoutData == family)
        let traversal = try Self.curl(["--path-as-is", "--output", "/dev/null", "--write-out", "%{http_code}", url + name + ".tar.gz/../../etc/passwd"])
        #expect(traversal.stdout == "400")

        // Raw request lines no HTTP client would send: each gets a 4xx, never a file.
        let port = String(url.dropFirst("http://127.0.0.1:".count).dropLast())
        let raw = try Run.python(Self.rawRequests, [port, name + ".tar.gz"])
        #expect(raw.status == 0, "\(raw.stderr)")
        for line in raw.stdout.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1)
            #expect(parts.count == 2 && parts[0].hasPrefix("4"), "\(line)")
            #expect(!line.contains("root:x:0:0"))
        }
        #expect(raw.stdout.split(separator: "\n").count == 9, "\(raw.stdout)")

        server.send(SIGINT)
        let status = server.wait(timeout: 30)
        #expect(status == 0, "exit \(String(describing: status)): \(server.stderr)")
        #expect(server.stdout.contains("evpack serve: stopped"))
        #expect(server.stderr.isEmpty, "\(server.stderr)")
    }

    /// A client that reads slowly (a small receive buffer, a pause after each read), writing the
    /// raw response to a file as it comes, so a test can watch it arrive.
    static let slowClient = #"""
        import socket, sys, time
        port, path, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32768)
        s.connect(("127.0.0.1", port))
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".encode())
        with open(out, "wb") as f:
            while chunk := s.recv(32768):
                f.write(chunk)
                f.flush()
                time.sleep(0.003)
        """#

    /// SIGINT while a slow client is still downloading: the response is finished, then the server exits 0.
    @Test func ctrlCFinishesTheResponsesUnderWay() throws {
        let out = TestPaths.temporaryFolder("evpack-serve-inflight")
        defer { try? FileManager.default.removeItem(at: out) }
        let work = out.appendingPathComponent(".partial")
        try FileManager.default.createDirectory(at: work.appendingPathComponent("data"), withIntermediateDirectories: true)
        // Larger than the cache takes and than the socket buffers: streamed out of the archive
        // while the client reads.
        var state = UInt64.random(in: 1...UInt64.max)
        let words = (0..<(3 << 20)).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state
        }
        let big = words.withUnsafeBytes { Data($0) }
        try big.write(to: work.appendingPathComponent("data/big.bin"))
        try Data("<p>pack</p>".utf8).write(to: work.appendingPathComponent("data/index.html"))
        let info = BagInfo(asOf: Instant(rfc3339: "2026-11-20T09:00:00Z")!, payloadChecksum: String(repeating: "a", count: 64), productionDecision: "GO")
        let pack = try PackWriter.finish(
            folder: work, name: "evidence-inflight-bfg-aaaaaaaa", info: info, options: PackOptions(compression: .none, mtime: 1_700_000_000))
        try FileManager.default.removeItem(at: pack.folder)

        let (server, url) = try Self.start(out.path)
        let port = String(url.dropFirst("http://127.0.0.1:".count).dropLast())
        let target = out.appendingPathComponent("response.raw")
        let client = try Run.start("/usr/bin/env", ["python3", "-c", Self.slowClient, port, "/evidence-inflight-bfg-aaaaaaaa.tar/data/big.bin", target.path])
        func received() -> Int { (try? FileManager.default.attributesOfItem(atPath: target.path)[.size] as? Int) ?? 0 }
        var started = false
        for _ in 0..<400 where !started {
            usleep(25_000)
            started = received() > 1 << 20
        }
        #expect(started, "the download did not start")
        let atSignal = received()
        server.send(SIGINT)
        #expect(atSignal < big.count / 2, "SIGINT came in the middle of the download (\(atSignal) bytes in)")
        #expect(client.wait(timeout: 120) == 0, "client: \(client.stderr)")
        let response = try Data(contentsOf: target)
        let split = try #require(response.firstRange(of: Data("\r\n\r\n".utf8)))
        let head = String(decoding: response[..<split.lowerBound], as: UTF8.self)
        #expect(head.hasPrefix("HTTP/1.1 200 OK"), "\(head)")
        #expect(head.lowercased().contains("content-length: \(big.count)"))
        // Sizes and digests, not the bytes: a failed comparison of 24 MB would diff them for hours.
        let body = response[split.upperBound...]
        #expect(body.count == big.count, "the whole file arrived after SIGINT: \(body.count) of \(big.count) bytes")
        #expect(Checksum.sha256Hex(body) == Checksum.sha256Hex(big))
        #expect(server.wait(timeout: 30) == 0, "\(server.stderr)")
        #expect(server.stdout.contains("evpack serve: stopped"))
        // Stopped: nothing listens any more.
        let after = try Self.curl(["--output", "/dev/null", url])
        #expect(after.status != 0)
    }

    @Test func anotherHostThanLoopbackIsSaidOutLoud() throws {
        let out = TestPaths.temporaryFolder("evpack-serve-host")
        defer { try? FileManager.default.removeItem(at: out) }
        let server = try Run.start(TestPaths.evpack, ["serve", out.path, "--host", "0.0.0.0", "--port", "0"])
        let url = server.waitForOutput(timeout: 30) { $0.contains("http://0.0.0.0:") ? $0 : nil }
        #expect(url != nil, "\(server.stdout) \(server.stderr)")
        #expect(server.stderr.contains("warning: listening on 0.0.0.0, not loopback"))
        server.send(SIGINT)
        #expect(server.wait(timeout: 30) == 0)

        let local = try Run.start(TestPaths.evpack, ["serve", out.path, "--port", "0"])
        #expect(local.waitForOutput(timeout: 30) { $0.contains("http://127.0.0.1:") ? $0 : nil } != nil)
        #expect(local.stderr.isEmpty, "no warning on loopback")
        local.send(SIGINT)
        #expect(local.wait(timeout: 30) == 0)
    }

    @Test func aPortInUseNamesThePortOption() throws {
        let out = TestPaths.temporaryFolder("evpack-serve-port")
        defer { try? FileManager.default.removeItem(at: out) }
        let (first, url) = try Self.start(out.path)
        let port = String(url.dropFirst("http://127.0.0.1:".count).dropLast())
        let second = try Run.evpack(["serve", out.path, "--port", port])
        #expect(second.status == 2)
        #expect(second.stderr.contains("127.0.0.1:\(port) is already in use"), "\(second.stderr)")
        #expect(second.stderr.contains("--port"))
        first.send(SIGTERM)
        #expect(first.wait(timeout: 30) == 0)

        let missing = try Run.evpack(["serve", out.appendingPathComponent("no-such-folder").path, "--port", "0"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("no-such-folder: cannot read: not a folder"), "\(missing.stderr)")
        let badPort = try Run.evpack(["serve", out.path, "--port", "70000"])
        #expect(badPort.status == 2)
        #expect(badPort.stderr.contains("--port 70000 is not a port number"))
    }
}
