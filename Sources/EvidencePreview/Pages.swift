import EvidenceKit
import Hummingbird

/// The listing at `/`: every pack of the served folder once (a pack folder and its archive are
/// one row, with a warning when they disagree), newest first, whether it is signed, and a link
/// to its diff from the previous pack of its session. Rendered with the Mustache templates of
/// the pack pages (`AcrossPages`, templates/html/across/listing.mustache), which escape every value.
enum ListingPage {
    /// One pack: its copies in the folder, the one linked first.
    struct Row {
        var copies: [PackIndex]
        /// The previous pack of the same session (by as-of), when there is one.
        var previous: PackIndex?

        /// A served copy, folder first; else the first copy.
        var primary: PackIndex { copies.first { $0.isServed } ?? copies[0] }
    }

    /// The rows of `packs` (newest first): copies of one bag grouped, in the order of their newest copy.
    static func rows(_ packs: [PackIndex]) -> [Row] {
        var rows: [Row] = []
        var position: [String: Int] = [:]
        for pack in packs {
            let group = groupKey(pack)
            if let index = position[group] {
                rows[index].copies.append(pack)
            } else {
                position[group] = rows.count
                rows.append(Row(copies: [pack]))
            }
        }
        for index in rows.indices {
            rows[index].copies.sort { ($0.kind != .folder ? 1 : 0, $0.key) < ($1.kind != .folder ? 1 : 0, $1.key) }
        }
        // Oldest first, remembering the last row of each session: that is the previous one.
        var last: [String: PackIndex] = [:]
        for index in rows.indices.reversed() {
            let primary = rows[index].primary
            guard let session = primary.summary.session else { continue }
            rows[index].previous = last[session]
            last[session] = primary
        }
        return rows
    }

    /// A folder and an archive named after the bag they hold group together; anything else
    /// (an archive whose folder has another name) stays a row of its own.
    static func groupKey(_ pack: PackIndex) -> String {
        let named = pack.key == pack.name || PackFolder.archiveExtensions.contains { pack.key == pack.name + $0 }
        return named ? "pack:" + pack.name : "key:" + pack.key
    }

    static func html(_ packs: [PackIndex], folder: String) -> String {
        let rows = rows(packs)
        let served = rows.count { row in row.copies.contains(where: \.isServed) }
        return AcrossPages.listing([
            "pageTitle": "Evidence packs", "hasNav": false,
            "folder": folder, "empty": rows.isEmpty, "served": String(served),
            "count": rows.count == 1 ? "1 pack" : "\(rows.count) packs",
            "rows": rows.map(context),
            "footNote": "Read-only preview: pack files are read straight out of their folders and archives. An archive that fails the safety checks of evpack verify is listed and not served. evpack verify PACK proves a pack offline.",
        ])
    }

    static func href(_ key: String) -> String { "/\(RequestPath.encode(key))/data/index.html" }

    private static func context(_ row: Row) -> [String: Any] {
        let primary = row.primary
        let summary = primary.summary
        var decision: Any = false
        if let text = summary.decision {
            let go = text == "GO"
            decision = ["cls": go ? "go" : "no-go", "sym": go ? "✔" : "✖", "text": text]
        }
        var payload: Any = false
        if let full = summary.payloadChecksum { payload = ["short": "bfg-" + full.prefix(8), "full": full] }
        var diff: Any = false
        var noDiff = "first pack of its session"
        if let previous = row.previous {
            if previous.isServed, primary.isServed {
                diff = ["href": "/diff/\(RequestPath.encode(previous.key))/\(RequestPath.encode(primary.key))", "previous": previous.name]
            } else {
                noDiff = "not compared: a pack is not served"
            }
        } else if summary.session == nil {
            noDiff = "no session in its name"
        }
        let signed = Set(row.copies.map(\.signed))
        return [
            "name": primary.name, "href": primary.isServed ? href(primary.key) : false,
            "session": summary.session ?? "—", "asOf": summary.asOf ?? "—", "decision": decision, "payload": payload,
            "copies": row.copies.map(copy), "signed": signed.count > 1 ? "one copy" : (signed.first == true ? "signed" : "not signed"),
            "disagreement": disagreement(row.copies) ?? false,
            "diff": diff, "noDiff": noDiff,
        ]
    }

    private static func copy(_ pack: PackIndex) -> [String: Any] {
        var problems: Any = false
        let status: [String: String]
        if !pack.isServed {
            status = ["cls": "no-go", "sym": "✖", "text": "unsafe: not served"]
            problems = details(pack.problems, total: pack.problemCount)
        } else if !pack.bagProblems.isEmpty {
            let count = pack.bagProblemCount
            status = ["cls": "warning", "sym": "!", "text": "bag: \(count) problem\(count == 1 ? "" : "s")"]
            problems = details(pack.bagProblems, total: count)
        } else {
            status = ["cls": "ok", "sym": "✔", "text": "safe, bag intact"]
        }
        let label = pack.key == pack.name || pack.kind == .folder ? pack.kind.label : pack.key
        return ["label": label, "href": pack.isServed ? href(pack.key) : false, "status": status, "problems": problems]
    }

    /// The first of `total` problems (an index keeps `PackIndex.shownProblems`).
    private static func details(_ lines: [String], total: Int) -> [String: Any] {
        let shown = Array(lines.prefix(20))
        let hidden = total - shown.count
        return ["lines": shown, "more": hidden > 0 ? String(hidden) : false]
    }

    /// How the copies of one pack differ (decision, payload, as-of, signature, whether served), or nil.
    static func disagreement(_ copies: [PackIndex]) -> String? {
        guard copies.count > 1 else { return nil }
        var parts: [String] = []
        func compare(_ what: String, _ value: (PackIndex) -> String) {
            let values = copies.map(value)
            if Set(values).count > 1 { parts.append(what + ": " + zip(copies, values).map { "\($0.kind.label) \($1)" }.joined(separator: ", ")) }
        }
        compare("decision") { $0.summary.decision ?? "unknown" }
        compare("payload") { $0.summary.payloadChecksum.map { "bfg-" + $0.prefix(8) } ?? "unknown" }
        compare("as of") { $0.summary.asOf ?? "unknown" }
        compare("signature") { $0.signed ? "signed" : "not signed" }
        compare("safety") { $0.isServed ? "served" : "unsafe" }
        compare("bag") { $0.bagProblemCount == 0 ? "intact" : "\($0.bagProblemCount) problems" }
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }
}

/// A short HTML page for an error, with the status and what to do.
enum ErrorPage {
    static func response(_ status: HTTPResponse.Status, _ message: String, head: Bool) -> Response {
        let html = AcrossPages.message(
            title: "\(status.code) \(status.reasonPhrase)", message: message, footNote: "Read-only preview of evidence packs.")
        return HTMLResponse.make(html, status: status, head: head)
    }
}

enum HTMLResponse {
    /// A `text/html` response; for HEAD, the same headers without the body.
    static func make(_ html: String, status: HTTPResponse.Status = .ok, head: Bool) -> Response {
        let buffer = ByteBuffer(string: html)
        let response = Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8"], body: ResponseBody(byteBuffer: buffer))
        return head ? response.createHeadResponse() : response
    }
}
