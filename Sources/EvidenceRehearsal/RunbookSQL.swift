import Foundation

/// The runbook packet as the rehearsal runs it: its exact bytes, cut into statements.
///
/// PostgreSQL's extended protocol (the one postgres-nio speaks) takes one statement per
/// query, so the packet is cut at top-level semicolons; the pieces joined give back the
/// packet's bytes exactly, which `statements(of:)` checks.
public enum RunbookSQL {
    /// The statements of `sql` in order, each with its leading comments and white space.
    public static func statements(of sql: String) -> [String] {
        let bytes = Array(sql.utf8)
        var pieces: [String] = []
        var start = 0
        var i = 0
        var inQuote: UInt8?
        while i < bytes.count {
            let byte = bytes[i]
            if let quote = inQuote {
                if byte == quote { inQuote = nil }
                i += 1
                continue
            }
            switch byte {
            case UInt8(ascii: "'"), UInt8(ascii: "\""):
                inQuote = byte
            case UInt8(ascii: "-") where i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "-"):
                while i < bytes.count, bytes[i] != UInt8(ascii: "\n") { i += 1 }
                continue
            case UInt8(ascii: ";"):
                pieces.append(String(decoding: bytes[start...i], as: UTF8.self))
                start = i + 1
            default:
                break
            }
            i += 1
        }
        let tail = String(decoding: bytes[start...], as: UTF8.self)
        if tail.contains(where: { !$0.isWhitespace }) {
            pieces.append(tail)
        } else if !pieces.isEmpty {
            // Trailing white space belongs to the last statement, so the pieces join back exactly.
            pieces[pieces.count - 1] += tail
        }
        return pieces
    }

    /// The tables the runbook creates in `bfg_flowcontrol`, each with its columns in order.
    public static func tables(of sql: String) -> [(name: String, columns: [String])] {
        var tables: [(name: String, columns: [String])] = []
        var current: (name: String, columns: [String])?
        let prefix = "create table if not exists bfg_flowcontrol."
        for rawLine in sql.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            if current == nil, line.lowercased().hasPrefix(prefix) {
                let name = line.dropFirst(prefix.count).prefix { $0 != " " && $0 != "(" }
                current = (String(name), [])
            } else if var table = current {
                if line.hasPrefix(")") {
                    tables.append(table)
                    current = nil
                } else if let column = line.split(separator: " ").first, !line.hasPrefix("--") {
                    table.columns.append(String(column))
                    current = table
                }
            }
        }
        return tables
    }
}
