import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import TestSupport
@testable import EvidenceKit

/// One evaluation rendered in every format — text, JSON, XML, HTML, JUnit, Markdown — and each
/// output parsed back on its own terms: every count must agree across all of them (SPEC §10
/// "one model, every format"). Over every sample snapshot, with and without records, and 200
/// generated snapshots.
@Suite struct CrossFormatTests {
    /// What one format says, as far as it says it (nil: the format does not show it).
    struct Figures: Equatable, CustomStringConvertible {
        struct Family: Equatable {
            var ready: Int
            var total: Int
            var decision: String?
        }
        var families: [String: Family] = [:]
        var familyOrder: [String] = []
        var production: String = ""
        var blocking: String?
        /// "family.check" of every check that is not ready, in family order (nil when not shown).
        var notReady: [String]?
        /// How many checks are not ready (nil when not shown).
        var notReadyCount: Int?
        /// Accepted per kind, then "rejected", "duplicates", "expired" (nil without records or when not shown).
        var records: [String: Int]?

        var description: String {
            "production \(production) \(blocking ?? "-"); families \(familyOrder.map { "\($0) \(families[$0].map { "\($0.ready)/\($0.total) \($0.decision ?? "-")" } ?? "?")" }); "
                + "not ready \(notReadyCount.map(String.init) ?? "?"); records \(records.map { "\($0.sorted { $0.key < $1.key })" } ?? "-")"
        }
    }

    struct Rendered {
        var text: String
        var json: String
        var xml: String
        var pages: [String: String]
        var junit: String
        var markdown: String
    }

    static func render(_ evaluation: Evaluation) throws -> Rendered {
        let report = EvidenceReport(evaluation: evaluation)
        let pages = HTMLRenderer(templates: try templates.get()).pages(report, snapshot: evaluation.snapshot)
        return Rendered(
            text: CheckReport.text(report), json: JSONWriter.pretty(CheckReport.json(report)),
            xml: EvidenceXML.document(evaluation: evaluation, inputs: []),
            pages: Dictionary(uniqueKeysWithValues: pages.map { ($0.fileName, $0.text) }),
            junit: JUnitReport.document(report),
            markdown: MarkdownSummary.render(EvidenceReport(evaluation: evaluation, text: .xmlSafe), packName: "pack.tar.gz"))
    }

    static let templates = Result { try RenderFixtures.templates() }

    // MARK: - the cases

    static let snapshots = RenderTests.samples
    static let cases: [(String, [String])] = snapshots.flatMap { snapshot in
        [(snapshot, []), (snapshot, ["ready-records.jsonl"]), (snapshot, ["records-bad-lines.jsonl"]), (snapshot, ["records-stuck-run.jsonl"])]
    } + ReportModelTests.recordFiles.map { ("demo-local.json", [$0]) }
        + [("ready.json", ["ready-records.jsonl", "records-deploy-violations.jsonl", "records-release-pause.jsonl"])]

    @Test(arguments: cases.indices)
    func everySampleAgreesInEveryFormat(_ index: Int) throws {
        let (snapshot, records) = Self.cases[index]
        try Self.checkAgreement(try ReportModelTests.evaluate(snapshot, records: records), "\(snapshot) \(records)")
    }

    @Test func generatedSnapshotsAgreeInEveryFormat() throws {
        let ledgers: [Ledger?] = [Fixtures.readyRecords, nil, Fixtures.ledger("records-deploy-violations.jsonl"), Fixtures.ledger("records-stuck-run.jsonl")]
        for (index, (value, rebind)) in CheckPropertyTests.variants(count: 200).enumerated() {
            let evaluation = try Fixtures.evaluate(value, rebind: rebind, records: ledgers[index % ledgers.count])
            try Self.checkAgreement(evaluation, "generated #\(index)")
        }
    }

