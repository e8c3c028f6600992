/// One thing wrong with a snapshot, located by JSON path and line.
public struct SnapshotProblem: Sendable, Equatable, CustomStringConvertible {
    /// The JSON path, e.g. `actors[3].permissions`; empty for the document itself.
    public var path: String
    public var line: Int?
    public var message: String

    public var description: String {
        path.isEmpty ? message : "\(path): \(message)"
    }
}

/// A snapshot that cannot be used, with every problem found in it.
public struct SnapshotError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var problems: [SnapshotProblem]

    public var description: String {
        var lines = ["\(file): invalid snapshot (\(problems.count) problem\(problems.count == 1 ? "" : "s"))"]
        for problem in problems {
            let place = problem.line.map { "\(file):\($0)" } ?? file
            lines.append("  \(place): \(problem.description)")
        }
        return lines.joined(separator: "\n")
    }
}

/// Reads and validates a `BFGScenarioSnapshot.v1` document, collecting every problem.
public enum SnapshotReader {
    static let topLevelKeys: Set<String> = [
        "schema", "session", "captured_at", "tenant", "adapter", "environments", "actors", "providers", "rows",
        "rehearsals", "infrastructure", "connection", "dry_run", "release", "rollback", "credentials_ref",
    ]
    static let requiredKeys = [
        "schema", "session", "captured_at", "tenant", "adapter", "actors", "providers", "rows", "rehearsals",
        "infrastructure", "release", "rollback",
    ]
    /// The members that make the payload, in the order its checksum reads them.
    public static let payloadKeys = ["schema", "session", "tenant", "adapter", "actors", "providers", "rows"]

    /// How deep a snapshot's JSON may nest.
    public static let maxDepth = 256

    /// The payload object: the document's payload members exactly as given (its RFC 8785
    /// bytes are what the payload checksum hashes).
    public static func payload(of document: JSONObject) -> JSONValue {
        var payload = JSONObject()
        for key in payloadKeys {
            if let member = document[key] { payload[key] = member }
        }
        return .object(payload)
    }

    /// Reads a snapshot from bytes; `file` names it in messages.
    public static func read(_ data: [UInt8], file: String) throws(SnapshotError) -> Snapshot {
        let parsed: Result<(JSONValue, [String: Int]), JSONParseError> = data.withUnsafeBufferPointer { buffer in
            var parser = JSONParser(bytes: buffer, recordLines: true)
            parser.maxDepth = maxDepth
            do throws(JSONParseError) {
                let value = try parser.parseDocument()
                return .success((value, parser.lines))
            } catch {
                return .failure(error)
            }
        }
        let value: JSONValue
        let lines: [String: Int]
        switch parsed {
        case .success(let result): (value, lines) = result
        case .failure(let error):
            throw SnapshotError(file: file, problems: [
                SnapshotProblem(path: "", line: error.line, message: "not valid JSON: \(error.message) (column \(error.column))"),
            ])
        }
        var reader = Reader(lines: lines)
        guard case .object(let root) = value else {
            _ = reader.snapshot(value)
            throw SnapshotError(file: file, problems: reader.problems)
        }
        // What is stored (and judged): the payload as given, everything else sanitized. A
        // payload that holds a secret is refused; it is then read sanitized too, so that no
        // message about it can echo a secret.
        reader.payloadSecrets(root)
        let stored = Sanitizer.sanitizeSnapshot(root, payloadKeys: Set(payloadKeys))
        var judged = stored ?? root
        if !reader.problems.isEmpty {
            judged = Sanitizer.sanitizeSnapshot(root, payloadKeys: []) ?? root
        }
        reader.endpointIsOneLine(given: root, judged: judged)
        let snapshot = reader.snapshot(.object(judged), payloadOf: root)
        if var snapshot, reader.problems.isEmpty {
            snapshot.sanitizedDocument = stored
            return snapshot
        }
        throw SnapshotError(file: file, problems: reader.problems)
    }
}

/// The validating walk over a parsed snapshot.
private struct Reader {
    let lines: [String: Int]
    var problems: [SnapshotProblem] = []

