/// A batch of decoded records on its way from the reading thread to the ledger.
///
/// Everything a record carries (column text, the document, the identity) is copied into one
/// byte arena, so a batch of a thousand records costs a handful of allocations.
public final class RecordBatch: @unchecked Sendable {
    /// A column value: nothing, an integer, or bytes of the arena.
    public enum Slot: Sendable, Equatable {
        case null
        case integer(Int64)
        case bytes(start: Int32, count: Int32)
    }

    public struct Record: Sendable {
        public var kind: RecordKind
        public var line: Int32
        /// The columns of `RecordRules.columns(kind)` (id first) are `slots[firstSlot ..< firstSlot + count]`.
        public var firstSlot: Int32
        /// The sanitized JSON line.
        public var document: Slot
        /// 16 bytes, or null when the document is the record exactly as read.
        public var identity: Slot
        /// Rejects of this batch that came before this record in the input.
        public var rejectsBefore: Int32
        /// Usage events: when they occurred (nanoseconds), for expiry at as-of.
        public var occurredAt: Int64?
    }

    public private(set) var arena: [UInt8] = []
    public private(set) var slots: [Slot] = []
    public private(set) var records: [Record] = []
    public private(set) var rejects: [RecordReject] = []

    init(capacity: Int) {
        arena.reserveCapacity(capacity * 320)
        slots.reserveCapacity(capacity * 10)
        records.reserveCapacity(capacity)
    }

    public var count: Int { records.count + rejects.count }

    // MARK: - filling (reading thread)

    func append(_ bytes: UnsafeBufferPointer<UInt8>) -> Slot {
        let start = arena.count
        arena.append(contentsOf: bytes)
        return .bytes(start: Int32(start), count: Int32(bytes.count))
    }

    func append(_ text: String) -> Slot {
        var text = text
        return text.withUTF8 { append($0) }
    }

    func append(_ bytes: [UInt8]) -> Slot {
        bytes.withUnsafeBufferPointer { append($0) }
    }

    /// Marks where the next record's columns begin.
    var nextSlot: Int32 { Int32(slots.count) }

    func appendSlot(_ slot: Slot) { slots.append(slot) }

    /// Forgets the columns appended since `mark` (a record that ended as a reject).
    func rollback(toSlot mark: Int32, arena arenaMark: Int) {
        slots.removeSubrange(Int(mark)...)
        arena.removeSubrange(arenaMark...)
    }

    var arenaMark: Int { arena.count }

    func addRecord(_ record: Record) {
        var record = record
        record.rejectsBefore = Int32(rejects.count)
        records.append(record)
    }

    func addReject(_ reject: RecordReject) { rejects.append(reject) }

    // MARK: - reading (ledger thread)

    /// The text of a byte slot.
    public func string(_ slot: Slot) -> String? {
        guard case .bytes(let start, let count) = slot else { return nil }
        return arena.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[Int(start)..<Int(start + count)]), as: UTF8.self) }
    }

    public func bytes(_ slot: Slot) -> [UInt8]? {
        guard case .bytes(let start, let count) = slot else { return nil }
        return Array(arena[Int(start)..<Int(start + count)])
    }

    /// The record's columns, `id` first.
    public func columns(of record: Record) -> ArraySlice<Slot> {
        slots[Int(record.firstSlot)..<(Int(record.firstSlot) + Self.columnCounts[record.kind.ordinal])]
    }

    /// How many columns each kind has, by `RecordKind.ordinal`.
    static let columnCounts = RecordKind.allCases.map { RecordRules.columns($0).count }
}

extension RecordKind {
    /// The kind's position in `allCases`, without searching it.
    public var ordinal: Int {
        switch self {
        case .audit: return 0
        case .run: return 1
        case .usage: return 2
        case .control: return 3
        case .deploy: return 4
        case .approval: return 5
        }
    }
}
