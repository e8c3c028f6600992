import CLibXML2

/// `data/evidence.xml`: every result of an evaluation, valid against
/// `data/schema/evidence-pack.xsd` (templates/schema/evidence-pack.xsd).
public enum EvidenceXML {
    /// How many rejected lines the XML lists (the count is always exact; every reject is in
    /// `data/inputs/rejects.jsonl`).
    public static let listedRejects = 100

    /// The document for `evaluation`; `inputs` are the digests of the files under `data/inputs/`.
    public static func document(evaluation: Evaluation, inputs: [PackFileDigest]) -> String {
        document(EvidenceReport(evaluation: evaluation, inputs: inputs, text: .xmlSafe))
    }

    /// The document that records `record` (its operations report included when the records were read).
    public static func document(_ record: EvidenceReport) -> String {
        let operations = record.operations
        var xml = XMLBuilder()
        xml.begin("evidence-pack", [
            ("xmlns", EvidenceReport.namespace), ("format-version", String(record.formatVersion)),
            ("tool", "evpack"), ("tool-version", record.toolVersion),
        ])
        let snapshot = record.snapshot
        xml.empty("snapshot", [
            ("schema", snapshot.schema), ("session", snapshot.session), ("tenant", snapshot.tenant),
            ("captured-at", snapshot.capturedAt), ("rows", String(snapshot.rows)),
            ("payload-checksum", snapshot.payloadChecksum), ("payload-checksum-short", snapshot.payloadChecksumShort),
        ])
        let options = record.options
        xml.empty("options", [
            ("as-of", options.asOf), ("window", options.window),
            ("stuck-queued-minutes", String(options.stuckQueuedMinutes)),
            ("stuck-running-minutes", String(options.stuckRunningMinutes)),
        ])
        xml.empty("production", [
            ("decision", record.production.decision), ("blocking", record.production.blocking),
            ("blocking-family", record.production.blockingFamily),
        ])
        xml.begin("families")
        for family in record.families {
            xml.begin("family", [
                ("id", family.id.rawValue), ("contract", family.contract), ("ready", String(family.ready)),
                ("total", String(family.total)), ("complete", family.complete ? "true" : "false"),
                ("decision", family.decision), ("success-decision", family.successDecision),
            ])
            for check in family.checks {
                xml.begin("check", [("id", check.id), ("status", check.status.rawValue), ("owner", check.owner)])
                xml.text("detail", check.detail)
                xml.end()
            }
            for fact in family.facts {
                xml.text("fact", [("key", fact.key)], fact.value)
            }
            if let packet = family.packet {
                xml.text("packet", [
                    ("key", packet.key), ("file", packet.file), ("checksum", packet.checksum),
                    ("sha256", packet.sha256), ("bytes", String(packet.bytes)),
                ], packet.text)
            }
            xml.end()
        }
        xml.end()
        if let operations { write(operations, into: &xml) }
        xml.begin("rejects", [("total", String(record.rejectsTotal))])
        for reject in (operations?.rejects ?? []).prefix(listedRejects) {
            xml.text("reject", [("file", reject.file), ("line", String(reject.line)), ("kind", reject.kind?.rawValue)], reject.reason)
        }
        xml.end()
        xml.begin("inputs")
        for file in record.inputs {
            xml.empty("file", [("path", file.path), ("sha256", file.sha256), ("bytes", String(file.bytes))])
        }
        xml.end()
        xml.end()
        return xml.document
    }