    init(lines: [String: Int]) {
        self.lines = lines
    }

    mutating func fail(_ path: String, _ message: String) {
        problems.append(SnapshotProblem(path: path, line: line(of: path), message: message))
    }

    /// The line of a path, or of its nearest parent that has one.
    func line(of path: String) -> Int? {
        var path = path
        while true {
            if let line = lines[path] { return line }
            if path.isEmpty { return nil }
            if let cut = path.lastIndex(where: { $0 == "." || $0 == "[" }) {
                path = String(path[..<cut])
            } else {
                path = ""
            }
        }
    }

    func child(_ path: String, _ key: String) -> String { JSONPath.appending(key: key, to: path) }

    // MARK: - primitive readers

    /// An object at `path`; nil (with a problem when `required`) when absent or of another type.
    mutating func object(_ value: JSONValue?, _ path: String, required: Bool) -> JSONObject? {
        guard let value, !value.isNull else {
            if required { fail(path, "required object is missing") }
            return nil
        }
        guard case .object(let object) = value else {
            fail(path, "expected an object, found \(value.typeDescription)")
            return nil
        }
        return object
    }

    mutating func array(_ value: JSONValue?, _ path: String, required: Bool) -> [JSONValue]? {
        guard let value, !value.isNull else {
            if required { fail(path, "required array is missing") }
            return nil
        }
        guard case .array(let array) = value else {
            fail(path, "expected an array, found \(value.typeDescription)")
            return nil
        }
        return array
    }

    /// A string or null. With `singleLine`, control characters are an error.
    mutating func string(_ value: JSONValue?, _ path: String, required: Bool = false, singleLine: Bool = false) -> String? {
        guard let value, !value.isNull else {
            if required { fail(path, "required string is missing") }
            return nil
        }
        guard case .string(let string) = value else {
            fail(path, "expected a string, found \(value.typeDescription)")
            return nil
        }
        if required, !Optional(string).isSet {
            fail(path, "required string is empty")
            return nil
        }
        if singleLine, string.unicodeScalars.contains(where: Reader.isLineBreaking) {
            fail(path, "contains a control or line-break character; identifiers must be a single line")
            return nil
        }
        return string
    }

    static func isLineBreaking(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        return v < 0x20 || (v >= 0x7F && v <= 0x9F) || v == 0x2028 || v == 0x2029
    }

    /// An RFC 3339 time or null.
    mutating func time(_ value: JSONValue?, _ path: String, required: Bool = false) -> Instant? {
        guard let text = string(value, path, required: required) else { return nil }
        if !Optional(text).isSet, !required { return nil }
        if let problem = Instant.problem(text) {
            fail(path, "\(problem): \"\(JSONParser.printable(text))\"")
            return nil
        }
        return Instant(rfc3339: text)
    }

    mutating func enumValue<E: RawRepresentable & CaseIterable>(
        _ value: JSONValue?, _ path: String, _ type: E.Type, required: Bool = true
    ) -> E? where E.RawValue == String {
        guard let text = string(value, path, required: required) else { return nil }
        guard let result = E(rawValue: text) else {
            let allowed = E.allCases.map(\.rawValue).joined(separator: ", ")
            fail(path, "unknown value \"\(JSONParser.printable(text))\"; expected one of: \(allowed)")
            return nil
        }
        return result
    }

    /// Evidence booleans count only when they are JSON `true`.
    func isTrue(_ value: JSONValue?) -> Bool { value == .bool(true) }

    mutating func rejectUnknownKeys(_ object: JSONObject, _ path: String, allowed: Set<String>, what: String) {
        for key in object.keys where !allowed.contains(key) {
            let list = allowed.sorted().joined(separator: ", ")
            fail(child(path, key), "unknown \(what) \"\(JSONParser.printable(key))\"; expected one of: \(list)")
        }
    }

    // MARK: - the document

