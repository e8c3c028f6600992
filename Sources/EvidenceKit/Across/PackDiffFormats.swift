/// The layouts of a `PackDiff` for people and tools: text, JSON and Markdown here, HTML in
/// `AcrossPages`. Each only lays the model out: no figure is computed here.
extension PackDiff {
    /// The decision line: `GO → NO-GO BLOCKED_PENDING_DRY_RUN`, or the one decision when unchanged.
    public var decisionText: String {
        let before = Self.decision(old), after = Self.decision(new)
        return decisionChanged ? "\(before) → \(after)" : "\(after) (unchanged)"
    }

    static func decision(_ side: Side) -> String { side.decisionText }

    /// How many of each kind of check change, in `CheckChangeKind` order, only kinds present.
    public var checkCounts: [(kind: CheckChangeKind, count: Int)] {
        CheckChangeKind.allCases.compactMap { kind in
            let count = checks.count { $0.kind == kind }
            return count == 0 ? nil : (kind, count)
        }
    }

    /// The short form `history` shows: "nothing changed", or the decision change, the check
    /// changes by kind, and which inputs and packets changed.
    public var shortText: String {
        guard !isUnchanged else { return "nothing changed" }
        var parts: [String] = []
        if decisionChanged { parts.append("decision \(decisionText)") }
        parts += checkCounts.map { "\($0.count) \($0.kind.rawValue)" }
        var inputs: [String] = []
        if self.inputs.payload != nil { inputs.append("payload") }
        inputs += self.inputs.snapshotSections.map(\.key)
        if !self.inputs.recordCounts.isEmpty { inputs.append("record counts") }
        if !self.inputs.options.isEmpty { inputs.append("options") }
        if !inputs.isEmpty { parts.append("inputs: " + inputs.joined(separator: ", ")) }
        if !packets.isEmpty { parts.append("packets: " + packets.map(\.key).joined(separator: ", ")) }
        if parts.isEmpty, families.contains(where: \.changed) { parts.append("family decisions") }
        return parts.joined(separator: "; ")
    }

    // MARK: - text

    /// The report for a terminal (the caller escapes control characters).
    public var text: String {
        var out = "evpack diff\n"
        out += "  old: \(old.name) (\(old.pack)), as of \(old.asOf), payload \(Checksum.short(old.payloadChecksum))\n"
        out += "  new: \(new.name) (\(new.pack)), as of \(new.asOf), payload \(Checksum.short(new.payloadChecksum))\n"
        if isUnchanged {
            out += "Nothing changed: same decision (\(Self.decision(new))), checks, inputs and packets.\n"
            return out
        }
        out += "Production decision: \(decisionText)\(decisionRegressed ? " — regressed" : "")\n"
        let changedFamilies = families.filter(\.changed)
        out += "Families: \(changedFamilies.count) of \(families.count) changed\n"
        for family in changedFamilies {
            out += "  \(family.id): \(Self.fraction(family.before)) → \(Self.fraction(family.after))"
            if family.before?.decision != family.after?.decision {
                out += ", decision \(family.before?.decision ?? "none") → \(family.after?.decision ?? "none")"
            }
            out += "\n"
        }
        out += "Checks: " + (checks.isEmpty ? "no status changed" : checkCounts.map { "\($0.count) \($0.kind.rawValue)" }.joined(separator: ", ")) + "\n"
        for change in checks {
            out += "  \(change.kind.rawValue) \(change.family).\(change.check): \(change.before ?? "absent") → \(change.after ?? "absent")"
            if let owner = change.owner { out += " (owner \(owner))" }
            out += "\n"
        }
        out += "Still not ready: \(stillNotReady.count)\n"
        for check in stillNotReady {
            out += "  \(check.family).\(check.check): \(check.status)\(check.owner.map { " (owner \($0))" } ?? "") — \(check.detail)\n"
        }
        out += "Inputs: " + (inputs.isEmpty ? "unchanged" : "changed") + "\n"
        if let payload = inputs.payload { out += "  payload checksum: \(payload.before ?? "-") → \(payload.after ?? "-")\n" }
        for change in inputs.snapshotSections { out += "  snapshot \(change.key): \(Self.short(change.before)) → \(Self.short(change.after))\n" }
        for change in inputs.recordCounts { out += "  records \(change.key): \(change.before ?? "0") → \(change.after ?? "0")\n" }
        for change in inputs.options { out += "  option \(change.key): \(Self.short(change.before)) → \(Self.short(change.after))\n" }
        out += "Packets: \(packets.isEmpty ? "unchanged" : "\(packets.count) changed")\n"
        for packet in packets {
            out += "  \(packet.key) (\(packet.file)): \(packet.before ?? "absent") → \(packet.after ?? "absent")\n"
            if let diff = packet.diff {
                out += "--- old/data/\(packet.file)\n+++ new/data/\(packet.file)\n" + diff.text
            }
        }
        return out
    }

