import EvidenceKit
import Testing
import TestSupport
import Foundation
@testable import EvidenceRehearsal

/// The offline parts of a rehearsal: the target URL, the password's source, the runbook split.
struct RehearsalUnitTests {
    @Test func targetURLParses() throws {
        let target = try RehearsalTarget.parse("postgres://evpack_app@db.example:6543/bfg?sslmode=verify-full&sslrootcert=/etc/ca.pem")
        #expect(target.user == "evpack_app")
        #expect(target.host == "db.example")
        #expect(target.port == 6543)
        #expect(target.database == "bfg")
        #expect(target.sslMode == .verifyFull)
        #expect(target.sslRootCert == "/etc/ca.pem")
        #expect(target.redacted == "postgres://db.example:6543/bfg")
        let plain = try RehearsalTarget.parse("postgresql://app@[::1]/db")
        #expect(plain.host == "::1")
        #expect(plain.port == 5432)
        #expect(plain.sslMode == .require)
        #expect(plain.redacted == "postgres://[::1]:5432/db")
    }

    @Test(arguments: [
        ("postgres://app:hunter2-secret@db/x", "holds a password"),
        ("mysql://app@db/x", "scheme must be postgres"),
        ("postgres://db/x", "name the database user"),
        ("postgres://app@db", "name the database"),
        ("postgres://app@db:99999/x", "port must be"),
        ("postgres://app@db/x?sslmode=allow", "sslmode must be one of"),
        ("postgres://app@db/x?password=hunter2-secret", "unknown parameter"),
        ("postgres://app@db/x?sslmode=require&sslrootcert=ca.pem", "needs sslmode=verify-ca or verify-full"),
    ])
    func badTargetURLsAreUsageErrors(url: String, message: String) {
        do {
            _ = try RehearsalTarget.parse(url)
            Issue.record("\(url) parsed")
        } catch {
            #expect(error.description.contains(message), "\(error.description)")
            #expect(!error.description.contains("hunter2-secret"))
        }
    }

    @Test func passwordComesFromEnvReferenceThenPGPASSWORD() throws {
        #expect(try Credentials.password(credentialsRef: "env://TARGET_PW", environment: ["TARGET_PW": "a", "PGPASSWORD": "b"]) == "a")
        #expect(try Credentials.password(credentialsRef: "vault://bfg/db", environment: ["PGPASSWORD": "b"]) == "b")
        #expect(try Credentials.password(credentialsRef: nil, environment: ["PGPASSWORD": "b"]) == "b")
        for (reference, message) in [("env://TARGET_PW", "TARGET_PW is not set"), ("vault://bfg/db", "vault://bfg/db is resolved by whoever runs evpack"), (nil, "set PGPASSWORD")] {
            do {
                _ = try Credentials.password(credentialsRef: reference, environment: ["PGPASSWORD_OTHER": "x"])
                Issue.record("\(reference ?? "nil") resolved")
            } catch {
                #expect(error.description.contains(message), "\(error.description)")
            }
        }
    }

    @Test func runbookStatementsJoinBackToThePacketBytes() throws {
        let snapshot = try SnapshotReader.read(Array(try String(contentsOfFile: TestPaths.snapshot("demo-local.json"), encoding: .utf8).utf8), file: "demo-local.json")
        let sql = try #require(Evaluator.evaluate(snapshot).family(.runbook)?.packet?.text)
        let statements = RunbookSQL.statements(of: sql)
        #expect(statements.joined() == sql)
        #expect(statements.count == 14)
        #expect(statements.allSatisfy { $0.trimmingCharacters(in: .whitespacesAndNewlines).hasSuffix(";") })
        let tables = RunbookSQL.tables(of: sql)
        #expect(tables.map(\.name) == ["tenants", "users", "scenario_snapshots", "audit_events"])
        #expect(tables[1].columns == ["user_id", "tenant_id", "role_key", "display_name", "permissions"])
        #expect(RunbookOutline(sql: sql).rlsTables == ["users", "scenario_snapshots", "audit_events"])
        #expect(RunbookSQL.statements(of: "select ';' ; -- a;b\nselect 2;\n") == ["select ';' ;", " -- a;b\nselect 2;\n"])
    }

    @Test func fingerprintIsUpperCaseColonPairs() {
        let fingerprint = TargetSession.fingerprint(der: Array("certificate".utf8))
        #expect(fingerprint.hasPrefix("SHA256:"))
        #expect(fingerprint.dropFirst(7).split(separator: ":").count == 32)
        #expect(fingerprint == fingerprint.uppercased())
    }
}