    /// An endpoint must be one line as given, even when sanitizing cut the line break away
    /// with a password (the stored form is checked by `endpoint`).
    mutating func endpointIsOneLine(given: JSONObject, judged: JSONObject) {
        func endpoint(_ root: JSONObject) -> String? { root["connection"]?["endpoint"]?.stringValue }
        guard let text = endpoint(given), text.unicodeScalars.contains(where: Reader.isLineBreaking),
              !(endpoint(judged)?.unicodeScalars.contains(where: Reader.isLineBreaking) ?? false)
        else { return }
        fail("connection.endpoint", "contains a control or line-break character (value not shown)")
    }

    // MARK: - secrets in the payload

    /// Every string of the payload that the sanitizer would change (by key, or by value for
    /// anything but a URL's query or fragment) is a problem naming its path and the kind of
    /// secret, never the value (SPEC §4).
    mutating func payloadSecrets(_ root: JSONObject) {
        for key in SnapshotReader.payloadKeys {
            if let value = root[key] { payloadSecrets(value, key) }
        }
    }

    private mutating func payloadSecrets(_ value: JSONValue, _ path: String) {
        switch value {
        case .string(let text):
            let kinds = Redaction.secrets(in: text).filter { $0 != .urlQuery }
            guard let first = kinds.first else { return }
            var seen: [Redaction.Secret] = [first]
            for kind in kinds where !seen.contains(kind) { seen.append(kind) }
            let list = seen.map(\.rawValue).joined(separator: ", ")
            fail(path, "holds \(list) (value not shown); the payload is stored as given, so it must not hold secrets: remove it, or keep a reference (credentials_ref) instead")
        case .array(let items):
            for (i, item) in items.enumerated() { payloadSecrets(item, "\(path)[\(i)]") }
        case .object(let object):
            for member in object.members {
                let memberPath = child(path, member.key)
                if Sanitizer.isSecretKey(member.key) {
                    if Self.holdsValue(member.value) {
                        fail(memberPath, "is named like a secret (token, secret, password, key, session id, credential…) and holds a value (value not shown); the payload is stored as given, so it must not hold secrets")
                    }
                } else {
                    payloadSecrets(member.value, memberPath)
                }
            }
        case .null, .bool, .number:
            return
        }
    }

    /// Whether a value under a secret-named key holds anything: a set string or a number, at any depth.
    static func holdsValue(_ value: JSONValue) -> Bool {
        switch value {
        case .string(let text): return Optional(text).isSet
        case .number: return true
        case .array(let items): return items.contains(where: holdsValue)
        case .object(let object): return object.members.contains { holdsValue($0.value) }
        case .null, .bool: return false
        }
    }

    // MARK: - the document

    /// The snapshot read from `value` (the stored form); the payload checksum is taken over
    /// the payload of `payloadOf`, the document as given.
    mutating func snapshot(_ value: JSONValue, payloadOf original: JSONObject? = nil) -> Snapshot? {
        guard case .object(let root) = value else {
            fail("", "a snapshot is a JSON object, found \(value.typeDescription)")
            return nil
        }
        for key in root.keys where !SnapshotReader.topLevelKeys.contains(key) {
            fail(child("", key), "unknown top-level key \"\(JSONParser.printable(key))\" (a typo?); allowed keys: \(SnapshotReader.topLevelKeys.sorted().joined(separator: ", "))")
        }
        for key in SnapshotReader.requiredKeys where root[key] == nil {
            fail(key, "required key is missing")
        }
        if let schema = string(root["schema"], "schema"), schema != Snapshot.schemaName {
            fail("schema", "expected \"\(Snapshot.schemaName)\", found \"\(JSONParser.printable(schema))\"")
        }
        let session = sessionToken(root["session"])
        let capturedAt = root["captured_at"] == nil ? nil : time(root["captured_at"], "captured_at", required: true)
        let tenant = tenant(root["tenant"])
        let adapter = adapter(root["adapter"])
        let environments = environments(root["environments"])
        let actors = actors(root["actors"], tenantID: tenant?.id ?? "")
        let actorIDs = Set(actors.map(\.id))
        let providers = providers(root["providers"])
        let rows = rows(root["rows"], actorIDs: actorIDs)
        let rehearsals = rehearsals(root["rehearsals"], actorIDs: actorIDs)
        let infrastructure = infrastructure(root["infrastructure"], actorIDs: actorIDs)
        let connection = connection(root["connection"])
        let dryRun = dryRun(root["dry_run"])
        let release = release(root["release"])
        let rollback = rollback(root["rollback"], actorIDs: actorIDs)
        let credentialsRef = credentialsReference(root["credentials_ref"])

        let payloadValue = SnapshotReader.payload(of: original ?? root)
        guard problems.isEmpty, let session, let capturedAt, let tenant, let adapter, let infrastructure,
              let release, let rollback
        else { return nil }
        return Snapshot(
            session: session, capturedAt: capturedAt, tenant: tenant, adapter: adapter, environments: environments,
            actors: actors, providers: providers, rowCounts: rows, rehearsals: rehearsals, infrastructure: infrastructure,
            connection: connection, dryRun: dryRun, release: release, rollback: rollback, credentialsRef: credentialsRef,
            payloadChecksum: Checksum.sha256Hex(CanonicalJSON.bytes(payloadValue))
        )
    }

