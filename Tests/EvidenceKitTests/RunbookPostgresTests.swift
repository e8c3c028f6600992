import Foundation
import Testing
import TestSupport
@testable import EvidenceKit

/// The runbook SQL runs cleanly on a real PostgreSQL 15: a throwaway cluster on a
/// temporary socket, started and removed by the test.
@Suite(.serialized) struct RunbookPostgresTests {
    @Test func readyRunbookRunsOnPostgres15() throws {
        let cluster = try PostgresCluster.start()
        defer { cluster.stop() }
        for name in ["ready.json", "demo-local.json"] {
            let evaluation = try Fixtures.evaluate(Fixtures.json(name), rebind: false)
            let sql = try #require(evaluation.family(.runbook)?.packet?.text)
            // Twice: the outline is idempotent (if not exists / drop policy if exists).
            for _ in 0..<2 {
                let result = try cluster.psql(file: sql)
                #expect(result.status == 0, "\(name): \(result.stderr)")
                #expect(!result.stderr.contains("ERROR"), "\(result.stderr)")
            }
        }
        let rls = try cluster.psql(command: "select string_agg(relname, ',' order by relname) from pg_class where relrowsecurity and relnamespace = 'bfg_flowcontrol'::regnamespace")
        #expect(rls.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "audit_events,scenario_snapshots,users")
        let policies = try cluster.psql(command: "select count(*) from pg_policies where schemaname = 'bfg_flowcontrol'")
        #expect(policies.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "3")
        let tables = try cluster.psql(command: "select count(*) from information_schema.tables where table_schema = 'bfg_flowcontrol'")
        #expect(tables.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "4")
    }
}

/// A PostgreSQL 15 cluster in a temporary folder, reachable only through a Unix socket.
struct PostgresCluster {
    static let bin = "/usr/lib/postgresql/15/bin"
    let folder: URL
    let port = "54329"
    /// Commands run as the `postgres` user when the tests run as root (PostgreSQL refuses root).
    let asUser: [String]

    static func start() throws -> PostgresCluster {
        guard FileManager.default.isExecutableFile(atPath: "\(bin)/initdb") else {
            throw Failure("PostgreSQL 15 is not installed at \(bin); `make test` installs Debian's postgresql package")
        }
        let folder = TestPaths.temporaryFolder("evpack-pg")
        let asUser = getuid() == 0 ? ["runuser", "-u", "postgres", "--"] : []
        if getuid() == 0 {
            try Run.process("chown", ["-R", "postgres", folder.path])
        }
        let cluster = PostgresCluster(folder: folder, asUser: asUser)
        let data = folder.appendingPathComponent("data").path
        let initdb = try cluster.run("\(bin)/initdb", ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync"])
        guard initdb.status == 0 else { throw Failure("initdb failed: \(initdb.stderr)") }
        let options = "-p \(cluster.port) -k \(folder.path) -c listen_addresses='' -c fsync=off"
        let start = try cluster.run("\(bin)/pg_ctl", ["-D", data, "-o", options, "-l", folder.appendingPathComponent("log").path, "-w", "start"])
        guard start.status == 0 else { throw Failure("pg_ctl start failed: \(start.stderr) \(start.stdout)") }
        return cluster
    }

    func run(_ executable: String, _ arguments: [String]) throws -> ProcessResult {
        if asUser.isEmpty { return try Run.process(executable, arguments) }
        return try Run.process(asUser[0], Array(asUser.dropFirst()) + [executable] + arguments)
    }

    func psql(file sql: String) throws -> ProcessResult {
        let path = folder.appendingPathComponent("runbook-\(UUID().uuidString).sql")
        try sql.write(to: path, atomically: true, encoding: .utf8)
        return try run("\(Self.bin)/psql", ["-X", "-q", "-h", folder.path, "-p", port, "-U", "postgres", "-v", "ON_ERROR_STOP=1", "-f", path.path])
    }

    func psql(command: String) throws -> ProcessResult {
        try run("\(Self.bin)/psql", ["-X", "-q", "-t", "-A", "-h", folder.path, "-p", port, "-U", "postgres", "-c", command])
    }

    func stop() {
        _ = try? run("\(Self.bin)/pg_ctl", ["-D", folder.appendingPathComponent("data").path, "-m", "immediate", "stop"])
        try? FileManager.default.removeItem(at: folder)
    }
}

struct Failure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
