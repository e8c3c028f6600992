import Crypto

/// Turns the lines or rows of one file into records or rejects in a batch (SPEC §4).
///
/// A JSON line is first scanned in place; when it carries its kind and needs no sanitizing
/// (the common case) its columns are read straight from the line and the line itself is the
/// stored document. Anything else (CSV rows, a line without a kind, a record with a
/// secret-looking key, a long string, a string that may hold a secret, a usage event with a
/// null metadata value, a URL with credentials, non-numeric summary counts, a
/// long failure summary, escaped member names) goes through the parsed object: validated the
/// same way, then sanitized and written in RFC 8785 form.
struct RecordDecoder {
    let source: RecordSource
    private var header: [String]?
    private var kindColumn: Int?
    private var members: [ScannedMember] = []
    private var keys: [Range<Int>] = []
    private let scratch = ScratchStrings()
    private let keyCache = SecretKeyCache()

    static let jsonCells: Set<String> = ["metadata", "summary_counts", "failure_summary"]

    init(source: RecordSource) {
        self.source = source
        members.reserveCapacity(32)
        keys.reserveCapacity(64)
    }

    /// A file-level problem that makes the whole file unusable (a bad CSV header).
    struct FileError: Error {
        var line: Int
        var message: String
    }

    /// Adds the record or reject of one line or row to `batch`.
    mutating func decode(_ raw: RawRecord, line: Int, into batch: RecordBatch) throws(FileError) {
        defer { scratch.reset() }
        switch raw {
        case .unreadable(let reason):
            reject(line, nil, reason, batch)
        case .line(let bytes):
            decodeLine(bytes, line: line, into: batch)
        case .fields(let cells):
            guard let header else {
                try readHeader(cells, line: line)
                return
            }
            decodeRow(cells, header: header, line: line, into: batch)
        }
    }

    // MARK: - JSON Lines

    private mutating func decodeLine(_ bytes: UnsafeBufferPointer<UInt8>, line: Int, into batch: RecordBatch) {
        var parser = JSONParser(bytes: bytes)
        parser.maxDepth = 32
        parser.keyCache = keyCache
        var flags = ScanFlags()
        let isObject: Bool
        do {
            isObject = try parser.scanObject(members: &members, keys: &keys, flags: &flags)
        } catch {
            return reject(line, nil, error.kind == .invalidUTF8 ? "invalid UTF-8" : "not valid JSON (column \(error.column))", batch)
        }
        guard isObject else { return reject(line, nil, "not a JSON object", batch) }
        members.withUnsafeBufferPointer { members in
            let fields = ScannedFields(line: bytes, members: members, scratch: scratch, mayHoldSecrets: flags.contains(.secretValue))
            guard !flags.contains(.escapedKey), case .string(let kindText)? = fields.field("kind") else {
                // A line without its kind, or with escaped member names: the parsed object decides.
                return decodeParsed(bytes, line: line, into: batch)
            }
            guard let kind = RecordKind(bytes: kindText) else { return reject(line, nil, Self.kindProblem, batch) }
            let mark = (batch.nextSlot, batch.arenaMark)
            let occurred: Int64?
            do throws(RecordRules.Violation) {
                occurred = try RecordRules.validate(kind, fields, into: batch)
            } catch {
                batch.rollback(toSlot: mark.0, arena: mark.1)
                return reject(line, kind, error.reason, batch)
            }
            if flags.isEmpty, !Self.needsSanitizing(kind, fields) {
                // The common case: the line as read is the document.
                batch.addRecord(RecordBatch.Record(
                    kind: kind, line: Int32(line), firstSlot: mark.0, document: batch.append(bytes), identity: .null,
                    rejectsBefore: 0, occurredAt: occurred
                ))
            } else if case .object(let object)? = try? JSONParser.parse(Array(bytes), maxDepth: 32) {
                addSanitized(kind, object, firstSlot: mark.0, line: line, occurred: occurred, into: batch)
            } else {
                batch.rollback(toSlot: mark.0, arena: mark.1)
                reject(line, kind, "not valid JSON", batch)
            }
        }
    }

    /// A JSON line decided on its parsed object.
    private func decodeParsed(_ bytes: UnsafeBufferPointer<UInt8>, line: Int, into batch: RecordBatch) {
        guard case .object(var object)? = try? JSONParser.parse(Array(bytes), maxDepth: 32) else {
            return reject(line, nil, "not valid JSON", batch)
        }
        let kind: RecordKind
        switch object["kind"] {
        case nil, .null?:
            guard let named = source.kind else { return reject(line, nil, "field kind: required", batch) }
            kind = named
            object.members.insert(JSONObject.Member(key: "kind", value: .string(kind.rawValue)), at: 0)
        case .string(let text)?:
            guard let named = RecordKind(rawValue: text) else { return reject(line, nil, Self.kindProblem, batch) }
            kind = named
        default:
            return reject(line, nil, Self.kindProblem, batch)
        }
        finish(kind, object, line: line, into: batch)
    }

    static let kindProblem = "field kind: not one of \(RecordKind.allCases.map(\.rawValue).joined(separator: ", "))"