    mutating func sessionToken(_ value: JSONValue?) -> String? {
        guard let value else { return nil }
        guard let session = string(value, "session", required: true, singleLine: true) else { return nil }
        let ok = session.utf8.count <= 80 && session.utf8.allSatisfy { byte in
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }
        guard ok else {
            fail("session", "must be 1–80 characters from A–Z, a–z, 0–9, '.', '_' and '-' (it names the pack)")
            return nil
        }
        return session
    }

    mutating func tenant(_ value: JSONValue?) -> Snapshot.Tenant? {
        guard value != nil, let object = object(value, "tenant", required: true) else { return nil }
        let id = string(object["id"], "tenant.id", required: true, singleLine: true)
        let name = string(object["name"], "tenant.name")
        guard let id else { return nil }
        return Snapshot.Tenant(id: id, name: name)
    }

    mutating func adapter(_ value: JSONValue?) -> Snapshot.Adapter? {
        guard value != nil, let object = object(value, "adapter", required: true) else { return nil }
        func field(_ reader: inout Reader, _ key: String) -> String? {
            reader.string(object[key], "adapter." + key, singleLine: true)
        }
        return Snapshot.Adapter(
            contract: field(&self, "contract"), storage: field(&self, "storage"), authMode: field(&self, "auth_mode"),
            tenantMode: field(&self, "tenant_mode"), target: field(&self, "target"), fallback: field(&self, "fallback"),
            lastWriteAt: time(object["last_write_at"], "adapter.last_write_at")
        )
    }

    mutating func environments(_ value: JSONValue?) -> [Snapshot.Environment] {
        guard let array = array(value, "environments", required: false) else { return [] }
        var result: [Snapshot.Environment] = []
        for (i, element) in array.enumerated() {
            let path = "environments[\(i)]"
            guard let object = object(element, path, required: true) else { continue }
            result.append(Snapshot.Environment(
                name: string(object["name"], path + ".name"), adapter: string(object["adapter"], path + ".adapter"),
                state: string(object["state"], path + ".state")
            ))
        }
        return result
    }

    mutating func actors(_ value: JSONValue?, tenantID: String) -> [Snapshot.Actor] {
        guard value != nil, let array = array(value, "actors", required: true) else { return [] }
        var result: [Snapshot.Actor] = []
        var seen: [String: Int] = [:]
        for (i, element) in array.enumerated() {
            let path = "actors[\(i)]"
            guard let object = object(element, path, required: true) else { continue }
            let id = string(object["id"], path + ".id", required: true, singleLine: true)
            let name = string(object["name"], path + ".name")
            // No role (absent, null, empty) is no input error: rbac_claims says which actor lacks one.
            let role = (object["role"]?.stringValue).isSet ? enumValue(object["role"], path + ".role", Role.self) : nil
            if let given = object["role"], !given.isNull, given.stringValue == nil {
                fail(path + ".role", "expected a string, found \(given.typeDescription)")
            }
            let desk = string(object["desk"], path + ".desk")
            let tenant = string(object["tenant"], path + ".tenant", singleLine: true)
            var permissions: [String] = []
            if let list = self.array(object["permissions"], path + ".permissions", required: false) {
                for (j, permission) in list.enumerated() {
                    guard case .string(let text) = permission else {
                        fail("\(path).permissions[\(j)]", "expected a string, found \(permission.typeDescription)")
                        continue
                    }
                    permissions.append(text)
                }
            }
            guard let id else { continue }
            if let first = seen[id] {
                fail(path + ".id", "duplicate actor id \"\(JSONParser.printable(id))\" (first used by actors[\(first)])")
                continue
            }
            seen[id] = i
            result.append(Snapshot.Actor(
                id: id, name: name, role: role, desk: desk, tenant: tenant.isSet ? tenant! : tenantID,
                permissions: permissions
            ))
        }
        return result
    }