    private static func write(_ ops: OperationsSummary, into xml: inout XMLBuilder) {
        xml.begin("operations", [("window", ops.window), ("window-start", ops.windowStart.rfc3339), ("window-end", ops.windowEnd.rfc3339)])
        let counts = ops.counts
        xml.begin("counts", [
            ("accepted", String(counts.totalAccepted)), ("rejected", String(counts.rejected)),
            ("duplicates-skipped", String(counts.duplicatesSkipped)), ("expired", String(counts.expired)),
        ])
        for kind in RecordKind.allCases {
            xml.empty("kind", [("name", kind.rawValue), ("accepted", String(counts.accepted[kind] ?? 0))])
        }
        xml.end()
        for (name, runs) in [("stuck-runs", ops.stuckRuns), ("failed-runs", ops.failedRuns)] {
            xml.begin(name, [("total", String(runs.total))])
            for run in runs.items {
                xml.begin("run", [
                    ("id", run.id), ("type", run.type), ("status", run.status), ("outcome", run.outcome),
                    ("workspace", run.workspaceID), ("created-at", run.createdAt.rfc3339),
                    ("started-at", run.startedAt?.rfc3339), ("completed-at", run.completedAt?.rfc3339),
                ])
                xml.text("note", run.note)
                xml.end()
            }
            xml.end()
        }
        for (name, counted) in [("runs-by-outcome", ops.runsByOutcome), ("records-per-day", ops.recordsPerDay)] {
            xml.begin(name)
            for count in counted { xml.empty("count", [("label", count.label), ("value", String(count.value))]) }
            xml.end()
        }
        xml.begin("active-controls", [("total", String(ops.activeControls.count))])
        for control in ops.activeControls {
            xml.begin("control", [
                ("id", control.id), ("key", control.controlKey), ("scope", control.scope), ("workspace", control.workspaceID),
                ("actor", control.actorID), ("activated-at", control.activatedAt.rfc3339), ("expires-at", control.expiresAt?.rfc3339),
            ])
            xml.text("reason", control.reason)
            xml.end()
        }
        xml.end()
        xml.begin("deploy-findings", [("total", String(ops.deployFindings.total))])
        for finding in ops.deployFindings.items {
            xml.begin("finding", [
                ("job", finding.jobID), ("project", finding.project), ("environment", finding.environment), ("rule", finding.rule),
            ])
            xml.text("message", finding.message)
            xml.end()
        }
        xml.end()
        xml.begin("health", [("total", String(ops.health.count))])
        for workspace in ops.health {
            if workspace.reasons.isEmpty {
                xml.empty("workspace", [("name", workspace.workspace), ("level", workspace.level.rawValue)])
                continue
            }
            xml.begin("workspace", [("name", workspace.workspace), ("level", workspace.level.rawValue)])
            for reason in workspace.reasons { xml.text("reason", reason) }
            xml.end()
        }
        xml.end()
        xml.begin("telemetry")
        for family in ops.telemetry {
            xml.empty("family", [("name", family.family), ("events", String(family.events)), ("workspaces", String(family.workspaces))])
        }
        xml.end()
        xml.end()
    }
}

// MARK: - reading

/// An `evidence.xml` that cannot be read back.
public struct EvidenceXMLError: Error, Sendable, Equatable, CustomStringConvertible {
    public var line: Int?
    public var message: String

    public init(line: Int? = nil, _ message: String) {
        self.line = line
        self.message = message
    }

    public var description: String {
        line.map { "evidence.xml:\($0): \(message)" } ?? "evidence.xml: \(message)"
    }
}

extension EvidenceXML {
    /// Reads the results back from the bytes of an `evidence.xml`. Does not validate against
    /// the schema (`SchemaValidator.validate` does); refuses a DOCTYPE, and never loads
    /// anything from the network or expands entities.
    public static func read(_ bytes: [UInt8]) throws(EvidenceXMLError) -> EvidenceReport {
        let document: xmlDocPtr
        switch LibXML2.readMemory(bytes, name: "evidence.xml") {
        case .success(let parsed): document = parsed
        case .failure(.noParser): throw EvidenceXMLError("cannot create an XML parser")
        case .failure(.notWellFormed(let line, let message)): throw EvidenceXMLError(line: line, "not well-formed: \(message)")
        }
        defer { xmlFreeDoc(document) }
        guard document.pointee.intSubset == nil else { throw EvidenceXMLError("a DOCTYPE is not allowed") }
        guard let root = xmlDocGetRootElement(document).map(XMLNode.init) else { throw EvidenceXMLError("no root element") }
        return try Reader.record(root)
    }

