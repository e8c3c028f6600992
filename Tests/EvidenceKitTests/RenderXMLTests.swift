import Foundation
import Testing
import TestSupport
@testable import EvidenceKit

/// evidence.xml against its schema (in process and with xmllint), read back, and junit.xml
/// read by Python's junitparser.
@Suite struct RenderXMLTests {
    static let samples = RenderTests.samples

    static func digests() -> [PackFileDigest] {
        [PackFileDigest(path: "inputs/snapshot.json", sha256: String(repeating: "a", count: 64), bytes: 12)]
    }

    @Test(arguments: samples)
    func evidenceXMLValidatesAndReadsBack(_ name: String) throws {
        let (evaluation, _) = try RenderFixtures.evaluation(name)
        let xml = EvidenceXML.document(evaluation: evaluation, inputs: Self.digests())
        try SchemaValidator.validate(Array(xml.utf8), schema: try TemplateSet.bundledSchema())
        let record = try EvidenceXML.read(Array(xml.utf8))
        let expected = EvidenceReport(evaluation: evaluation, inputs: Self.digests(), text: .xmlSafe)
        #expect(record == expected)
        #expect(record.differences(from: expected).isEmpty)
        #expect(record.families.count == evaluation.families.count)
        for (family, result) in zip(record.families, evaluation.families) {
            #expect(family.checks.map(\.status) == result.checks.map(\.status))
            #expect(family.packet?.text == result.packet?.text.replacingOccurrences(of: "\u{7}", with: "\u{FFFD}"))
            #expect(family.packet?.checksum == result.packet?.checksum)
        }
    }

    @Test func operationsSectionValidates() throws {
        let (evaluation, _) = try RenderFixtures.evaluation("ready.json")
        for summary in [SampleOperations.small, SampleOperations.large(records: 1_000_000, listed: 100)] {
            let withOps = RenderFixtures.withOperations(evaluation, summary)
            let xml = EvidenceXML.document(evaluation: withOps, inputs: Self.digests())
            try SchemaValidator.validate(Array(xml.utf8), schema: try TemplateSet.bundledSchema())
            let record = try EvidenceXML.read(Array(xml.utf8))
            #expect(record.rejectsTotal == summary.counts.rejected)
            #expect(record.family(.operations)?.decision == "BLOCKED_BY_OPERATIONS")
            #expect(xml.components(separatedBy: "<reject ").count - 1 == min(summary.rejects.count, EvidenceXML.listedRejects))
        }
    }

    /// Control characters from the inputs are replaced, not fatal, and the same way every time.
    @Test func forbiddenCharactersAreReplaced() throws {
        var value = Fixtures.json("demo-local.json")
        value.set("infrastructure.region.value", .string("EU\u{1}\u{8}\u{B}\u{C}\u{1F}\u{FFFE} \u{0085}\u{2028}ok\r\n"))
        let evaluation = try Fixtures.evaluate(value)
        let xml = EvidenceXML.document(evaluation: evaluation, inputs: Self.digests())
        try SchemaValidator.validate(Array(xml.utf8), schema: try TemplateSet.bundledSchema())
        let detail = try EvidenceXML.read(Array(xml.utf8)).family(.infrastructure)?.checks.first { $0.id == "region" }?.detail
        #expect(detail == "EU\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD} \u{0085}\u{2028}ok\r\n; not accepted")
        #expect(XMLText.sanitized("a\u{0}b") == "a\u{FFFD}b")
    }

    @Test func schemaRejectsWhatItShould() throws {
        let (evaluation, _) = try RenderFixtures.evaluation("demo-local.json")
        let xml = EvidenceXML.document(evaluation: evaluation, inputs: Self.digests())
        let schema = try TemplateSet.bundledSchema()
        let cases: [(String, String, String)] = [
            ("status=\"next\"", "status=\"later\"", "status"),
            ("payload-checksum-short=\"bfg-7b2c7a5b\"", "payload-checksum-short=\"7b2c7a5b\"", "payload-checksum-short"),
            ("<family id=\"board\"", "<family id=\"dry_run\"", "unique"),
            ("<check id=\"tls_fingerprint\"", "<check id=\"endpoint_reachability\"", "unique"),
        ]
        for (from, to, word) in cases {
            let broken = xml.replacingOccurrences(of: from, with: to)
            #expect(broken != xml)
            #expect(throws: SchemaValidator.Failure.self) { try SchemaValidator.validate(Array(broken.utf8), schema: schema) }
            do {
                try SchemaValidator.validate(Array(broken.utf8), schema: schema)
            } catch {
                #expect(error.messages.contains { $0.hasPrefix("line ") && $0.contains(word) }, "\(error.messages)")
            }
        }
        #expect(throws: SchemaValidator.Failure.self) { try SchemaValidator.validate(Array("<evidence-pack".utf8), schema: schema) }
    }

    @Test func readerRefusesWhatIsNotEvidence() throws {
        #expect(throws: EvidenceXMLError.self) { try EvidenceXML.read(Array("not xml".utf8)) }
        #expect(throws: EvidenceXMLError.self) { try EvidenceXML.read(Array("<other/>".utf8)) }
        let doctype = "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e \"boom\">]><evidence-pack xmlns=\"\(EvidenceReport.namespace)\"/>"
        #expect(throws: EvidenceXMLError.self) { try EvidenceXML.read(Array(doctype.utf8)) }
    }

