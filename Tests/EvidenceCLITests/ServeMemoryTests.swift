import EvidenceKit
import Foundation
import Testing
import TestSupport

/// `evpack serve`'s memory stays under `--cache-mb` + 128 MiB whatever the folder holds (SPEC §7):
/// measured on the running binary (`/proc/PID/status`) over eight copies of a pack archive of
/// 100 000 entries (more than the preview reads: listed, not served, no index kept) and two of
/// one of 10 000 (served).
@Suite(.serialized) struct ServeMemoryTests {
    /// Makes a valid, safe pack archive from a pack folder with `extra` more payload files
    /// (manifests, Payload-Oxum and tag manifest made right): every entry passes verify's checks.
    static let hugePack = #"""
        import hashlib, io, os, sys, tarfile
        folder, out, extra = sys.argv[1], sys.argv[2], int(sys.argv[3])
        name = os.path.basename(folder.rstrip("/"))
        files = {}
        for root, _, names in os.walk(folder):
            for n in names:
                p = os.path.join(root, n)
                with open(p, "rb") as f:
                    files[os.path.relpath(p, folder)] = f.read()
        for i in range(extra):
            files[f"data/bulk/{i // 1000:03d}/f{i:06d}.txt"] = f"{i}\n".encode()
        payload = sorted(p for p in files if p.startswith("data/"))
        files["manifest-sha256.txt"] = "".join(f"{hashlib.sha256(files[p]).hexdigest()}  {p}\n" for p in payload).encode()
        size = sum(len(files[p]) for p in payload)
        info = [l for l in files["bag-info.txt"].decode().splitlines() if not l.startswith("Payload-Oxum:")]
        files["bag-info.txt"] = ("\n".join(info + [f"Payload-Oxum: {size}.{len(payload)}"]) + "\n").encode()
        tags = sorted(p for p in files if not p.startswith("data/") and p != "tagmanifest-sha256.txt")
        files["tagmanifest-sha256.txt"] = "".join(f"{hashlib.sha256(files[p]).hexdigest()}  {p}\n" for p in tags).encode()
        folders = set()
        for p in files:
            parts = p.split("/")[:-1]
            for k in range(1, len(parts) + 1):
                folders.add("/".join(parts[:k]))
        with tarfile.open(out, "w:gz", format=tarfile.PAX_FORMAT) as t:
            def add(path, data=None):
                entry = tarfile.TarInfo(path)
                entry.mtime = 1_700_000_000
                if data is None:
                    entry.type, entry.mode = tarfile.DIRTYPE, 0o755
                    t.addfile(entry)
                else:
                    entry.size, entry.mode = len(data), 0o644
                    t.addfile(entry, io.BytesIO(data))
            add(name)
            for d in sorted(folders):
                add(f"{name}/{d}")
            for p in sorted(files):
                add(f"{name}/{p}", files[p])
        print(1 + len(folders) + len(files))
        """#

    /// VmHWM (peak) and VmRSS (now) of a process, in KiB.
    static func memory(_ pid: pid_t) -> (peak: Int, now: Int)? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        func field(_ name: String) -> Int? {
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(name + ":") }) else { return nil }
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        }
        guard let peak = field("VmHWM"), let now = field("VmRSS") else { return nil }
        return (peak, now)
    }

    @Test func eightCopiesOfA100000EntryArchiveStayUnderTheCacheMBPlus128MiB() throws {
        let work = TestPaths.temporaryFolder("evpack-serve-memory")
        defer { try? FileManager.default.removeItem(at: work) }
        let out = work.appendingPathComponent("built")
        let build = try Run.evpack(["build", TestPaths.snapshot("ready.json"), "--records", TestPaths.snapshot("ready-records.jsonl"), "--out", out.path])
        #expect(build.status == 0, "\(build.stderr)")
        let served = work.appendingPathComponent("served")
        try FileManager.default.createDirectory(at: served, withIntermediateDirectories: true)
        let folder = out.appendingPathComponent("evidence-grant-ready-bfg-d6f24eb0").path
        func craft(_ name: String, extra: Int) throws -> Int {
            let made = try Run.python(Self.hugePack, [folder, served.appendingPathComponent(name).path, String(extra)])
            #expect(made.status == 0, "\(made.stderr)")
            return Int(made.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        }
        let entries = try craft("huge-0.tar.gz", extra: 99_800)
        #expect(entries > 99_900 && entries <= 100_000, "as many entries as verify allows: \(entries)")
        for index in 1..<8 {
            try FileManager.default.copyItem(at: served.appendingPathComponent("huge-0.tar.gz"), to: served.appendingPathComponent("huge-\(index).tar.gz"))
        }
        let large = try craft("large-0.tar.gz", extra: 9_900)
        #expect(large > 9_900 && large <= 10_000, "\(large)")
        try FileManager.default.copyItem(at: served.appendingPathComponent("large-0.tar.gz"), to: served.appendingPathComponent("large-1.tar.gz"))
        let archiveBytes = (try FileManager.default.attributesOfItem(atPath: served.appendingPathComponent("huge-0.tar.gz").path)[.size] as? Int) ?? 0
        let verify = try Run.evpack(["verify", served.appendingPathComponent("huge-0.tar.gz").path, "--no-replay"])
        #expect(verify.status == 0, "the huge pack is valid and safe for verify: \(verify.stdout)")

        let cacheMB = 16
        let (server, url) = try ServeCommandTests.start(served.path, ["--cache-mb", String(cacheMB)])
        defer {
            server.send(SIGINT)
            _ = server.wait(timeout: 30)
        }
        let started = Date()
        let listing = try ServeCommandTests.curl(["--fail", "--max-time", "600", url])
        #expect(listing.status == 0, "\(listing.stderr)")
        #expect(listing.stdout.contains("10 packs in") && listing.stdout.contains("2 served"), "every copy is listed, the large ones served")
        #expect(listing.stdout.contains("the preview reads at most 10000 entries"), "says why the huge ones are not served")
        let listed = Date().timeIntervalSince(started)
        for index in 0..<8 {
            let key = "huge-\(index).tar.gz"
            for path in ["/data/index.html", "/data/bulk/005/f005123.txt"] {
                let refused = try ServeCommandTests.curl(["--max-time", "600", "--output", "/dev/null", "--write-out", "%{http_code}", url + key + path])
                #expect(refused.stdout == "403", "\(key)\(path)")
            }
        }
        for round in 0..<2 {
            for index in 0..<2 {
                let key = "large-\(index).tar.gz"
                let page = try ServeCommandTests.curl(["--fail", "--max-time", "600", url + key + "/data/index.html"])
                #expect(page.status == 0 && page.stdout.contains("<html"), "\(key): \(page.stderr)")
                let number = 1000 * (index + 2 * round) + 123
                let bulk = try ServeCommandTests.curl(["--fail", "--max-time", "600", url + key + String(format: "/data/bulk/%03d/f%06d.txt", number / 1000, number)])
                #expect(bulk.stdout == "\(number)\n", "\(key): \(bulk.stderr)")
            }
        }
        let again = try ServeCommandTests.curl(["--fail", "--max-time", "600", url])
        #expect(again.stdout.contains("2 served"))

        let usage = try #require(Self.memory(server.pid))
        let bound = (cacheMB + 128) << 10
        print("serve memory: 8 × \(entries) entries (\(archiveBytes) bytes each) and 2 × \(large), --cache-mb \(cacheMB): VmHWM \(usage.peak >> 10) MiB, VmRSS \(usage.now >> 10) MiB (bound \(bound >> 10) MiB); listing took \(String(format: "%.1f", listed)) s, all in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        #expect(usage.peak < bound, "peak resident \(usage.peak >> 10) MiB over --cache-mb + 128 MiB")
        #expect(usage.now < bound)
    }
}
