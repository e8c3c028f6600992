import EvidenceKit
import Hummingbird

/// The listing at `/`: every pack of the served folder, newest first, self-contained like the
/// pack pages (inline CSS, no script, the same Content-Security-Policy).
enum ListingPage {
    static func html(_ packs: [PackIndex], folder: String) -> String {
        var rows = ""
        for pack in packs { rows += row(pack) }
        let served = packs.filter(\.isServed).count
        let count = packs.count == 1 ? "1 pack" : "\(packs.count) packs"
        let lead = packs.isEmpty
            ? "No packs in <code>\(escape(folder))</code> yet. <code>evpack build SNAPSHOT --out \(escape(folder))</code> writes one; this page lists it when it is loaded again."
            : "\(count) in <code>\(escape(folder))</code>, newest first; \(served) served. The folder is read again on every load of this page."
        let table = packs.isEmpty ? "" : """
            <table>
            <thead><tr><th scope="col">Pack</th><th scope="col">Session</th><th scope="col">As of</th><th scope="col">Production decision</th><th scope="col">Payload checksum</th><th scope="col">Stored as</th><th scope="col">Checks</th></tr></thead>
            <tbody>
            \(rows)</tbody>
            </table>

            """
        return page(title: "Evidence packs", body: """
            <h1>Evidence packs</h1>
            <p class="lead">\(lead)</p>
            \(table)<p class="foot">Read-only preview by evpack \(escape(EvidencePack.version)): pack files are read straight out of their folders and archives. An archive that fails the safety checks of <code>evpack verify</code> is listed and not served. <code>evpack verify PACK</code> proves a pack offline.</p>

            """)
    }

    private static func row(_ pack: PackIndex) -> String {
        let summary = pack.summary
        let name = pack.isServed
            ? "<a href=\"/\(RequestPath.encode(pack.key))/data/index.html\">\(escape(pack.name))</a>"
            : escape(pack.name)
        let key = pack.key == pack.name ? "" : "<br><span class=\"muted code\">\(escape(pack.key))</span>"
        var decision = "<span class=\"muted\">unknown</span>"
        if let text = summary.decision {
            let go = text == "GO"
            decision = "<span class=\"status \(go ? "go" : "no-go")\"><span class=\"sym\" aria-hidden=\"true\">\(go ? "✔" : "✖")</span>\(escape(text))</span>"
        }
        var checksum = "<span class=\"muted\">unknown</span>"
        if let full = summary.payloadChecksum {
            checksum = "<span class=\"code\">bfg-\(escape(String(full.prefix(8))))</span><br><span class=\"code full\">\(escape(full))</span>"
        }
        var checks: String
        if !pack.isServed {
            checks = "<span class=\"status no-go\"><span class=\"sym\" aria-hidden=\"true\">✖</span>unsafe: not served</span>" + details(pack.problems, total: pack.problemCount)
        } else if !pack.bagProblems.isEmpty {
            let count = pack.bagProblemCount
            checks = "<span class=\"status warning\"><span class=\"sym\" aria-hidden=\"true\">!</span>bag: \(count) problem\(count == 1 ? "" : "s")</span>" + details(pack.bagProblems, total: pack.bagProblemCount)
        } else {
            checks = "<span class=\"status ok\"><span class=\"sym\" aria-hidden=\"true\">✔</span>safe, bag intact</span>"
        }
        return """
            <tr><td class="code">\(name)\(key)</td><td class="code">\(escape(summary.session ?? "—"))</td><td class="code when">\(escape(summary.asOf ?? "—"))</td><td>\(decision)</td><td>\(checksum)</td><td>\(escape(pack.kind.label))</td><td>\(checks)</td></tr>

            """
    }

    /// The first of `total` problems (an index keeps `PackIndex.shownProblems`).
    private static func details(_ lines: [String], total: Int) -> String {
        let shown = lines.prefix(20).map { "<li>\(escape($0))</li>" }.joined()
        let hidden = total - min(20, lines.count)
        let more = hidden > 0 ? "<li>… and \(hidden) more (<code>evpack verify</code> names them all)</li>" : ""
        return "<details><summary>why</summary><ul>\(shown)\(more)</ul></details>"
    }

    static func page(title: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta http-equiv="Content-Security-Policy" content="\(PreviewHeaders.contentSecurityPolicy)">
        <meta name="referrer" content="no-referrer">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title)) · evpack serve</title>
        <style>
        \(style)
        </style>
        </head>
        <body>
        <main>
        \(body)</main>
        </body>
        </html>

        """
    }

    static let style = """
        :root { --ink: #1b1f24; --muted: #57606a; --line: #d0d7de; --wash: #f6f8fa; --ok: #1a7f37; --ok-bg: #dafbe1;
          --warn: #7d4e00; --warn-bg: #fff8c5; --bad: #a40e26; --bad-bg: #ffebe9;
          font-family: system-ui, -apple-system, "Segoe UI", "Noto Sans", "DejaVu Sans", sans-serif; color: var(--ink); line-height: 1.45; }
        body { margin: 0; }
        main { max-width: 90rem; margin: 0 auto; padding: 1rem 1.5rem 2rem; }
        h1 { font-size: 1.6rem; margin: 0.5rem 0 0.25rem; }
        .lead, .muted, .foot { color: var(--muted); }
        .foot { font-size: 0.85rem; margin-top: 1.5rem; }
        table { border-collapse: collapse; width: 100%; font-size: 0.92rem; }
        th, td { border-bottom: 1px solid var(--line); padding: 0.4rem 0.5rem; text-align: left; vertical-align: top; }
        th { background: var(--wash); font-weight: 600; }
        code, .code { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 0.88em; overflow-wrap: anywhere; }
        .full { color: var(--muted); font-size: 0.75em; }
        .when { white-space: nowrap; }
        .status { display: inline-block; border-radius: 0.7rem; padding: 0.05rem 0.55rem; font-weight: 600; font-size: 0.85rem; border: 1px solid currentColor; }
        .status .sym { font-weight: 800; margin-right: 0.25rem; }
        .status.go, .status.ok { color: var(--ok); background: var(--ok-bg); }
        .status.warning { color: var(--warn); background: var(--warn-bg); }
        .status.no-go { color: var(--bad); background: var(--bad-bg); }
        details { font-size: 0.85rem; margin-top: 0.3rem; }
        details ul { margin: 0.3rem 0; padding-left: 1.2rem; overflow-wrap: anywhere; }
        """

    /// Escapes text for HTML content and attribute values.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default:
                if scalar.value < 0x20 && scalar != "\n" && scalar != "\t" || scalar.value == 0x7F {
                    out += "\u{FFFD}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }
}

/// A short HTML page for an error, with the status and what to do.
enum ErrorPage {
    static func response(_ status: HTTPResponse.Status, _ message: String, head: Bool) -> Response {
        let title = "\(status.code) \(status.reasonPhrase)"
        let html = ListingPage.page(title: title, body: """
            <h1>\(ListingPage.escape(title))</h1>
            <p>\(ListingPage.escape(message))</p>
            <p><a href="/">All packs</a></p>

            """)
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