    /// Reads `evidence.xml` from the element tree.
    private enum Reader {
        static func record(_ root: XMLNode) throws(EvidenceXMLError) -> EvidenceReport {
            guard root.name == "evidence-pack", root.namespace == EvidenceReport.namespace else {
                throw EvidenceXMLError(line: root.line, "the root element is not evidence-pack in \(EvidenceReport.namespace)")
            }
            let snapshot = try root.child("snapshot")
            let options = try root.child("options")
            let production = try root.child("production")
            var families: [EvidenceReport.Family] = []
            for element in try root.child("families").children("family") {
                families.append(try family(element))
            }
            let inputs = try root.child("inputs").children("file").map { (file: XMLNode) throws(EvidenceXMLError) in
                PackFileDigest(path: try file.attribute("path"), sha256: try file.attribute("sha256"), bytes: try file.integer("bytes"))
            }
            return EvidenceReport(
                formatVersion: try root.integer("format-version"),
                toolVersion: try root.attribute("tool-version"),
                snapshot: .init(
                    schema: try snapshot.attribute("schema"), session: try snapshot.attribute("session"),
                    tenant: try snapshot.attribute("tenant"), capturedAt: try snapshot.attribute("captured-at"),
                    rows: try snapshot.integer("rows"), payloadChecksum: try snapshot.attribute("payload-checksum"),
                    payloadChecksumShort: try snapshot.attribute("payload-checksum-short")),
                options: .init(
                    asOf: try options.attribute("as-of"), window: try options.attribute("window"),
                    stuckQueuedMinutes: try options.integer("stuck-queued-minutes"),
                    stuckRunningMinutes: try options.integer("stuck-running-minutes")),
                production: .init(
                    decision: try production.attribute("decision"), blocking: production.optionalAttribute("blocking"),
                    blockingFamily: production.optionalAttribute("blocking-family")),
                families: families,
                operations: try operations(root),
                inputs: inputs)
        }

