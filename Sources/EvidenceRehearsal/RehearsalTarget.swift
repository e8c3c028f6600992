import EvidenceKit

/// Where a rehearsal connects: `postgres://USER@HOST[:PORT]/DB[?sslmode=…&sslrootcert=FILE]` (SPEC §9).
///
/// The URL never carries a password: one in the user info is refused without being echoed.
public struct RehearsalTarget: Sendable, Equatable {
    /// How the session is encrypted, as libpq names it.
    public enum SSLMode: String, Sendable, CaseIterable {
        /// No TLS: the fingerprint is recorded as null.
        case disable
        /// TLS, the certificate not verified (its fingerprint is the evidence).
        case require
        /// TLS, the chain verified against `sslrootcert`, the host name not.
        case verifyCA = "verify-ca"
        /// TLS, the chain and the host name verified.
        case verifyFull = "verify-full"
    }

    public var user: String
    public var host: String
    public var port: Int
    public var database: String
    public var sslMode: SSLMode
    /// A PEM file of trusted roots for `verify-ca` / `verify-full`.
    public var sslRootCert: String?
    /// The URL without user info, query or fragment: what evidence and output show.
    public var redacted: String

    public static let defaultPort = 5432
    static let queryKeys = ["sslmode", "sslrootcert"]

    /// Parses a target URL; a usage error (exit 2) names what is wrong, never a password.
    /// `option` names the flag the URL came from (`--ledger` takes the same form, SPEC §11).
    public static func parse(_ url: String, option: String = "--target") throws(InputError) -> RehearsalTarget {
        func fail(_ message: String) -> InputError { .invalidOption(name: option, message: message) }
        let form = "postgres://USER@HOST[:PORT]/DB[?sslmode=require|verify-ca|verify-full|disable&sslrootcert=FILE]"
        guard let schemeEnd = url.range(of: "://") else { throw fail("expected \(form)") }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "postgres" || scheme == "postgresql" else {
            throw fail("the scheme must be postgres:// (or postgresql://); expected \(form)")
        }
        var rest = url[schemeEnd.upperBound...]
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        var query: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        let authority: Substring
        var path: Substring = ""
        if let slash = rest.firstIndex(of: "/") {
            authority = rest[..<slash]
            path = rest[rest.index(after: slash)...]
        } else {
            authority = rest
        }
        guard let at = authority.lastIndex(of: "@") else {
            throw fail("name the database user: \(form)")
        }
        let userInfo = authority[..<at]
        if userInfo.contains(":") {
            throw fail("the URL holds a password (not shown); never put it in a URL: set PGPASSWORD, or credentials_ref env://NAME in the snapshot")
        }
        guard let user = percentDecoded(userInfo), !user.isEmpty else { throw fail("name the database user: \(form)") }
        let hostPort = authority[authority.index(after: at)...]
        var host: Substring
        var portText: Substring?
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else { throw fail("an IPv6 host must be closed by ]") }
            host = hostPort[hostPort.index(after: hostPort.startIndex)..<close]
            let after = hostPort[hostPort.index(after: close)...]
            if after.hasPrefix(":") { portText = after.dropFirst() } else if !after.isEmpty { throw fail("unexpected text after the IPv6 host") }
        } else if let colon = hostPort.lastIndex(of: ":") {
            host = hostPort[..<colon]
            portText = hostPort[hostPort.index(after: colon)...]
        } else {
            host = hostPort
        }
        guard !host.isEmpty else { throw fail("name the host: \(form)") }
        var port = defaultPort
        if let portText {
            guard let value = Int(portText), (1...65_535).contains(value) else {
                throw fail("the port must be a number from 1 to 65535")
            }
            port = value
        }
        guard let database = percentDecoded(path), !database.isEmpty, !database.contains("/") else {
            throw fail("name the database: \(form)")
        }
        var sslMode = SSLMode.require
        var rootCert: String?
        for pair in query.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = String(parts[0])
            let value = parts.count > 1 ? percentDecoded(parts[1]) ?? "" : ""
            switch key {
            case "sslmode":
                guard let mode = SSLMode(rawValue: value) else {
                    throw fail("sslmode must be one of \(SSLMode.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                sslMode = mode
            case "sslrootcert":
                guard !value.isEmpty else { throw fail("sslrootcert names a PEM file") }
                rootCert = value
            default:
                throw fail("unknown parameter \"\(TerminalText.escaped(key))\"; allowed: \(queryKeys.joined(separator: ", ")) (the password comes from PGPASSWORD)")
            }
        }
        if rootCert != nil, sslMode == .disable || sslMode == .require {
            throw fail("sslrootcert needs sslmode=verify-ca or verify-full")
        }
        let shownHost = host.contains(":") ? "[\(host)]" : String(host)
        return RehearsalTarget(
            user: user, host: String(host), port: port, database: database, sslMode: sslMode, sslRootCert: rootCert,
            redacted: "postgres://\(shownHost):\(port)/\(database)"
        )
    }

    /// `%XX` escapes decoded; nil when an escape is malformed or the result is not UTF-8.
    static func percentDecoded(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8)[...]
        while let byte = iterator.popFirst() {
            guard byte == UInt8(ascii: "%") else { bytes.append(byte); continue }
            guard iterator.count >= 2, let value = UInt8(String(decoding: iterator.prefix(2), as: UTF8.self), radix: 16) else { return nil }
            bytes.append(value)
            iterator = iterator.dropFirst(2)
        }
        return String(validating: bytes, as: UTF8.self)
    }
}