    /// Top-level fields the sanitizer would change (the scan flags cover keys, long strings
    /// and strings that may hold a secret).
    static func needsSanitizing(_ kind: RecordKind, _ fields: ScannedFields) -> Bool {
        if kind == .usage, let metadata = fields.member("metadata"), metadata.type == .object,
           Redaction.find(UnsafeBufferPointer(rebasing: fields.line[metadata.valueStart..<metadata.valueEnd]), "null", from: 0) != nil {
            // A null member is dropped ("null" in a string is a false alarm that costs a scan).
            var hasNull = false
            fields.forEachMember(of: "metadata") { _, value in if case .null = value { hasNull = true } }
            if hasNull { return true }
        }
        if case .string(let url)? = fields.field("external_run_url"), Redaction.urlNeedsRedaction(url) {
            return true
        }
        if case .object? = fields.field("summary_counts") {
            var numeric = true
            fields.forEachMember(of: "summary_counts") { _, value in if case .number = value {} else { numeric = false } }
            if !numeric { return true }
        }
        if let count = fields.arrayCount("failure_summary"), count > Sanitizer.maxFailureEntries { return true }
        return false
    }

    // MARK: - CSV

    private mutating func readHeader(_ cells: [String], line: Int) throws(FileError) {
        var seen: Set<String> = []
        var names: [String] = []
        for (i, cell) in cells.enumerated() {
            let name = cell.trimmingWhitespace()
            guard !name.isEmpty else { throw FileError(line: line, message: "header column \(i + 1) has no name") }
            guard seen.insert(name).inserted else { throw FileError(line: line, message: "header names column \"\(JSONParser.printable(name))\" twice") }
            names.append(name)
        }
        kindColumn = names.firstIndex(of: "kind")
        guard kindColumn != nil || source.kind != nil else {
            throw FileError(line: line, message: "no kind column in the header and no --kind for this file")
        }
        header = names
    }

    private func decodeRow(_ cells: [String], header: [String], line: Int, into batch: RecordBatch) {
        guard cells.count == header.count else {
            return reject(line, nil, "\(cells.count) fields, but the header has \(header.count)", batch)
        }
        var kind = source.kind
        if let kindColumn, !cells[kindColumn].isEmpty {
            guard let named = RecordKind(rawValue: cells[kindColumn]) else { return reject(line, nil, Self.kindProblem, batch) }
            kind = named
        }
        guard let kind else { return reject(line, nil, "field kind: required (no kind cell and no --kind)", batch) }
        var object = JSONObject()
        object.members.reserveCapacity(cells.count)
        object.members.append(JSONObject.Member(key: "kind", value: .string(kind.rawValue)))
        for (column, cell) in zip(header, cells) where !cell.isEmpty && column != "kind" {
            if Self.jsonCells.contains(column) {
                guard let parsed = try? JSONParser.parse(Array(cell.utf8), maxDepth: 32) else {
                    return reject(line, kind, "field \(column): the cell is not valid JSON", batch)
                }
                object.members.append(JSONObject.Member(key: column, value: parsed))
            } else {
                object.members.append(JSONObject.Member(key: column, value: .string(cell)))
            }
        }
        finish(kind, object, line: line, into: batch)
    }

    // MARK: - common

    private func reject(_ line: Int, _ kind: RecordKind?, _ reason: String, _ batch: RecordBatch) {
        batch.addReject(RecordReject(file: source.displayName, line: line, kind: kind, reason: reason))
    }

    /// Validates, fingerprints and sanitizes a parsed record that carries its `kind`.
    private func finish(_ kind: RecordKind, _ object: JSONObject, line: Int, into batch: RecordBatch) {
        let mark = (batch.nextSlot, batch.arenaMark)
        let occurred: Int64?
        do {
            occurred = try RecordRules.validate(kind, ObjectFields(object: object, scratch: scratch), into: batch)
        } catch {
            batch.rollback(toSlot: mark.0, arena: mark.1)
            return reject(line, kind, error.reason, batch)
        }
        addSanitized(kind, object, firstSlot: mark.0, line: line, occurred: occurred, into: batch)
    }

    /// Adds a validated record whose document is its sanitized canonical form, with its identity.
    private func addSanitized(_ kind: RecordKind, _ object: JSONObject, firstSlot: Int32, line: Int, occurred: Int64?, into batch: RecordBatch) {
        let identity = batch.append(Self.identity(of: object))
        let clean = Sanitizer.sanitize(object)
        batch.addRecord(RecordBatch.Record(
            kind: kind, line: Int32(line), firstSlot: firstSlot, document: batch.append(CanonicalJSON.bytes(.object(clean))),
            identity: identity, rejectsBefore: 0, occurredAt: occurred
        ))
    }

    /// The first 16 bytes of SHA-256 over the record's RFC 8785 bytes: what "identical"
    /// compares for a repeated id.
    static func identity(of object: JSONObject) -> [UInt8] {
        Array(SHA256.hash(data: CanonicalJSON.bytes(.object(object))).prefix(16))
    }

    /// The identity of a stored document (one that needed no sanitizing, so it is the record as read).
    static func identity(ofDocument document: [UInt8]) -> [UInt8]? {
        guard case .object(let object)? = try? JSONParser.parse(document) else { return nil }
        return identity(of: object)
    }
}

extension RecordKind {
    init?(bytes: UnsafeBufferPointer<UInt8>) {
        for kind in RecordKind.allCases where kind.rawValue.utf8.elementsEqual(bytes) {
            self = kind
            return
        }
        return nil
    }
}

extension String {
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }
}
