/// `data/junit.xml`: one testsuite per family, one testcase per check, so CI systems show
/// the checks as tests. A check that is not ready is a `failure` whose type is its status
/// and whose message and text are its detail.
public enum JUnitReport {
    public static func document(_ evaluation: Evaluation) -> String {
        let snapshot = evaluation.snapshot
        let checks = evaluation.families.reduce(0) { $0 + $1.total }
        let failures = evaluation.families.reduce(0) { $0 + $1.total - $1.ready }
        let timestamp = evaluation.asOf.rfc3339.dropLast() // JUnit timestamps carry no zone (ISO 8601 local form), UTC here.
        var xml = XMLBuilder()
        xml.begin("testsuites", [
            ("name", "evpack \(snapshot.session) \(snapshot.payloadChecksumShort)"), ("tests", String(checks)),
            ("failures", String(failures)), ("errors", "0"), ("skipped", "0"), ("time", "0"),
        ])
        for (index, family) in evaluation.families.enumerated() {
            xml.begin("testsuite", [
                ("name", family.id.rawValue), ("id", String(index)), ("package", "evpack"),
                ("tests", String(family.total)), ("failures", String(family.total - family.ready)),
                ("errors", "0"), ("skipped", "0"), ("time", "0"), ("timestamp", String(timestamp)),
            ])
            xml.begin("properties")
            xml.empty("property", [("name", "ready"), ("value", family.count)])
            if let decision = family.decision { xml.empty("property", [("name", "decision"), ("value", decision)]) }
            if let contract = family.contract { xml.empty("property", [("name", "contract"), ("value", contract)]) }
            xml.empty("property", [("name", "payload_checksum"), ("value", snapshot.payloadChecksum)])
            xml.empty("property", [("name", "as_of"), ("value", evaluation.asOf.rfc3339)])
            xml.end()
            for check in family.checks {
                if check.isReady {
                    xml.empty("testcase", [("classname", family.id.rawValue), ("name", check.id), ("time", "0")])
                    continue
                }
                xml.begin("testcase", [("classname", family.id.rawValue), ("name", check.id), ("time", "0")])
                xml.text("failure", [("message", "\(check.status.rawValue): \(check.detail)"), ("type", check.status.rawValue)], check.detail)
                xml.end()
            }
            xml.end()
        }
        xml.end()
        return xml.document
    }
}