    /// Parses every format and compares each with the JSON (and the JSON with the evaluation).
    static func checkAgreement(_ evaluation: Evaluation, _ label: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let rendered = try render(evaluation)
        let json = try Parse.json(rendered.json)
        // The reference itself matches what was evaluated.
        #expect(json.production == evaluation.production.decision, "\(label)", sourceLocation: sourceLocation)
        #expect(json.familyOrder == evaluation.families.map(\.id.rawValue), "\(label)", sourceLocation: sourceLocation)
        #expect(json.notReadyCount == evaluation.families.reduce(0) { $0 + $1.total - $1.ready }, "\(label)", sourceLocation: sourceLocation)
        let others: [(String, Figures)] = [
            ("text", try Parse.text(rendered.text)),
            ("xml", try Parse.xml(rendered.xml)),
            ("html", try Parse.html(rendered.pages)),
            ("junit", try Parse.junit(rendered.junit)),
            ("markdown", try Parse.markdown(rendered.markdown)),
        ]
        for (format, figures) in others {
            #expect(figures.production == json.production, "\(label): \(format) \(figures) vs json \(json)", sourceLocation: sourceLocation)
            #expect(figures.blocking == json.blocking, "\(label): \(format) blocking", sourceLocation: sourceLocation)
            #expect(figures.familyOrder == json.familyOrder, "\(label): \(format) families", sourceLocation: sourceLocation)
            #expect(figures.families == json.families, "\(label): \(format) \(figures) vs json \(json)", sourceLocation: sourceLocation)
            if let notReady = figures.notReady {
                if format == "markdown" {
                    #expect(notReady == Array(json.notReady!.prefix(MarkdownSummary.listLimit)), "\(label): markdown not ready", sourceLocation: sourceLocation)
                } else {
                    #expect(notReady == json.notReady, "\(label): \(format) not ready", sourceLocation: sourceLocation)
                }
            }
            if let count = figures.notReadyCount {
                #expect(count == json.notReadyCount, "\(label): \(format) not-ready count", sourceLocation: sourceLocation)
            }
            if format != "junit" {
                #expect(figures.records == json.records, "\(label): \(format) records \(figures) vs json \(json)", sourceLocation: sourceLocation)
            }
        }
    }

    // MARK: - parsers, one per format, none of them using the model

    enum Parse {
        static let kinds = RecordKind.allCases.map(\.rawValue)

        static func notReadyCount(_ figures: Figures) -> Int {
            figures.families.values.reduce(0) { $0 + $1.total - $1.ready }
        }