    @Test func differencesNameWhatChanged() throws {
        let (evaluation, _) = try RenderFixtures.evaluation("demo-local.json")
        let recorded = EvidenceReport(evaluation: evaluation, inputs: [], text: .xmlSafe)
        var replayed = recorded
        replayed.families[4].checks[0].status = .ready
        replayed.families[6].packet?.text += "extra\n"
        replayed.production.decision = "GO"
        let differences = recorded.differences(from: replayed)
        #expect(differences.contains("production decision: recorded 'NO-GO', replay gives 'GO'"))
        #expect(differences.contains("family release check env_vars status: recorded 'ready', replay gives 'ready'") == false)
        #expect(differences.contains { $0.hasPrefix("family release check env_vars status") } == (recorded.families[4].checks[0].status != .ready))
        #expect(differences.contains { $0.hasPrefix("family preflight packet preflight text") })
    }

    @Test(arguments: ["demo-local.json", "ready.json"])
    func xmllintAcceptsThePack(_ name: String) throws {
        let data = try RenderFixtures.data(name, operations: name == "ready.json" ? SampleOperations.small : nil)
        defer { try? FileManager.default.removeItem(at: data.deletingLastPathComponent()) }
        let result = try Run.process("xmllint", ["--noout", "--schema", data.appendingPathComponent("schema/evidence-pack.xsd").path,
                                                 data.appendingPathComponent("evidence.xml").path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("validates"))
    }

    @Test(arguments: ["demo-local.json", "ready.json", "xss.json"])
    func junitparserReadsEveryFamilyAndCheck(_ name: String) throws {
        let data = try RenderFixtures.data(name)
        defer { try? FileManager.default.removeItem(at: data.deletingLastPathComponent()) }
        let (evaluation, _) = try RenderFixtures.evaluation(name)
        let program = """
            import sys, json
            from junitparser import JUnitXml, Failure
            xml = JUnitXml.fromfile(sys.argv[1])
            out = []
            for suite in xml:
                cases = []
                for case in suite:
                    failures = [r for r in case.result if isinstance(r, Failure)]
                    cases.append([case.classname, case.name, [[f.type, f.message, f.text] for f in failures]])
                properties = [[p.name, p.value] for p in suite.properties()]
                out.append([suite.name, suite.tests, suite.failures, cases, properties])
            print(json.dumps([xml.tests, xml.failures, out]))
            """
        let result = try Run.python(program, [data.appendingPathComponent("junit.xml").path])
        #expect(result.status == 0, "\(result.stderr)")
        let top = try #require(try JSONSerialization.jsonObject(with: result.stdoutData) as? [Any])
        let production = evaluation.production
        #expect(top[0] as? Int == evaluation.families.reduce(1) { $0 + $1.total })
        #expect(top[1] as? Int == evaluation.families.reduce(production.isGo ? 0 : 1) { $0 + $1.total - $1.ready })
        let suites = try #require(top[2] as? [[Any]])
        #expect(suites.count == evaluation.families.count + 1)
        var names = Set<String>(), properties = Set<String>()
        for (suite, family) in zip(suites, evaluation.families) {
            #expect(suite[0] as? String == family.id.rawValue)
            #expect(suite[1] as? Int == family.total)
            #expect(suite[2] as? Int == family.total - family.ready)
            let cases = try #require(suite[3] as? [[Any]])
            #expect(cases.count == family.checks.count)
            for (testcase, check) in zip(cases, family.checks) {
                #expect(testcase[0] as? String == "evpack.\(family.id.rawValue)")
                #expect(testcase[1] as? String == check.id)
                #expect(names.insert("\(family.id.rawValue).\(check.id)").inserted, "test case names must be unique")
                let failures = try #require(testcase[2] as? [[Any]])
                if check.isReady {
                    #expect(failures.isEmpty)
                } else {
                    #expect(failures.count == 1)
                    #expect(failures.first?[0] as? String == check.status.rawValue)
                    #expect(failures.first?[1] as? String == XMLText.sanitized("\(check.status.rawValue): \(check.detail)"))
                    #expect(failures.first?[2] as? String == XMLText.sanitized(check.detail))
                }
            }
            let pairs = try #require(suite[4] as? [[String]])
            #expect(pairs.first == ["\(family.id.rawValue).ready", family.count])
            for pair in pairs { #expect(properties.insert(pair[0]).inserted, "property \(pair[0]) repeats") }
        }
        // The production suite: its one test case is the decision, failed on NO-GO.
        let last = try #require(suites.last)
        #expect(last[0] as? String == "production" && last[1] as? Int == 1 && last[2] as? Int == (production.isGo ? 0 : 1))
        let decision = try #require((last[3] as? [[Any]])?.first)
        #expect(decision[0] as? String == "evpack.production" && decision[1] as? String == "decision")
        let failures = try #require(decision[2] as? [[Any]])
        if production.isGo {
            #expect(failures.isEmpty)
        } else {
            #expect(failures.first?[0] as? String == "NO-GO")
            #expect(failures.first?[1] as? String == "NO-GO: \(production.blocking ?? "")")
        }
        let pairs = try #require(last[4] as? [[String]])
        #expect(pairs.contains(["production.decision", production.decision]))
        #expect(pairs.contains(["payload_checksum", evaluation.snapshot.payloadChecksum]))
        for pair in pairs { #expect(properties.insert(pair[0]).inserted, "property \(pair[0]) repeats") }
    }
}
