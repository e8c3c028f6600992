import Mustache

/// The HTML pages across packs — the diff, the history, the preview's listing — rendered with
/// the Mustache templates under `templates/html/across/` and the packs' own style sheet and
/// Content-Security-Policy: self-contained, no script, every value escaped by `{{name}}`.
public enum AcrossPages {
    /// The pages; each one takes `across-head` and `across-foot`.
    static let pages = ["diff", "history", "listing", "message"]
    static let partials = ["head", "foot"]

    static let library: MustacheLibrary = {
        do {
            return try load()
        } catch {
            preconditionFailure("the bundled templates are broken: \(error)")
        }
    }()

    /// The bundled pages with the packs' style sheet and status badge.
    static func load() throws(TemplateError) -> MustacheLibrary {
        var library = MustacheLibrary()
        var files: [(name: String, relative: String)] = [("style", "html/style.css"), ("status", "html/status.mustache"),
                                                         ("across-style", "html/across/style.css")]
        files += partials.map { ("across-" + $0, "html/across/\($0).mustache") }
        files += pages.map { ($0, "html/across/\($0).mustache") }
        for (name, relative) in files {
            var text = try TemplateSet.bundledText(relative)
            if TemplateSet.inlinePartials.contains(name), text.hasSuffix("\n") { text.removeLast() }
            do {
                library.register(try MustacheTemplate(string: text), named: name)
            } catch {
                throw .invalidTemplate(file: "templates/" + relative, message: TemplateSet.describe(error))
            }
        }
        return library
    }

    /// Renders `page` with `context`; control characters from inputs become U+FFFD.
    static func render(_ page: String, _ context: [String: Any]) -> String {
        var context = context
        context["toolVersion"] = EvidencePack.version
        guard var text = library.render(context, withTemplate: page) else {
            preconditionFailure("template \(page) is not registered")
        }
        if !text.hasSuffix("\n") { text += "\n" }
        return XMLText.sanitized(text)
    }

    /// The preview's listing of packs, from the context `evpack serve` makes of its packs.
    public static func listing(_ context: [String: Any]) -> String {
        render("listing", context)
    }

    /// A short page with a title and one message (the preview's error pages).
    public static func message(title: String, message: String, footNote: String) -> String {
        render("message", ["pageTitle": title, "message": message, "hasNav": false, "footNote": footNote])
    }

    /// A status badge: a symbol and a word, never colour alone.
    static func status(_ status: String?) -> [String: Any] {
        guard let status else { return ["cls": "muted", "sym": "–", "text": "absent"] }
        let symbols = ["ready": "✓", "next": "→", "review": "?", "blocked": "✕"]
        return ["cls": status, "sym": symbols[status] ?? "•", "text": status]
    }

    /// The diff page; `links` are the hrefs of each pack's `index.html` (nil: no link).
    public static func diff(_ diff: PackDiff, links: (old: String?, new: String?) = (nil, nil), nav: [[String: Any]] = []) -> String {
        render("diff", diffContext(diff, links: links, nav: nav))
    }

    static func diffContext(_ diff: PackDiff, links: (old: String?, new: String?), nav: [[String: Any]]) -> [String: Any] {
        func side(_ side: PackDiff.Side, label: String, href: String?) -> [String: Any] {
            [
                "label": label, "name": side.name, "href": href ?? false, "cls": side.isGo ? "go" : "no-go",
                "decision": PackDiff.decision(side), "asOf": side.asOf, "payloadShort": Checksum.short(side.payloadChecksum),
                "signed": side.signed,
            ]
        }
        var inputChanges: [[String: Any]] = []
        func add(_ what: String, _ changes: [PackDiff.InputChange], short: Bool) {
            for change in changes {
                let show = { (value: String?) in short ? PackDiff.short(value) : (value ?? "0") }
                inputChanges.append(["what": what, "key": change.key, "before": show(change.before), "after": show(change.after)])
            }
        }
        if let payload = diff.inputs.payload {
            inputChanges.append(["what": "payload checksum", "key": "", "before": payload.before ?? "", "after": payload.after ?? ""])
        }
        add("snapshot section", diff.inputs.snapshotSections, short: true)
        add("accepted records", diff.inputs.recordCounts, short: false)
        add("option", diff.inputs.options, short: true)
        return [
            "pageTitle": "diff \(diff.old.name) → \(diff.new.name)",
            "hasNav": !nav.isEmpty, "nav": nav,
            "sides": [side(diff.old, label: "old", href: links.old), side(diff.new, label: "new", href: links.new)],
            "unchanged": diff.isUnchanged,
            "decisionText": diff.decisionText, "decisionRegressed": diff.decisionRegressed,
            "families": diff.families.map { family in
                [
                    "id": family.id, "changed": family.changed, "before": PackDiff.fraction(family.before),
                    "after": PackDiff.fraction(family.after), "beforeDecision": family.before?.decision ?? "—",
                    "afterDecision": family.after?.decision ?? "—",
                ] as [String: Any]
            },
            "hasChecks": !diff.checks.isEmpty,
            "checks": diff.checks.map { change in
                [
                    "kind": change.kind.rawValue, "family": change.family, "check": change.check,
                    "before": status(change.before), "after": status(change.after), "owner": change.owner ?? "—", "detail": change.detail,
                ] as [String: Any]
            },
            "notReadyCount": String(diff.stillNotReady.count), "hasNotReady": !diff.stillNotReady.isEmpty,
            "notReady": diff.stillNotReady.map { check in
                [
                    "family": check.family, "check": check.check, "status": status(check.status), "owner": check.owner ?? "—",
                    "detail": check.detail,
                ] as [String: Any]
            },
            "hasInputChanges": !inputChanges.isEmpty, "inputChanges": inputChanges,
            "packets": diff.packets.map { packet in
                var lines: [[String: String]] = []
                for hunk in packet.diff?.hunks ?? [] {
                    lines.append(["cls": "hunk", "text": hunk.header])
                    lines += hunk.lines.map { ["cls": $0.kind.rawValue, "text": $0.unified] }
                }
                return [
                    "key": packet.key, "file": "data/" + packet.file, "before": packet.before ?? "absent", "after": packet.after ?? "absent",
                    "removed": String(packet.diff?.removed ?? 0), "added": String(packet.diff?.added ?? 0),
                    "note": packet.diff?.note ?? false, "lines": lines,
                    "omitted": (packet.diff?.omitted ?? 0) > 0 ? String(packet.diff!.omitted) : false,
                ] as [String: Any]
            },
            "footNote": "Both packs were checked for archive safety and BagIt validity before they were compared; evpack verify PACK replays a pack's checks.",
        ]
    }
}
