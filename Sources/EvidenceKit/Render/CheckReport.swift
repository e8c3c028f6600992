/// The summary `evpack check` prints, as text or as the JSON object of SPEC §1.
public enum CheckReport {
    /// The JSON object of SPEC §1.
    public static func json(_ evaluation: Evaluation) -> JSONValue {
        let snapshot = evaluation.snapshot
        var families = JSONObject()
        for family in evaluation.families {
            var checks = JSONObject()
            var details = JSONObject()
            for check in family.checks {
                checks[check.id] = .string(check.status.rawValue)
                details[check.id] = .string(check.detail)
            }
            var object = JSONObject([
                "ready": .number(Double(family.ready)),
                "total": .number(Double(family.total)),
                "decision": family.decision.map(JSONValue.string) ?? .null,
                "checks": .object(checks),
                "details": .object(details),
            ])
            for fact in family.facts { object[fact.key] = .string(fact.value) }
            families[family.id.rawValue] = .object(object)
        }
        var packets = JSONObject()
        for packet in evaluation.packets {
            packets[packet.key] = .object(JSONObject(["text": .string(packet.text), "checksum": .string(packet.checksum)]))
        }
        let production = evaluation.production
        return .object(JSONObject([
            "session": .string(snapshot.session),
            "payload_checksum": .string(snapshot.payloadChecksum),
            "payload_checksum_short": .string(snapshot.payloadChecksumShort),
            "snapshot_rows": .number(Double(snapshot.rowCount)),
            "as_of": .string(evaluation.asOf.rfc3339),
            "batches": .string(evaluation.family(.cutover)?.fact("batches") ?? ""),
            "families": .object(families),
            "production": .object(JSONObject([
                "decision": .string(production.decision),
                "blocking": production.blocking.map(JSONValue.string) ?? .null,
            ])),
            "packets": .object(packets),
        ]))
    }

    /// One line per family (id, N/M, decision and facts), then the production decision.
    public static func text(_ evaluation: Evaluation) -> String {
        let snapshot = evaluation.snapshot
        var lines = [
            "session \(snapshot.session)  payload \(snapshot.payloadChecksumShort)  rows \(snapshot.rowCount)  as-of \(evaluation.asOf.rfc3339)",
            "",
        ]
        let width = evaluation.families.map(\.id.rawValue.count).max() ?? 0
        for family in evaluation.families {
            var columns = [family.id.rawValue.padding(to: width), family.count.padding(to: 4)]
            if let decision = family.decision { columns.append(decision) }
            for fact in family.facts where fact.key != "batch_rows" { columns.append("\(fact.key) \(fact.value)") }
            var line = columns.joined(separator: "  ")
            while line.hasSuffix(" ") { line.removeLast() }
            lines.append(line)
        }
        lines.append("")
        lines.append(evaluation.production.summary)
        return lines.joined(separator: "\n") + "\n"
    }
}

extension String {
    /// The string padded with spaces to `width` characters.
    func padding(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
