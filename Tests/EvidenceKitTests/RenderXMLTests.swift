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
        let expected = EvidenceRecord(evaluation: evaluation, inputs: Self.digests())
        #expect(record == expected)
        #expect(record.differences(from: expected).isEmpty)
        #expect(record.families.count == evaluation.families.count)
        for (family, result) in zip(record.families, evaluation.families) {
            #expect(family.checks.map(\.status) == result.checks.map(\.status.rawValue))
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
            #expect(record.family("operations")?.decision == "BLOCKED_BY_OPERATIONS")
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
        let detail = try EvidenceXML.read(Array(xml.utf8)).family("infrastructure")?.checks.first { $0.id == "region" }?.detail
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
        let doctype = "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e \"boom\">]><evidence-pack xmlns=\"\(EvidenceRecord.namespace)\"/>"
        #expect(throws: EvidenceXMLError.self) { try EvidenceXML.read(Array(doctype.utf8)) }
    }

    @Test func differencesNameWhatChanged() throws {
        let (evaluation, _) = try RenderFixtures.evaluation("demo-local.json")
        let recorded = EvidenceRecord(evaluation: evaluation, inputs: [])
        var replayed = recorded
        replayed.families[4].checks[0].status = "ready"
        replayed.families[6].packet?.text += "extra\n"
        replayed.production.decision = "GO"
        let differences = recorded.differences(from: replayed)
        #expect(differences.contains("production decision: recorded 'NO-GO', replay gives 'GO'"))
        #expect(differences.contains("family release check env_vars status: recorded 'ready', replay gives 'ready'") == false)
        #expect(differences.contains { $0.hasPrefix("family release check env_vars status") } == (recorded.families[4].checks[0].status != "ready"))
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
                out.append([suite.name, suite.tests, suite.failures, cases])
            print(json.dumps(out))
            """
        let result = try Run.python(program, [data.appendingPathComponent("junit.xml").path])
        #expect(result.status == 0, "\(result.stderr)")
        let suites = try #require(try JSONSerialization.jsonObject(with: result.stdoutData) as? [[Any]])
        #expect(suites.count == evaluation.families.count)
        var names = Set<String>()
        for (suite, family) in zip(suites, evaluation.families) {
            #expect(suite[0] as? String == family.id.rawValue)
            #expect(suite[1] as? Int == family.total)
            #expect(suite[2] as? Int == family.total - family.ready)
            let cases = try #require(suite[3] as? [[Any]])
            for (testcase, check) in zip(cases, family.checks) {
                #expect(testcase[0] as? String == family.id.rawValue)
                #expect(testcase[1] as? String == check.id)
                #expect(names.insert("\(family.id.rawValue).\(check.id)").inserted, "test case names must be unique")
                let failures = try #require(testcase[2] as? [[Any]])
                if check.isReady {
                    #expect(failures.isEmpty)
                } else {
                    #expect(failures.count == 1)
                    #expect(failures.first?[0] as? String == check.status.rawValue)
                    #expect(failures.first?[2] as? String == XMLText.sanitized(check.detail))
                }
            }
        }
    }
}