        static func json(_ text: String) throws -> Figures {
            let value = try JSONParser.parse(Array(text.utf8))
            var figures = Figures()
            var notReady: [String] = []
            for member in try #require(value["families"]?.objectValue).members {
                let family = member.value
                figures.familyOrder.append(member.key)
                figures.families[member.key] = Figures.Family(
                    ready: try int(family["ready"]), total: try int(family["total"]), decision: family["decision"]?.stringValue)
                for check in try #require(family["checks"]?.objectValue).members where check.value.stringValue != "ready" {
                    notReady.append("\(member.key).\(check.key)")
                }
            }
            figures.notReady = notReady
            figures.notReadyCount = notReady.count
            figures.production = try #require(value["production"]?["decision"]?.stringValue)
            figures.blocking = value["production"]?["blocking"]?.stringValue
            if value["operations"]?.isNull == false {
                let records = try #require(value["records"])
                var counts: [String: Int] = [:]
                for kind in kinds { counts[kind] = try int(records["accepted"]?[kind]) }
                counts["rejected"] = try int(records["rejected"])
                counts["duplicates"] = try int(records["duplicates_skipped"])
                counts["expired"] = try int(records["expired"])
                figures.records = counts
            }
            return figures
        }

        static func int(_ value: JSONValue?) throws -> Int {
            guard case .number(let number) = value else { throw Failure("not a number: \(String(describing: value))") }
            return Int(number)
        }

        /// `check` text: one line per family, the records line, the production line.
        static func text(_ text: String) throws -> Figures {
            var figures = Figures()
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let family = try Regex(#"^([a-z_]+) +(\d+)/(\d+)(?: +([A-Z][A-Z_-]*))?(?: |$)"#)
            for line in lines.dropFirst(2) {
                if line.isEmpty { break }
                let match = try #require(try family.firstMatch(in: line), "\(line)")
                let id = String(match.output[1].substring!)
                figures.familyOrder.append(id)
                figures.families[id] = Figures.Family(
                    ready: Int(match.output[2].substring!)!, total: Int(match.output[3].substring!)!,
                    decision: match.output[4].substring.map(String.init))
            }
            let last = try #require(lines.last { !$0.isEmpty })
            if last == "Production GO" {
                figures.production = "GO"
            } else {
                #expect(last.hasPrefix("Production NO-GO — "))
                figures.production = "NO-GO"
                figures.blocking = String(last.dropFirst("Production NO-GO — ".count))
            }
            if let line = lines.first(where: { $0.hasPrefix("  records    ") }) {
                figures.records = try recordsSentence(line)
            }
            return figures
        }

        /// "N accepted (audit a, run b, …); r rejected, d duplicates skipped, e expired" (text and Markdown).
        static func recordsSentence(_ line: String) throws -> [String: Int] {
            let pattern = try Regex(#"(\d+) accepted \(([^)]*)\); (\d+) rejected, (\d+) duplicates skipped, (\d+) expired"#)
            let match = try #require(try pattern.firstMatch(in: line), "\(line)")
            var counts: [String: Int] = [:]
            var sum = 0
            for part in match.output[2].substring!.split(separator: ",") {
                let words = part.split(separator: " ")
                counts[String(words[0])] = Int(words[1])!
                sum += Int(words[1])!
            }
            #expect(sum == Int(match.output[1].substring!)!, "the total is the sum of the kinds")
            counts["rejected"] = Int(match.output[3].substring!)!
            counts["duplicates"] = Int(match.output[4].substring!)!
            counts["expired"] = Int(match.output[5].substring!)!
            return counts
        }

        static func xmlDocument(_ text: String) throws -> XMLElement {
            try #require(try XMLDocument(data: Data(text.utf8)).rootElement())
        }

        static func attribute(_ element: XMLElement, _ name: String) -> String? {
            // attribute(forName:) misses attributes of elements in a default namespace here.
            element.attributes?.first { $0.name == name }?.stringValue
        }

        static func elements(_ element: XMLElement, _ name: String) -> [XMLElement] { element.elements(forName: name) }

        /// `evidence.xml`, with Foundation's XML parser.
        static func xml(_ text: String) throws -> Figures {
            let root = try xmlDocument(text)
            var figures = Figures()
            var notReady: [String] = []
            let families = try #require(elements(root, "families").first)
            for family in elements(families, "family") {
                let id = try #require(attribute(family, "id"))
                figures.familyOrder.append(id)
                figures.families[id] = Figures.Family(
                    ready: Int(try #require(attribute(family, "ready")))!, total: Int(try #require(attribute(family, "total")))!,
                    decision: attribute(family, "decision"))
                for check in elements(family, "check") where attribute(check, "status") != "ready" {
                    notReady.append("\(id).\(attribute(check, "id") ?? "?")")
                }
            }
            figures.notReady = notReady
            figures.notReadyCount = notReady.count
            let production = try #require(elements(root, "production").first)
            figures.production = try #require(attribute(production, "decision"))
            figures.blocking = attribute(production, "blocking")
            if let counts = elements(root, "operations").first.flatMap({ elements($0, "counts").first }) {
                var records: [String: Int] = [:]
                for kind in elements(counts, "kind") { records[attribute(kind, "name")!] = Int(attribute(kind, "accepted")!)! }
                #expect(records.values.reduce(0, +) == Int(attribute(counts, "accepted")!)!)
                records["rejected"] = Int(attribute(counts, "rejected")!)!
                records["duplicates"] = Int(attribute(counts, "duplicates-skipped")!)!
                records["expired"] = Int(attribute(counts, "expired")!)!
                #expect(records["rejected"] == Int(attribute(try #require(elements(root, "rejects").first), "total")!)!)
                figures.records = records
            }
            return figures
        }

        /// `junit.xml`: suites, their properties and failed cases.
        static func junit(_ text: String) throws -> Figures {
            let root = try xmlDocument(text)
            var figures = Figures()
            var notReady: [String] = []
            var properties: [String: String] = [:]
            for suite in elements(root, "testsuite") {
                for property in elements(suite, "properties").flatMap({ elements($0, "property") }) {
                    properties[attribute(property, "name")!] = attribute(property, "value")
                }
                let name = try #require(attribute(suite, "name"))
                let tests = Int(attribute(suite, "tests")!)!, failures = Int(attribute(suite, "failures")!)!
                let failed = elements(suite, "testcase").filter { !elements($0, "failure").isEmpty }
                #expect(failed.count == failures && elements(suite, "testcase").count == tests)
                guard name != JUnitReport.productionSuite else { continue }
                figures.familyOrder.append(name)
                let count = try #require(properties["\(name).ready"]).split(separator: "/")
                #expect(Int(count[0])! == tests - failures && Int(count[1])! == tests)
                figures.families[name] = Figures.Family(ready: tests - failures, total: tests, decision: properties["\(name).decision"])
                notReady += failed.map { "\(name).\(attribute($0, "name")!)" }
            }
            figures.notReady = notReady
            figures.notReadyCount = Int(attribute(root, "failures")!)! - (properties["production.decision"] == "GO" ? 0 : 1)
            figures.production = try #require(properties["production.decision"])
            figures.blocking = properties["production.blocking"]
            return figures
        }

        static func groups(_ pattern: String, in text: String) throws -> [[String?]] {
            try text.matches(of: Regex(pattern)).map { match in match.output.map { $0.substring.map(String.init) } }
        }

        /// The pages: the index for families and production, each family page for its
        /// checks, the operations page for the records.
        static func html(_ pages: [String: String]) throws -> Figures {
            let index = try #require(pages["index.html"])
            var figures = Figures()
            let rows = try groups(
                #"<tr><th scope="row"><a href="[a-z_]+\.html">[^<]*</a><br><span class="code">([a-z_]+)</span></th><td class="num">(\d+)/(\d+)</td>.*?</td><td>(?:<span class="code">([A-Z][A-Z_-]*)</span>)?"#,
                in: index)
            var notReady: [String] = []
            for row in rows {
                let id = row[1]!
                figures.familyOrder.append(id)
                figures.families[id] = Figures.Family(ready: Int(row[2]!)!, total: Int(row[3]!)!, decision: row[4])
                let page = try #require(pages["\(id).html"])
                let checks = try groups(#"<tr><th scope="row">[^<]*<br><span class="code">([^<]+)</span></th><td><span class="status ([a-z]+)">"#, in: page)
                #expect(checks.count == Int(row[3]!)!, "\(id).html lists every check")
                notReady += checks.filter { $0[2] != "ready" }.map { "\(id).\($0[1]!)" }
            }
            figures.notReady = notReady
            figures.notReadyCount = notReady.count
            let production = try #require(try groups(#"(?s)<section class="decision (go|no-go)" aria-labelledby="production-heading">(.*?)</section>"#, in: index).first)
            figures.production = production[1] == "go" ? "GO" : "NO-GO"
            figures.blocking = try groups(#"<span class="code">([A-Z][A-Z_-]*)</span>"#, in: production[2]!).first?[1]
            if let page = pages["operations.html"], page.contains("kinds-caption") {
                // The records section: the kinds table, then rejected, duplicates, expired.
                let start = try #require(page.range(of: "<caption id=\"kinds-caption\">"))
                let end = try #require(page.range(of: "</dl>", range: start.upperBound..<page.endIndex))
                let section = String(page[start.lowerBound..<end.upperBound])
                var records: [String: Int] = [:]
                for row in try groups(#"<tr><th scope="row" class="code">([a-z]+)</th><td class="num">(\d+)</td></tr>"#, in: section) {
                    records[row[1]!] = Int(row[2]!)!
                }
                let facts = try groups(#"<dd>(\d+)</dd>"#, in: section).map { Int($0[1]!)! }
                #expect(facts.count == 3, "\(section)")
                records["rejected"] = facts[0]
                records["duplicates"] = facts[1]
                records["expired"] = facts[2]
                figures.records = records
            }
            return figures
        }

        /// The Markdown summary: heading, families table, not-ready table and count, records line.
        static func markdown(_ text: String) throws -> Figures {
            var figures = Figures()
            let lines = text.split(separator: "\n").map(String.init)
            let heading = try #require(lines.first)
            if heading == "## ✅ Production GO" {
                figures.production = "GO"
            } else {
                figures.production = "NO-GO"
                figures.blocking = try groups(#"^## ❌ Production NO-GO — `([A-Z][A-Z_-]*)`$"#, in: heading).first?[1]
            }
            var section = ""
            var notReady: [String] = []
            for line in lines {
                if line.hasPrefix("### ") {
                    section = line
                    if let count = try groups(#"^### Not ready \((\d+)\)$"#, in: line).first { figures.notReadyCount = Int(count[1]!)! }
                    continue
                }
                if section == "### Families", let row = try groups(#"^\| `([a-z_]+)` \| (\d+)/(\d+) \| (?:`([A-Z][A-Z_-]*)`|—) \|$"#, in: line).first {
                    figures.familyOrder.append(row[1]!)
                    figures.families[row[1]!] = Figures.Family(ready: Int(row[2]!)!, total: Int(row[3]!)!, decision: row[4])
                }
                if section.hasPrefix("### Not ready"), let row = try groups(#"^\| `([a-z_]+)` \| `([^`]+)` \| ([a-z]+) \|"#, in: line).first {
                    #expect(row[3] != "ready")
                    notReady.append("\(row[1]!).\(row[2]!)")
                }
                if section == "### Records", line.contains(" accepted (") {
                    figures.records = try recordsSentence(line)
                }
            }
            figures.notReady = notReady
            if let count = figures.notReadyCount, count > MarkdownSummary.listLimit {
                #expect(lines.contains("… and \(count - MarkdownSummary.listLimit) more"))
            }
            return figures
        }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }
}
