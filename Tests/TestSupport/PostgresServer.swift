import Foundation

/// A throwaway PostgreSQL 15 cluster for tests: `initdb` in a temporary folder, a Unix socket
/// for the test's own `psql` (as the `postgres` superuser, trusted), and a free loopback TCP
/// port with TLS (a self-signed certificate made by `openssl`) and password authentication
/// for a non-superuser application role that owns the target database.
public final class PostgresServer: @unchecked Sendable {
    public static let bin = "/usr/lib/postgresql/15/bin"

    public let folder: URL
    public let port: Int
    /// The server certificate (PEM), for `sslrootcert` and fingerprint comparisons.
    public let certificatePath: String
    /// The application role: LOGIN, no SUPERUSER, no BYPASSRLS; owns `database`.
    public let appUser = "evpack_app"
    public let appPassword: String
    /// The `postgres` superuser's password over TCP.
    public let superPassword: String
    public let database = "evpack_target"
    /// Commands run as the `postgres` user when the tests run as root (PostgreSQL refuses root).
    let asUser: [String]

    private init(folder: URL, port: Int, asUser: [String]) {
        self.folder = folder
        self.port = port
        self.asUser = asUser
        certificatePath = folder.appendingPathComponent("server.crt").path
        appPassword = "app-pw-" + UUID().uuidString.lowercased()
        superPassword = "super-pw-" + UUID().uuidString.lowercased()
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(_ description: String) { self.description = description }
    }

    /// Starts a cluster; `tcp: false` gives a socket-only cluster (no certificate, no roles).
    public static func start(tcp: Bool = true) throws -> PostgresServer {
        guard FileManager.default.isExecutableFile(atPath: "\(bin)/initdb") else {
            throw Failure("PostgreSQL 15 is not installed at \(bin); `make test` installs Debian's postgresql package")
        }
        let folder = TestPaths.temporaryFolder("evpack-pg")
        let asUser = getuid() == 0 ? ["runuser", "-u", "postgres", "--"] : []
        let server = PostgresServer(folder: folder, port: try freePort(), asUser: asUser)
        let data = folder.appendingPathComponent("data").path
        if tcp {
            let key = folder.appendingPathComponent("server.key").path
            let made = try Run.process("openssl", [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", server.certificatePath,
                "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
            ])
            guard made.status == 0 else { throw Failure("openssl could not make a certificate: \(made.stderr)") }
            chmod(key, 0o600)
        }
        if getuid() == 0 { try Run.process("chown", ["-R", "postgres", folder.path]) }
        let initdb = try server.run("\(bin)/initdb", ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync"])
        guard initdb.status == 0 else { throw Failure("initdb failed: \(initdb.stderr)") }
        var options = "-p \(server.port) -k \(folder.path) -c fsync=off"
        if tcp {
            let hba = "local all all trust\nhost all all 127.0.0.1/32 scram-sha-256\n"
            try server.run("/bin/sh", ["-c", "printf '%s' \"$0\" > \"$1\"", hba, "\(data)/pg_hba.conf"])
            options += " -c listen_addresses=127.0.0.1 -c ssl=on -c ssl_cert_file=\(server.certificatePath)"
            options += " -c ssl_key_file=\(folder.appendingPathComponent("server.key").path)"
        } else {
            options += " -c listen_addresses=''"
        }
        let start = try server.run("\(bin)/pg_ctl", ["-D", data, "-o", options, "-l", folder.appendingPathComponent("log").path, "-w", "start"])
        guard start.status == 0 else {
            let log = (try? String(contentsOf: folder.appendingPathComponent("log"), encoding: .utf8)) ?? ""
            throw Failure("pg_ctl start failed: \(start.stderr) \(start.stdout) \(log)")
        }
        if tcp {
            for statement in [
                "create role \(server.appUser) login password '\(server.appPassword)'",
                "create database \(server.database) owner \(server.appUser)",
                "alter role postgres password '\(server.superPassword)'",
            ] {
                let made = try server.psql(command: statement)
                guard made.status == 0 else { server.stop(); throw Failure("\(statement) failed: \(made.stderr)") }
            }
        }
        return server
    }

    /// A loopback port nothing listens on right now.
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure("socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sockaddrPointer -> Int32 in
                guard bind(fd, sockaddrPointer, length) == 0 else { return -1 }
                return getsockname(fd, sockaddrPointer, &length)
            }
        }
        guard bound == 0 else { throw Failure("bind: \(String(cString: strerror(errno)))") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// The URL of the target database for `user` (no password: that goes in PGPASSWORD).
    public func url(user: String? = nil, query: String = "") -> String {
        "postgres://\(user ?? appUser)@127.0.0.1:\(port)/\(database)\(query.isEmpty ? "" : "?" + query)"
    }

    @discardableResult
    public func run(_ executable: String, _ arguments: [String]) throws -> ProcessResult {
        if asUser.isEmpty { return try Run.process(executable, arguments) }
        return try Run.process(asUser[0], Array(asUser.dropFirst()) + [executable] + arguments)
    }

    /// Runs an SQL file through `psql` as `postgres` (stops at the first error).
    public func psql(file sql: String, database: String = "postgres") throws -> ProcessResult {
        let path = folder.appendingPathComponent("script-\(UUID().uuidString).sql")
        try sql.write(to: path, atomically: true, encoding: .utf8)
        if getuid() == 0 { try Run.process("chown", ["postgres", path.path]) }
        return try run("\(Self.bin)/psql", ["-X", "-q", "-h", folder.path, "-p", String(port), "-U", "postgres", "-d", database, "-v", "ON_ERROR_STOP=1", "-f", path.path])
    }

    /// Runs SQL through `psql` as `postgres`; unaligned, tuples only.
    public func psql(command: String, database: String = "postgres") throws -> ProcessResult {
        try run("\(Self.bin)/psql", ["-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-h", folder.path, "-p", String(port), "-U", "postgres", "-d", database, "-c", command])
    }

    /// Stops the cluster and removes its folder.
    public func stop() {
        _ = try? run("\(Self.bin)/pg_ctl", ["-D", folder.appendingPathComponent("data").path, "-m", "immediate", "stop"])
        try? FileManager.default.removeItem(at: folder)
    }
}
