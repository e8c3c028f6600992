import Foundation
import Testing
@testable import EvidenceKit

/// One column table (`RecordColumns.table`) drives the record rules, the ledger DDL and the
/// INSERT (issue 13 item 4): a column lands where the table puts it, holding the field it names.
@Suite struct RecordColumnsTests {
    @Test func everyColumnHoldsTheFieldItNamesInTheTablesOrder() throws {
        let (ledger, report) = try RecordsTests.ingest(RecordsTests.good.joined(separator: "\n"))
        #expect(report.rejected == 0)
        for (kind, line) in zip(RecordKind.allCases, RecordsTests.good) {
            let record = try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let columns = RecordRules.columns(kind)
            #expect(columns.first == "id")
            // The DDL: the kind's table begins with the table's columns, in its order.
            let declared = try ledger.read { sql in try sql.rows("SELECT name FROM pragma_table_info('\(kind.rawValue)') ORDER BY cid") }.map { $0.text(0) }
            #expect(Array(declared.prefix(columns.count)) == columns, "\(kind)")
            // The INSERT and the rules: each column holds its field (times as nanoseconds).
            let row = try #require(try ledger.read { sql in try sql.firstRow("SELECT \(columns.joined(separator: ", ")) FROM \(kind.rawValue)") })
            for (index, column) in RecordColumns.table[kind.ordinal].columns.enumerated() {
                let expected: LedgerValue
                switch column.rule {
                case .usageFamily:
                    expected = .text("operations")
                case .time:
                    expected = (record[column.name] as? String).map { .integer(Instant(rfc3339: $0)!.nanosecondsSinceEpoch) } ?? .null
                case .choice(_, _, let fallback):
                    expected = ((record[column.name] as? String) ?? fallback).map(LedgerValue.text) ?? .null
                default:
                    expected = (record[column.name] as? String).map(LedgerValue.text) ?? .null
                }
                #expect(row.values[index] == expected, "\(kind).\(column.name)")
            }
        }
    }

    @Test func theTableNamesEveryTimeColumnAndOneOccurrence() {
        #expect(RecordRules.timeColumns.contains("occurred_at") && RecordRules.timeColumns.contains("decided_at"))
        let occurrences = RecordColumns.table.flatMap(\.columns).filter { if case .time(_, true) = $0.rule { true } else { false } }
        #expect(occurrences.map(\.name) == ["occurred_at"])
    }
}