    mutating func providers(_ value: JSONValue?) -> [Snapshot.Provider] {
        guard value != nil, let array = array(value, "providers", required: true) else { return [] }
        var result: [Snapshot.Provider] = []
        var seen: [String: Int] = [:]
        for (i, element) in array.enumerated() {
            let path = "providers[\(i)]"
            guard let object = object(element, path, required: true) else { continue }
            let key = string(object["key"], path + ".key", required: true, singleLine: true)
            let provider = Snapshot.Provider(
                key: key ?? "", name: string(object["name"], path + ".name"),
                current: string(object["current"], path + ".current"), target: string(object["target"], path + ".target")
            )
            guard let key else { continue }
            if let first = seen[key] {
                fail(path + ".key", "duplicate provider key \"\(JSONParser.printable(key))\" (first used by providers[\(first)])")
                continue
            }
            seen[key] = i
            result.append(provider)
        }
        return result
    }

    /// Validates the rows; the checks need only how many each group has.
    mutating func rows(_ value: JSONValue?, actorIDs: Set<String>) -> [RowGroup: Int] {
        guard value != nil, let object = object(value, "rows", required: true) else { return [:] }
        var result: [RowGroup: Int] = [:]
        for member in object.members {
            let path = child("rows", member.key)
            guard let group = RowGroup(rawValue: member.key) else {
                let allowed = RowGroup.allCases.map(\.rawValue).joined(separator: ", ")
                fail(path, "unknown row group \"\(JSONParser.printable(member.key))\"; expected one of: \(allowed)")
                continue
            }
            guard let list = array(member.value, path, required: false) else { continue }
            var seen: [String: Int] = [:]
            var count = 0
            for (i, element) in list.enumerated() {
                let rowPath = "\(path)[\(i)]"
                guard let row = self.object(element, rowPath, required: true) else { continue }
                if let id = string(row["id"], rowPath + ".id", required: true) {
                    if let first = seen[id] {
                        fail(rowPath + ".id", "duplicate row id \"\(JSONParser.printable(id))\" in \(group.rawValue) (first at index \(first))")
                    } else {
                        seen[id] = i
                    }
                }
                switch group {
                case .financeEvents:
                    _ = enumValue(row["channel"], rowPath + ".channel", FinanceChannel.self)
                case .auditEvents:
                    _ = enumValue(row["source"], rowPath + ".source", AuditSource.self)
                    if let actor = string(row["actor_id"], rowPath + ".actor_id", required: true), !actorIDs.contains(actor) {
                        fail(rowPath + ".actor_id", "\"\(JSONParser.printable(actor))\" is not an actor id of this snapshot")
                    }
                    _ = time(row["at"], rowPath + ".at", required: true)
                default:
                    break
                }
                count += 1
            }
            result[group] = count
        }
        return result
    }

    mutating func owner(_ value: JSONValue?, _ path: String, actorIDs: Set<String>, required: Bool) -> String? {
        guard let owner = string(value, path, required: required, singleLine: true) else { return nil }
        if !Optional(owner).isSet, !required { return nil }
        guard actorIDs.contains(owner) else {
            fail(path, "owner \"\(JSONParser.printable(owner))\" is not an actor id of this snapshot")
            return nil
        }
        return owner
    }

