import EvidenceKit
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO

/// One session with the target: the TCP channel evpack opened itself (so the TLS handshake's
/// certificate can be read from it) and the PostgreSQL connection on it.
final class TargetSession: Sendable {
    let connection: PostgresConnection
    /// `SHA256:` + the server certificate's DER SHA-256 in colon-separated upper-case hex; nil without TLS.
    let fingerprint: String?
    let logger: Logger

    private init(connection: PostgresConnection, fingerprint: String?, logger: Logger) {
        self.connection = connection
        self.fingerprint = fingerprint
        self.logger = logger
    }

    /// A failure to open the session, with a reason fit for a transcript (never a password).
    struct OpenError: Error, CustomStringConvertible {
        var description: String
        /// The certificate, when the TLS handshake finished before the failure (say, authentication).
        var fingerprint: String?
    }

    /// Connects, encrypts as `target.sslMode` says, authenticates and reads the peer certificate.
    static func open(_ target: RehearsalTarget, password: String, connectTimeout: Int64) async throws(OpenError) -> TargetSession {
        let logger = Logger(label: "evpack.rehearse") { _ in SwiftLogNoOpLogHandler() }
        let tls: PostgresConnection.Configuration.TLS
        do {
            tls = try tlsMode(target)
        } catch {
            throw OpenError(description: "TLS set-up failed: \(describe(error))")
        }
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.seconds(connectTimeout))
                .connect(host: target.host, port: target.port).get()
        } catch {
            throw OpenError(description: "cannot connect to \(target.host):\(target.port): \(describe(error))")
        }
        var configuration = PostgresConnection.Configuration(
            establishedChannel: channel, tls: tls, username: target.user, password: password, database: target.database
        )
        configuration.options.connectTimeout = .seconds(connectTimeout)
        if target.sslMode == .verifyFull, !isIPAddress(target.host) {
            configuration.options.tlsServerName = target.host
        }
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(on: channel.eventLoop, configuration: configuration, id: 1, logger: logger)
        } catch {
            let fingerprint = try? await certificateFingerprint(channel)
            try? await channel.close()
            throw OpenError(description: describe(error), fingerprint: fingerprint ?? nil)
        }
        var fingerprint: String?
        if target.sslMode != .disable {
            do {
                fingerprint = try await certificateFingerprint(channel)
            } catch {
                try? await connection.close()
                throw OpenError(description: "cannot read the server certificate: \(describe(error))")
            }
        }
        return TargetSession(connection: connection, fingerprint: fingerprint, logger: logger)
    }

    static func tlsMode(_ target: RehearsalTarget) throws -> PostgresConnection.Configuration.TLS {
        var configuration = TLSConfiguration.makeClientConfiguration()
        switch target.sslMode {
        case .disable: return .disable
        case .require: configuration.certificateVerification = .none
        case .verifyCA: configuration.certificateVerification = .noHostnameVerification
        case .verifyFull: configuration.certificateVerification = .fullVerification
        }
        if let root = target.sslRootCert {
            configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(root))
        }
        return .require(try NIOSSLContext(configuration: configuration))
    }

    /// The peer certificate of the channel's TLS session, as evidence; nil when there is none.
    static func certificateFingerprint(_ channel: any Channel) async throws -> String? {
        guard let certificate = try await channel.nioSSL_peerCertificate().get() else { return nil }
        return fingerprint(der: try certificate.toDERBytes())
    }

    /// `SHA256:AB:CD:…`: 32 colon-separated upper-case hex pairs of the SHA-256 of `der`.
    static func fingerprint(der: [UInt8]) -> String {
        let hex = Checksum.sha256Hex(der).uppercased()
        var pairs: [String] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            pairs.append(String(hex[index..<next]))
            index = next
        }
        return "SHA256:" + pairs.joined(separator: ":")
    }

    static func isIPAddress(_ host: String) -> Bool {
        host.contains(":") || host.split(separator: ".").count == 4 && host.split(separator: ".").allSatisfy { UInt8($0) != nil }
    }

    // MARK: - queries

    /// Runs one statement and returns its rows.
    @discardableResult
    func rows(_ sql: String, _ binds: [(any PostgresEncodable & Sendable)?] = []) async throws -> [PostgresRow] {
        var bindings = PostgresBindings(capacity: binds.count)
        for bind in binds {
            if let bind { try bindings.append(bind) } else { bindings.appendNull() }
        }
        var rows: [PostgresRow] = []
        for try await row in try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger) {
            rows.append(row)
        }
        return rows
    }

    /// The first column of every row, as text.
    func strings(_ sql: String, _ binds: [(any PostgresEncodable & Sendable)?] = []) async throws -> [String] {
        try await rows(sql, binds).map { try $0.decode(String.self) }
    }

    /// The single integer a `count(*)` query returns.
    func count(_ sql: String, _ binds: [(any PostgresEncodable & Sendable)?] = []) async throws -> Int {
        guard let row = try await rows(sql, binds).first else { return 0 }
        return Int(try row.decode(Int64.self))
    }

    func close() async {
        try? await connection.close()
    }

    // MARK: - messages

    /// A failure as a transcript line: the server's own message and SQLSTATE, or the network
    /// error. Never a row's content (no `detail`) and never a password.
    static func describe(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let info = error.serverInfo, let message = info[.message] {
                var text = "\(info[.severity] ?? "ERROR"): \(message)"
                if let state = info[.sqlState] { text += " (SQLSTATE \(state))" }
                return text
            }
            if let underlying = error.underlying { return describe(underlying) }
            switch error.code {
            case .sslUnsupported: return "the server does not offer TLS (sslmode=disable allows an unencrypted session)"
            case .serverClosedConnection: return "the server closed the connection"
            case .authMechanismRequiresPassword: return "the server asks for a password and none was given"
            default: return "PostgreSQL client error \(error.code)"
            }
        }
        if let error = error as? NIOConnectionError {
            if let dns = error.dnsAError ?? error.dnsAAAAError { return "cannot resolve the host name (\(describe(dns)))" }
            if let first = error.connectionErrors.first { return describe(first.error) }
            return "no address to connect to"
        }
        if let error = error as? ChannelError, case .connectTimeout(let amount) = error {
            return "timed out after \(amount.nanoseconds / 1_000_000_000) s"
        }
        if let error = error as? IOError { return error.description }
        if let error = error as? NIOSSLError { return "TLS: \(error)" }
        if let error = error as? BoringSSLError { return "TLS: \(error)" }
        return String(describing: error)
    }
}