        /// The operations report, when the pack records one; its rejects are the ones
        /// `<rejects>` lists.
        static func operations(_ root: XMLNode) throws(EvidenceXMLError) -> OperationsSummary? {
            guard let element = root.children("operations").first else { return nil }
            let counts = try element.child("counts")
            var accepted: [RecordKind: Int] = [:]
            for kind in counts.children("kind") {
                let name = try kind.attribute("name")
                guard let recordKind = RecordKind(rawValue: name) else { throw EvidenceXMLError(line: kind.line, "<kind> name='\(name)' is not a record kind") }
                accepted[recordKind] = try kind.integer("accepted")
            }
            func runs(_ name: String) throws(EvidenceXMLError) -> Bounded<RunSummary> {
                let list = try element.child(name)
                var items: [RunSummary] = []
                for run in list.children("run") {
                    items.append(RunSummary(
                        id: try run.attribute("id"), type: try run.attribute("type"), status: try run.attribute("status"),
                        outcome: run.optionalAttribute("outcome"), workspaceID: try run.attribute("workspace"),
                        createdAt: try run.instant("created-at"), startedAt: try run.optionalInstant("started-at"),
                        completedAt: try run.optionalInstant("completed-at"), note: try run.child("note").text))
                }
                return Bounded(items: items, total: try list.integer("total"))
            }
            func counted(_ name: String) throws(EvidenceXMLError) -> [OperationsSummary.Count] {
                var out: [OperationsSummary.Count] = []
                for count in try element.child(name).children("count") {
                    out.append(OperationsSummary.Count(try count.attribute("label"), try count.integer("value")))
                }
                return out
            }
            var controls: [ControlSummary] = []
            for control in try element.child("active-controls").children("control") {
                controls.append(ControlSummary(
                    id: try control.attribute("id"), controlKey: try control.attribute("key"), scope: try control.attribute("scope"),
                    workspaceID: control.optionalAttribute("workspace"), actorID: try control.attribute("actor"),
                    activatedAt: try control.instant("activated-at"), expiresAt: try control.optionalInstant("expires-at"),
                    reason: try control.child("reason").text))
            }
            let findingList = try element.child("deploy-findings")
            var findings: [DeployFinding] = []
            for finding in findingList.children("finding") {
                findings.append(DeployFinding(
                    jobID: try finding.attribute("job"), project: try finding.attribute("project"),
                    environment: try finding.attribute("environment"), rule: try finding.attribute("rule"),
                    message: try finding.child("message").text))
            }
            var health: [WorkspaceHealth] = []
            for workspace in try element.child("health").children("workspace") {
                let level = try workspace.attribute("level")
                guard let healthLevel = HealthLevel(rawValue: level) else {
                    throw EvidenceXMLError(line: workspace.line, "<workspace> level='\(level)' is not a health level")
                }
                health.append(WorkspaceHealth(workspace: try workspace.attribute("name"), level: healthLevel,
                                              reasons: workspace.children("reason").map(\.text)))
            }
            var telemetry: [TelemetryFamily] = []
            for family in try element.child("telemetry").children("family") {
                telemetry.append(TelemetryFamily(family: try family.attribute("name"), events: try family.integer("events"),
                                                 workspaces: try family.integer("workspaces")))
            }
            var rejects: [RecordReject] = []
            for reject in try root.child("rejects").children("reject") {
                rejects.append(RecordReject(file: try reject.attribute("file"), line: try reject.integer("line"),
                                            kind: reject.optionalAttribute("kind").flatMap(RecordKind.init(rawValue:)), reason: reject.text))
            }
            return OperationsSummary(
                window: try element.attribute("window"), windowStart: try element.instant("window-start"),
                windowEnd: try element.instant("window-end"),
                counts: IngestCounts(accepted: accepted, rejected: try counts.integer("rejected"),
                                     duplicatesSkipped: try counts.integer("duplicates-skipped"), expired: try counts.integer("expired")),
                rejects: rejects, stuckRuns: try runs("stuck-runs"), failedRuns: try runs("failed-runs"),
                runsByOutcome: try counted("runs-by-outcome"), recordsPerDay: try counted("records-per-day"),
                activeControls: controls, deployFindings: Bounded(items: findings, total: try findingList.integer("total")),
                health: health, telemetry: telemetry)
        }

        static func family(_ element: XMLNode) throws(EvidenceXMLError) -> EvidenceReport.Family {
            var checks: [EvidenceReport.Check] = []
            for check in element.children("check") {
                let status = try check.attribute("status")
                guard let checkStatus = CheckStatus(rawValue: status) else {
                    throw EvidenceXMLError(line: check.line, "<check> status='\(status)' is not ready, next, review or blocked")
                }
                checks.append(.init(id: try check.attribute("id"), status: checkStatus,
                                    detail: try check.child("detail").text, owner: check.optionalAttribute("owner")))
            }
            var facts: [EvidenceReport.Fact] = []
            for fact in element.children("fact") {
                facts.append(.init(key: try fact.attribute("key"), value: fact.text))
            }
            var packet: EvidenceReport.Packet?
            if let p = element.children("packet").first {
                packet = .init(key: try p.attribute("key"), file: try p.attribute("file"), checksum: try p.attribute("checksum"),
                               sha256: try p.attribute("sha256"), bytes: try p.integer("bytes"), text: p.text)
            }
            let complete = try element.attribute("complete")
            let id = try element.attribute("id")
            guard let familyID = FamilyID(rawValue: id) else { throw EvidenceXMLError(line: element.line, "<family> id='\(id)' is not a check family") }
            return EvidenceReport.Family(
                id: familyID, contract: element.optionalAttribute("contract"),
                ready: try element.integer("ready"), total: try element.integer("total"),
                complete: complete == "true" || complete == "1", decision: element.optionalAttribute("decision"),
                successDecision: element.optionalAttribute("success-decision"),
                checks: checks, facts: facts, packet: packet)
        }
    }
}

/// A read-only view of a libxml2 element, valid while its document lives.
struct XMLNode {
    let pointer: xmlNodePtr