    mutating func rehearsals(_ value: JSONValue?, actorIDs: Set<String>) -> [RehearsalKey: Snapshot.Rehearsal] {
        guard value != nil, let array = array(value, "rehearsals", required: true) else { return [:] }
        var result: [RehearsalKey: Snapshot.Rehearsal] = [:]
        for (i, element) in array.enumerated() {
            let path = "rehearsals[\(i)]"
            guard let object = object(element, path, required: true) else { continue }
            let key = enumValue(object["key"], path + ".key", RehearsalKey.self)
            let owner = owner(object["owner"], path + ".owner", actorIDs: actorIDs, required: false)
            let acceptedAt = time(object["accepted_at"], path + ".accepted_at")
            guard let key else { continue }
            if result[key] != nil {
                fail(path + ".key", "rehearsal \"\(key.rawValue)\" is listed twice")
                continue
            }
            result[key] = Snapshot.Rehearsal(owner: owner, acceptedAt: acceptedAt)
        }
        return result
    }

    mutating func infrastructure(_ value: JSONValue?, actorIDs: Set<String>) -> Snapshot.Infrastructure? {
        guard value != nil, let object = object(value, "infrastructure", required: true) else { return nil }
        rejectUnknownKeys(object, "infrastructure", allowed: Set(["owner"] + InfrastructureKey.allCases.map(\.rawValue)), what: "infrastructure key")
        let owner = owner(object["owner"], "infrastructure.owner", actorIDs: actorIDs, required: false)
        var decisions: [InfrastructureKey: Snapshot.Infrastructure.Decision] = [:]
        for key in InfrastructureKey.allCases {
            let path = "infrastructure." + key.rawValue
            guard let decision = self.object(object[key.rawValue], path, required: false) else { continue }
            decisions[key] = Snapshot.Infrastructure.Decision(
                value: string(decision["value"], path + ".value"), acceptedAt: time(decision["accepted_at"], path + ".accepted_at")
            )
        }
        return Snapshot.Infrastructure(owner: owner, decisions: decisions)
    }

