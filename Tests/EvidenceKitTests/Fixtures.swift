import Foundation
import TestSupport
@testable import EvidenceKit

/// Sample snapshots as editable JSON, for table-driven tests.
enum Fixtures {
    static func json(_ name: String) -> JSONValue {
        let data = try! Data(contentsOf: URL(fileURLWithPath: TestPaths.snapshot(name)))
        return try! JSONParser.parse(Array(data))
    }

    static func bytes(_ value: JSONValue) -> [UInt8] { Array(JSONWriter.pretty(value).utf8) }

    /// Reads an edited snapshot. With `rebind`, the evidence is re-bound to the edited
    /// payload so that an edit of the payload does not also make the evidence stale.
    static func snapshot(_ value: JSONValue, rebind: Bool = true) throws -> Snapshot {
        var value = value
        if rebind {
            let first = try SnapshotReader.read(bytes(value), file: "fixture.json")
            for key in ["connection", "dry_run"] where value[key]?.objectValue != nil {
                value.set("\(key).snapshot_checksum", .string(first.payloadChecksum))
            }
        }
        return try SnapshotReader.read(bytes(value), file: "fixture.json")
    }

    /// The records that corroborate ready.json (snapshots/ready-records.jsonl), in a ledger.
    static var readyRecords: Ledger { ledger("ready-records.jsonl")! }

    /// Ledgers of the sample records files, made once.
    static let ledgers: [String: Ledger] = {
        var result: [String: Ledger] = [:]
        for name in ["ready-records.jsonl", "records-stuck-run.jsonl", "records-failed-run.jsonl", "records-release-pause.jsonl",
                     "records-missing-signoff.jsonl", "records-deploy-violations.jsonl"] {
            let ledger = try! Ledger.temporary()
            _ = try! ledger.ingest([RecordSource(path: TestPaths.snapshot(name))])
            result[name] = ledger
        }
        return result
    }()

    /// The ledger of a sample records file; nil for "" (no records).
    static func ledger(_ name: String) -> Ledger? { name.isEmpty ? nil : ledgers[name]! }

    /// Evaluates with the ready records (pass nil for none).
    static func evaluate(_ value: JSONValue, rebind: Bool = true, records: Ledger? = readyRecords) throws -> Evaluation {
        let snapshot = try snapshot(value, rebind: rebind)
        let options = RunOptions(asOf: snapshot.capturedAt)
        return Evaluator.evaluate(snapshot, options: options, operations: try records?.operations(snapshot: snapshot, options: options))
    }

    /// ready.json with some edits applied.
    static func ready(_ edits: [(String, JSONValue?)]) -> JSONValue {
        var value = json("ready.json")
        for (path, replacement) in edits { value.set(path, replacement) }
        return value
    }
}

extension JSONValue {
    /// Sets (or removes, with nil) the value at a path such as `actors[3].permissions`.
    mutating func set(_ path: String, _ newValue: JSONValue?) {
        set(JSONValue.components(path)[...], newValue)
    }

    /// Sets the value at a path when the path can be followed; false when it cannot.
    @discardableResult
    mutating func setIfPossible(_ path: String, _ newValue: JSONValue?) -> Bool {
        guard canFollow(JSONValue.components(path)[...]) else { return false }
        set(path, newValue)
        return true
    }

    private func canFollow(_ path: ArraySlice<Component>) -> Bool {
        guard let first = path.first else { return true }
        switch (first, self) {
        case (.key(let key), .object(let object)):
            guard path.count > 1 else { return true }
            guard let child = object[key] else { return false }
            return child.canFollow(path.dropFirst())
        case (.index(let index), .array(let array)):
            return index < array.count && array[index].canFollow(path.dropFirst())
        default:
            return false
        }
    }

    enum Component { case key(String), index(Int) }

    static func components(_ path: String) -> [Component] {
        var result: [Component] = []
        for part in path.split(separator: ".") {
            var rest = Substring(part)
            if let bracket = rest.firstIndex(of: "[") {
                if bracket > rest.startIndex { result.append(.key(String(rest[..<bracket]))) }
                rest = rest[bracket...]
                while rest.first == "[" {
                    let close = rest.firstIndex(of: "]")!
                    result.append(.index(Int(rest[rest.index(after: rest.startIndex)..<close])!))
                    rest = rest[rest.index(after: close)...]
                }
            } else {
                result.append(.key(String(rest)))
            }
        }
        return result
    }

    private mutating func set(_ path: ArraySlice<Component>, _ newValue: JSONValue?) {
        guard let first = path.first else { self = newValue ?? .null; return }
        switch (first, self) {
        case (.key(let key), .object(var object)):
            if path.count == 1 {
                object[key] = newValue
            } else {
                var child = object[key] ?? .object(JSONObject())
                child.set(path.dropFirst(), newValue)
                object[key] = child
            }
            self = .object(object)
        case (.index(let index), .array(var array)):
            if path.count == 1, newValue == nil {
                array.remove(at: index)
            } else {
                array[index].set(path.dropFirst(), newValue)
            }
            self = .array(array)
        default:
            fatalError("cannot follow \(path) in \(self.typeDescription)")
        }
    }
}