    init(_ pointer: xmlNodePtr) { self.pointer = pointer }

    var name: String { String(cString: pointer.pointee.name) }
    var line: Int { Int(pointer.pointee.line) }
    var namespace: String? { pointer.pointee.ns.flatMap { $0.pointee.href }.map { String(cString: $0) } }

    /// The child elements, in document order, named `name` when given.
    func children(_ name: String? = nil) -> [XMLNode] {
        var out: [XMLNode] = []
        var node = pointer.pointee.children
        while let current = node {
            if current.pointee.type == XML_ELEMENT_NODE {
                let child = XMLNode(current)
                if name == nil || child.name == name { out.append(child) }
            }
            node = current.pointee.next
        }
        return out
    }

    func child(_ name: String) throws(EvidenceXMLError) -> XMLNode {
        guard let child = children(name).first else { throw EvidenceXMLError(line: line, "<\(self.name)> has no <\(name)>") }
        return child
    }

    /// The concatenated text and CDATA content of the element's own children.
    var text: String {
        var text = ""
        var node = pointer.pointee.children
        while let current = node {
            if current.pointee.type == XML_TEXT_NODE || current.pointee.type == XML_CDATA_SECTION_NODE, let content = current.pointee.content {
                text += String(cString: content)
            }
            node = current.pointee.next
        }
        return text
    }

    func optionalAttribute(_ name: String) -> String? {
        var attribute = pointer.pointee.properties
        while let current = attribute {
            if String(cString: current.pointee.name) == name {
                var value = ""
                var child = current.pointee.children
                while let node = child {
                    if let content = node.pointee.content { value += String(cString: content) }
                    child = node.pointee.next
                }
                return value
            }
            attribute = current.pointee.next
        }
        return nil
    }

    func attribute(_ name: String) throws(EvidenceXMLError) -> String {
        guard let value = optionalAttribute(name) else { throw EvidenceXMLError(line: line, "<\(self.name)> has no \(name) attribute") }
        return value
    }

    func instant(_ name: String) throws(EvidenceXMLError) -> Instant {
        let value = try attribute(name)
        guard let instant = Instant(rfc3339: value) else { throw EvidenceXMLError(line: line, "<\(self.name)> \(name)='\(value)' is not an RFC 3339 time") }
        return instant
    }

    func optionalInstant(_ name: String) throws(EvidenceXMLError) -> Instant? {
        optionalAttribute(name) == nil ? nil : try instant(name)
    }

    func integer(_ name: String) throws(EvidenceXMLError) -> Int {
        let value = try attribute(name)
        guard let number = Int(value) else { throw EvidenceXMLError(line: line, "<\(self.name)> \(name)='\(value)' is not a whole number") }
        return number
    }
}

/// One-time set-up of libxml2.
enum LibXML2 {
    private static let initialized: Void = { xmlInitParser() }()
    static func initialize() { _ = initialized }

    enum ReadFailure: Error {
        case noParser
        /// libxml2's message for the first error, and its line when it gave one.
        case notWellFormed(line: Int?, message: String)
    }

    /// Parses `bytes` (named `name` in messages) without the network, without printing errors:
    /// the caller frees the document.
    static func readMemory(_ bytes: [UInt8], name: String) -> Result<xmlDocPtr, ReadFailure> {
        initialize()
        guard let context = xmlNewParserCtxt() else { return .failure(.noParser) }
        defer { xmlFreeParserCtxt(context) }
        let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue)
        let parsed = bytes.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                xmlCtxtReadMemory(context, $0, Int32(buffer.count), name, nil, options)
            }
        }
        if let parsed { return .success(parsed) }
        let error = xmlCtxtGetLastError(context)
        let message = error?.pointee.message.map { String(cString: $0).trimmingTrailingNewlines } ?? "not well-formed XML"
        return .failure(.notWellFormed(line: error.map { Int($0.pointee.line) }, message: message))
    }
}

extension String {
    var trimmingTrailingNewlines: String {
        var text = self
        while text.hasSuffix("\n") { text.removeLast() }
        return text
    }
}
