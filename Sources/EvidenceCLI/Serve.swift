import ArgumentParser
import EvidenceKit
import EvidencePreview
import Foundation

/// `evpack serve`: a read-only preview of every pack in a folder.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Preview every pack in a folder in a browser: a small read-only server.",
        discussion: """
            Lists the packs in DIR (pack folders and .tar.gz, .tar.zst, .tar archives) at / with \
            session, as-of, production decision, payload checksum and signature, newest first, \
            each pack once (a folder and its archive are one row; a warning says when they \
            differ), with a link to its diff from the previous pack of its session; \
            /diff/OLD/NEW shows that diff and /history the page `evpack history` writes. It serves \
            their files read straight out of the archives, never extracted. The folder is read \
            again on every load of the list, and a pack that changes on disk is read again. \
            An archive that fails the safety checks of `evpack verify` is listed and not served. \
            Serves GET and HEAD only, with the pages' Content-Security-Policy, ETags from the \
            pack's SHA-256 manifest and byte ranges. Ctrl-C stops it (exit 0) once the \
            responses under way are sent.

            Memory stays under --cache-mb + 128 MiB whatever DIR holds: packs are read one at a \
            time, a pack of more than \(PackLibrary.maxEntries) entries is listed and not served, \
            and the file lists of packs beyond 32 MiB are dropped (least recently used first) \
            and read again when needed.

            Exit codes: 0 stopped by Ctrl-C or SIGTERM; 2 usage error (DIR is not a folder, the \
            port is in use).
            """
    )

    @Argument(help: ArgumentHelp("The folder of packs.", valueName: "dir"))
    var folder: String = "output"

    @Option(help: ArgumentHelp(
        "The address to listen on.",
        discussion: "127.0.0.1 (the default) lets only this machine connect; 0.0.0.0 or a network address lets anyone who can reach it read the packs.",
        valueName: "host"))
    var host = "127.0.0.1"

    @Option(help: ArgumentHelp("The port to listen on; 0 picks a free one (the URL printed names it).", valueName: "port"))
    var port = 8080

    @Option(name: .customLong("cache-mb"), help: ArgumentHelp(
        "Megabytes of small pack files (up to 4 MB each) kept in memory across all packs; larger files are read from the pack on each request.",
        valueName: "mb"))
    var cacheMB = 256

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port \(port) is not a port number (0–65535)") }
        guard cacheMB >= 0 else { throw ValidationError("--cache-mb must be 0 or more") }
        guard !host.isEmpty else { throw ValidationError("--host must name an address, e.g. 127.0.0.1") }
    }

    func run() async throws {
        let action = ServeAction(folder: folder, host: host, port: port, cache: CachePolicy(budget: cacheMB << 20))
        if !ServeAction.isLoopback(host) {
            printError("evpack serve: warning: listening on \(host), not loopback: anyone who can reach this machine on that port can read these packs")
        }
        do {
            try await action.run { url in
                // Unbuffered: whoever started the server reads the URL at once, even from a pipe or file.
                FileHandle.standardOutput.write(Data("evpack serve: serving the packs in \(folder) at \(url) (read-only; Ctrl-C stops)\n".utf8))
            }
        } catch {
            switch error {
            case .notAFolder: throw InputError.cannotRead(path: folder, reason: "not a folder; name the folder holding the packs")
            case .portInUse, .cannotListen: throw InputError.invalidOption(name: "--port", message: error.description)
            }
        }
        FileHandle.standardOutput.write(Data("evpack serve: stopped\n".utf8))
    }
}