    static func fraction(_ state: Family.State?) -> String { state?.fraction ?? "absent" }

    /// `sha256:1a2b3c4d…` for a section checksum; `absent` for none.
    static func short(_ checksum: String?) -> String {
        checksum.map { "sha256:" + $0.prefix(12) + "…" } ?? "absent"
    }

    // MARK: - JSON

    /// One object with every part of the model.
    public var json: JSONValue {
        func string(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
        func side(_ side: Side) -> JSONValue {
            .object(JSONObject([
                "pack": .string(side.pack), "name": .string(side.name), "session": .string(side.session),
                "as_of": .string(side.asOf), "payload_checksum": .string(side.payloadChecksum),
                "decision": .string(side.decision), "blocking": string(side.blocking), "signed": .bool(side.signed),
            ]))
        }
        func state(_ state: Family.State?) -> JSONValue {
            guard let state else { return .null }
            return .object(JSONObject([
                "ready": .number(Double(state.ready)), "total": .number(Double(state.total)), "decision": string(state.decision),
            ]))
        }
        func changes(_ list: [InputChange]) -> JSONValue {
            .array(list.map { .object(JSONObject(["key": .string($0.key), "before": string($0.before), "after": string($0.after)])) })
        }
        return .object(JSONObject([
            "unchanged": .bool(isUnchanged),
            "regression": .bool(hasRegression),
            "old": side(old), "new": side(new),
            "production": .object(JSONObject([
                "before": .string(Self.decision(old)), "after": .string(Self.decision(new)),
                "changed": .bool(decisionChanged), "regressed": .bool(decisionRegressed),
            ])),
            "families": .array(families.map { family in
                .object(JSONObject([
                    "id": .string(family.id), "changed": .bool(family.changed), "before": state(family.before), "after": state(family.after),
                ]))
            }),
            "checks": .array(checks.map { change in
                .object(JSONObject([
                    "change": .string(change.kind.rawValue), "family": .string(change.family), "check": .string(change.check),
                    "before": string(change.before), "after": string(change.after), "owner": string(change.owner),
                    "detail": .string(change.detail),
                ]))
            }),
            "still_not_ready": .array(stillNotReady.map { check in
                .object(JSONObject([
                    "family": .string(check.family), "check": .string(check.check), "status": .string(check.status),
                    "owner": string(check.owner), "detail": .string(check.detail),
                ]))
            }),
            "inputs": .object(JSONObject([
                "payload": inputs.payload.map { .object(JSONObject(["before": string($0.before), "after": string($0.after)])) } ?? .null,
                "snapshot_sections": changes(inputs.snapshotSections),
                "record_counts": changes(inputs.recordCounts),
                "options": changes(inputs.options),
            ])),
            "packets": .array(packets.map { packet in
                .object(JSONObject([
                    "key": .string(packet.key), "file": .string(packet.file), "before": string(packet.before), "after": string(packet.after),
                    "diff": packet.diff.map { .string($0.text) } ?? .null,
                ]))
            }),
        ]))
    }

    // MARK: - Markdown

    /// GitHub-flavoured Markdown, for a CI job page or a pull request comment.
    public var markdown: String {
        var out = "## evpack diff: \(Markdown.inline(old.name)) → \(Markdown.inline(new.name))\n\n"
        if isUnchanged {
            out += "**Nothing changed**: same decision (\(Markdown.inline(Self.decision(new)))), checks, inputs and packets.\n"
            return out
        }
        out += "**Production decision:** \(Markdown.inline(Self.decision(old))) → \(Markdown.inline(Self.decision(new)))"
        out += decisionRegressed ? " — **regressed**\n\n" : "\n\n"
        out += "| Family | Before | After | Decision before | Decision after |\n|---|---|---|---|---|\n"
        for family in families where family.changed {
            out += "| \(Markdown.inline(family.id)) | \(Self.fraction(family.before)) | \(Self.fraction(family.after)) | "
            out += "\(family.before?.decision.map(Markdown.inline) ?? "—") | \(family.after?.decision.map(Markdown.inline) ?? "—") |\n"
        }
        let unchanged = families.count { !$0.changed }
        if unchanged > 0 { out += "\n\(unchanged) famil\(unchanged == 1 ? "y" : "ies") unchanged.\n" }
        if !checks.isEmpty {
            out += "\n### Checks whose status changed\n\n| Change | Check | Before | After | Owner |\n|---|---|---|---|---|\n"
            for change in checks {
                out += "| \(change.kind.rawValue) | \(Markdown.inline(change.family + "." + change.check)) | \(change.before ?? "—") | "
                out += "\(change.after ?? "—") | \(Markdown.cell(change.owner ?? "—")) |\n"
            }
        }
        out += "\n### Still not ready: \(stillNotReady.count)\n\n"
        if !stillNotReady.isEmpty {
            out += "| Check | Status | Owner | Detail |\n|---|---|---|---|\n"
            for check in stillNotReady {
                out += "| \(Markdown.inline(check.family + "." + check.check)) | \(check.status) | \(Markdown.cell(check.owner ?? "—")) | \(Markdown.cell(check.detail)) |\n"
            }
        }
        if !inputs.isEmpty {
            out += "\n### Inputs that changed\n\n"
            if let payload = inputs.payload { out += "- payload checksum: \(Markdown.inline(payload.before ?? "—")) → \(Markdown.inline(payload.after ?? "—"))\n" }
            for change in inputs.snapshotSections { out += "- snapshot section \(Markdown.inline(change.key))\n" }
            for change in inputs.recordCounts { out += "- \(Markdown.inline(change.key)) records: \(change.before ?? "0") → \(change.after ?? "0")\n" }
            for change in inputs.options { out += "- option \(Markdown.inline(change.key))\n" }
        }
        if !packets.isEmpty {
            out += "\n### Packets that changed\n"
            for packet in packets {
                out += "\n**\(Markdown.inline(packet.file))**: \(Markdown.inline(packet.before ?? "absent")) → \(Markdown.inline(packet.after ?? "absent"))\n"
                if let diff = packet.diff { out += "\n" + Markdown.fence(diff.text, language: "diff") }
            }
        }
        return out
    }
}

/// Escaping for GitHub-flavoured Markdown.
enum Markdown {
    /// Text in a table cell: no line break, `|` escaped, the characters Markdown acts on escaped.
    static func cell(_ text: String) -> String {
        escape(text.replacingLineBreaks)
    }

    /// Inline code, with a fence longer than any run of backticks inside.
    static func inline(_ text: String) -> String {
        let text = text.replacingLineBreaks
        let fence = String(repeating: "`", count: longestRun(of: "`", in: text) + 1)
        let pad = text.hasPrefix("`") || text.hasSuffix("`") ? " " : ""
        return fence + pad + text.replacing("|", with: "\\|") + pad + fence
    }

    /// A fenced code block that no line of `text` can close.
    static func fence(_ text: String, language: String) -> String {
        let fence = String(repeating: "`", count: max(3, longestRun(of: "`", in: text) + 1))
        return fence + language + "\n" + text + (text.hasSuffix("\n") ? "" : "\n") + fence + "\n"
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            if "\\`*_{}[]()<>#+!|~&".contains(character) { out.append("\\") }
            out.append(character)
        }
        return out
    }

    private static func longestRun(of character: Character, in text: String) -> Int {
        var longest = 0, run = 0
        for c in text {
            run = c == character ? run + 1 : 0
            longest = max(longest, run)
        }
        return longest
    }
}

extension String {
    fileprivate var replacingLineBreaks: String {
        String(map { $0 == "\n" || $0 == "\r" ? " " : $0 })
    }
}
