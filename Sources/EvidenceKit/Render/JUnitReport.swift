/// `data/junit.xml`: one testsuite per family, one testcase per check, and a `production`
/// testsuite whose one testcase is the production decision, so CI systems show the checks as
/// tests and fail on NO-GO.
///
/// Written for every reader (SPEC §5): it validates against Jenkins' junit-10.xsd (on
/// `<testsuites>` only `name`, `time`, `tests`, `failures`, `errors`); a testcase's
/// `classname` is `evpack.<family>` and its `name` the check id, so (classname, name) is
/// unique; property names are unique across the whole file (`<family>.ready`, …), because some
/// readers merge every suite's properties into one map. A check that is not ready is a
/// `failure` whose type is its status, whose message is its status and detail, and whose text
/// is its detail.
public enum JUnitReport {
    /// The package every classname starts with (Jenkins groups test cases by it).
    public static let package = "evpack"
    /// The name of the suite (and the family part of the classname) of the production decision.
    public static let productionSuite = "production"
    /// The name of the one test case of the production suite.
    public static let productionCase = "decision"

    public static func document(_ evaluation: Evaluation) -> String {
        document(EvidenceReport(evaluation: evaluation))
    }

    public static func document(_ report: EvidenceReport) -> String {
        let snapshot = report.snapshot
        let production = report.production
        let checks = report.families.reduce(0) { $0 + $1.total } + 1
        let failures = report.families.reduce(0) { $0 + $1.total - $1.ready } + (production.isGo ? 0 : 1)
        let timestamp = String(report.options.asOf.dropLast()) // JUnit timestamps carry no zone (ISO 8601 local form), UTC here.
        var xml = XMLBuilder()
        xml.begin("testsuites", [
            ("name", "\(package) \(snapshot.session) \(snapshot.payloadChecksumShort)"), ("tests", String(checks)),
            ("failures", String(failures)), ("errors", "0"), ("time", "0"),
        ])
        for (index, family) in report.families.enumerated() {
            let id = family.id.rawValue
            suite(&xml, name: id, index: index, tests: family.total, failures: family.total - family.ready, timestamp: timestamp)
            xml.begin("properties")
            xml.empty("property", [("name", "\(id).ready"), ("value", family.count)])
            if let decision = family.decision { xml.empty("property", [("name", "\(id).decision"), ("value", decision)]) }
            if let contract = family.contract { xml.empty("property", [("name", "\(id).contract"), ("value", contract)]) }
            xml.end()
            for check in family.checks {
                testcase(&xml, family: id, name: check.id, failure: check.isReady ? nil : (check.status.rawValue, check.detail))
            }
            xml.end()
        }

        suite(&xml, name: productionSuite, index: report.families.count, tests: 1, failures: production.isGo ? 0 : 1,
              timestamp: timestamp)
        xml.begin("properties")
        xml.empty("property", [("name", "production.decision"), ("value", production.decision)])
        if let blocking = production.blocking { xml.empty("property", [("name", "production.blocking"), ("value", blocking)]) }
        xml.empty("property", [("name", "payload_checksum"), ("value", snapshot.payloadChecksum)])
        xml.empty("property", [("name", "as_of"), ("value", report.options.asOf)])
        xml.end()
        testcase(&xml, family: productionSuite, name: productionCase,
                 failure: production.isGo ? nil : (production.decision, production.blocking ?? ""))
        xml.end()

        xml.end()
        return xml.document
    }

    private static func suite(_ xml: inout XMLBuilder, name: String, index: Int, tests: Int, failures: Int, timestamp: String) {
        xml.begin("testsuite", [
            ("name", name), ("id", String(index)), ("package", package),
            ("tests", String(tests)), ("failures", String(failures)),
            ("errors", "0"), ("skipped", "0"), ("time", "0"), ("timestamp", timestamp),
        ])
    }

    /// A testcase `evpack.<family>` / `name`; a failure (type, detail) makes it a failed one.
    private static func testcase(_ xml: inout XMLBuilder, family: String, name: String, failure: (type: String, detail: String)?) {
        let attributes: [XMLBuilder.Attribute] = [("classname", "\(package).\(family)"), ("name", name), ("time", "0")]
        guard let failure else {
            xml.empty("testcase", attributes)
            return
        }
        xml.begin("testcase", attributes)
        xml.text("failure", [("message", "\(failure.type): \(failure.detail)"), ("type", failure.type)], failure.detail)
        xml.end()
    }
}