    mutating func binding(_ value: JSONValue?, _ path: String) -> EvidenceBinding {
        guard let text = string(value, path), Optional(text).isSet else { return .none }
        let lower = text.lowercased()
        let isHex: (Substring) -> Bool = { $0.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) } }
        if lower.utf8.count == 64, isHex(Substring(lower)) { return .full(lower) }
        if lower.utf8.count == 12, lower.hasPrefix("bfg-"), isHex(lower.dropFirst(4)) { return .short(lower) }
        fail(path, "expected the payload checksum it was made against: 64 hex digits or bfg-xxxxxxxx")
        return .none
    }

    mutating func connection(_ value: JSONValue?) -> ConnectionEvidence? {
        guard let object = object(value, "connection", required: false) else { return nil }
        let path = "connection"
        var written = false, readBack = false
        if let probe = self.object(object["write_probe"], path + ".write_probe", required: false) {
            written = isTrue(probe["written"])
            readBack = isTrue(probe["read_back"])
        }
        return ConnectionEvidence(
            binding: binding(object["snapshot_checksum"], path + ".snapshot_checksum"),
            endpoint: endpoint(object["endpoint"], path + ".endpoint"),
            reachable: isTrue(object["reachable"]),
            tlsFingerprint: string(object["tls_fingerprint"], path + ".tls_fingerprint"),
            rbacActor: string(object["rbac_actor"], path + ".rbac_actor"),
            written: written, readBack: readBack,
            recordedAt: time(object["recorded_at"], path + ".recorded_at"),
            recordedBy: string(object["recorded_by"], path + ".recorded_by"),
            transcript: string(object["transcript"], path + ".transcript")
        )
    }

    /// The endpoint; its value is never echoed, since it may carry credentials.
    mutating func endpoint(_ value: JSONValue?, _ path: String) -> String? {
        guard let value, !value.isNull else { return nil }
        guard case .string(let text) = value else {
            fail(path, "expected a string, found \(value.typeDescription)")
            return nil
        }
        if text.unicodeScalars.contains(where: Reader.isLineBreaking) {
            fail(path, "contains a control or line-break character (value not shown)")
            return nil
        }
        return text
    }

    mutating func dryRun(_ value: JSONValue?) -> DryRunEvidence? {
        guard let object = object(value, "dry_run", required: false) else { return nil }
        let path = "dry_run"
        var steps: [DryRunStep: DryRunEvidence.Step] = [:]
        if let stepObject = self.object(object["steps"], path + ".steps", required: false) {
            for member in stepObject.members {
                let stepPath = child(path + ".steps", member.key)
                guard let step = DryRunStep(rawValue: member.key) else {
                    let allowed = DryRunStep.allCases.map(\.rawValue).joined(separator: ", ")
                    fail(stepPath, "unknown dry-run step \"\(JSONParser.printable(member.key))\"; expected one of: \(allowed)")
                    continue
                }
                guard let body = self.object(member.value, stepPath, required: false) else { continue }
                let status = enumValue(body["status"], stepPath + ".status", DryRunStatus.self)
                let transcript = string(body["transcript"], stepPath + ".transcript")
                steps[step] = DryRunEvidence.Step(passed: status == .passed, transcript: transcript)
            }
        }
        var verified: Set<RunbookObject> = []
        if let list = array(object["verified_objects"], path + ".verified_objects", required: false) {
            for (i, element) in list.enumerated() {
                if let item = enumValue(element, "\(path).verified_objects[\(i)]", RunbookObject.self) { verified.insert(item) }
            }
        }
        return DryRunEvidence(
            binding: binding(object["snapshot_checksum"], path + ".snapshot_checksum"),
            replayId: string(object["replay_id"], path + ".replay_id"), ranAt: time(object["ran_at"], path + ".ran_at"),
            recordedBy: string(object["recorded_by"], path + ".recorded_by"), steps: steps, verifiedObjects: verified
        )
    }

    mutating func release(_ value: JSONValue?) -> Snapshot.Release? {
        guard value != nil, let object = object(value, "release", required: true) else { return nil }
        return Snapshot.Release(environment: string(object["environment"], "release.environment", singleLine: true))
    }

    mutating func rollback(_ value: JSONValue?, actorIDs: Set<String>) -> Snapshot.Rollback? {
        guard value != nil, let object = object(value, "rollback", required: true) else { return nil }
        return Snapshot.Rollback(
            owner: owner(object["owner"], "rollback.owner", actorIDs: actorIDs, required: false),
            ownerAckAt: time(object["owner_ack_at"], "rollback.owner_ack_at")
        )
    }

    /// `vault://PATH`, `secret://PATH` or `env://NAME`; anything else is refused without echo.
    mutating func credentialsReference(_ value: JSONValue?) -> String? {
        guard let value, !value.isNull else { return nil }
        guard case .string(let text) = value else {
            fail("credentials_ref", "expected a string reference, found \(value.typeDescription)")
            return nil
        }
        if !Optional(text).isSet { return nil }
        guard CredentialsReference.isReference(text) else {
            fail("credentials_ref", "must be a reference into a secret store (vault://PATH, secret://PATH or env://NAME), never a secret; the value is not shown")
            return nil
        }
        return text
    }
}

/// The forms a `credentials_ref` may take.
public enum CredentialsReference {
    public static func isReference(_ text: String) -> Bool {
        func pathIsClean(_ path: Substring) -> Bool {
            !path.isEmpty && !path.unicodeScalars.contains { scalar in
                scalar.properties.isWhitespace || scalar.value < 0x20 || scalar.value == 0x7F
                    || scalar == "@" || scalar == "?" || scalar == "#"
            }
        }
        if text.hasPrefix("vault://") { return pathIsClean(text.dropFirst(8)) }
        if text.hasPrefix("secret://") { return pathIsClean(text.dropFirst(9)) }
        if text.hasPrefix("env://") {
            let name = text.dropFirst(6).utf8
            guard let first = name.first, !(first >= 48 && first <= 57) else { return false }
            return name.allSatisfy { ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 95 }
        }
        return false
    }
}

enum FinanceChannel: String, CaseIterable { case ksef, payment }
enum AuditSource: String, CaseIterable { case risk, cutover, connection, dry_run, signoff }
enum DryRunStatus: String, CaseIterable { case passed, failed }
