/// Removing secrets from strings before they reach an output: the by-value half of the
/// sanitizer (SPEC §4 "Sanitizing"; `Sanitizer` is the by-key half and walks documents).
///
/// A string loses the user info, query and fragment of every URL in it; the value of a
/// `password=…`-style pair (libpq, ADO.NET, JDBC; any key the sanitizer treats as secret), a
/// JSON Web Token, a PEM private key block, a `Bearer …`/`Basic …` credential, an AWS access
/// key id and a GitHub token become `[REDACTED]`. `mayHoldSecret` is the cheap test run on
/// every string first: when it says no, nothing here would change the string.
public enum Redaction {
    /// The replacement for a redacted value.
    public static let marker = "[REDACTED]"
    static let markerBytes = Array(marker.utf8)

    /// A kind of secret a string can hold, as messages name it.
    public enum Secret: String, Sendable, CaseIterable {
        case urlUserInfo = "a URL with user info"
        case urlQuery = "a URL query or fragment"
        case keyValue = "a secret key=value pair (password=… of a connection string)"
        case jwt = "a JSON Web Token"
        case privateKey = "a PEM private key"
        case authorization = "a Bearer/Basic credential"
        case awsKey = "an AWS access key id"
        case githubToken = "a GitHub token"
    }

    /// One part of a string to replace.
    struct Finding {
        var range: Range<Int>
        var kind: Secret
        /// Empty: the part is dropped (URL user info, query, fragment); else `[REDACTED]`.
        var drop: Bool
    }

    // MARK: - entry points

    /// The string with every secret in it removed or replaced; the string itself when it holds none.
    ///
    /// Idempotent (replay relies on it): removing one secret can join pieces into another
    /// (`pass://x@word=…`), so the pass repeats until nothing changes.
    public static func sanitize(_ text: String) -> String {
        var current = text
        for _ in 0..<8 {
            let next = current.withUTF8 { bytes -> [UInt8]? in
                guard mayHoldSecret(bytes) else { return nil }
                let found = findings(bytes)
                guard !found.isEmpty else { return nil }
                return apply(found, to: bytes)
            }
            guard let next else { return current }
            current = String(decoding: next, as: UTF8.self)
        }
        return current
    }

    /// The kinds of secret a string holds, in the order they appear; empty for most strings.
    public static func secrets(in text: String) -> [Secret] {
        var text = text
        return text.withUTF8 { bytes in
            guard mayHoldSecret(bytes) else { return [] }
            return findings(bytes).map(\.kind)
        }
    }

    /// The kinds of secret in UTF-8 bytes (a record field), empty for most.
    static func secrets(in bytes: UnsafeBufferPointer<UInt8>) -> [Secret] {
        guard mayHoldSecret(bytes) else { return [] }
        return findings(bytes).map(\.kind)
    }

    /// A connection endpoint as it may be stored and shown: sanitized, and, when it is one URL
    /// (perhaps without a scheme, `user:pass@host`), without user info, query or fragment.
    public static func endpoint(_ text: String) -> String {
        url(sanitize(text))
    }

    /// A URL without user info, password, query or fragment.
    ///
    /// Conservative on purpose: everything up to the last `@` after the scheme is dropped
    /// (a password may hold `/`, `?` or `#`), then everything from the first `?` or `#`.
    public static func url(_ text: String) -> String {
        var text = text
        return text.withUTF8 { bytes -> String in
            var start = 0
            var schemeEnd = 0
            // "://" marks the end of the scheme.
            if bytes.count >= 3 {
                for i in 0..<(bytes.count - 2) where bytes[i] == UInt8(ascii: ":") && bytes[i + 1] == UInt8(ascii: "/") && bytes[i + 2] == UInt8(ascii: "/") {
                    schemeEnd = i + 3
                    break
                }
            }
            start = schemeEnd
            var i = bytes.count - 1
            while i >= schemeEnd {
                if bytes[i] == UInt8(ascii: "@") { start = i + 1; break }
                i -= 1
            }
            var end = start
            while end < bytes.count, bytes[end] != UInt8(ascii: "?"), bytes[end] != UInt8(ascii: "#") { end += 1 }
            if start == schemeEnd, end == bytes.count { return String(decoding: bytes, as: UTF8.self) }
            var out = Array(bytes[0..<schemeEnd])
            out.append(contentsOf: bytes[start..<end])
            return String(decoding: out, as: UTF8.self)
        }
    }

    /// Whether a URL (its UTF-8 bytes) would lose anything under `url`.
    public static func urlNeedsRedaction<Bytes: Sequence>(_ bytes: Bytes) -> Bool where Bytes.Element == UInt8 {
        bytes.contains { $0 == UInt8(ascii: "@") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }
    }

    // MARK: - the cheap test

    /// Whether the bytes may hold a secret: false means `findings` finds nothing. One pass
    /// that looks closer only at `:`, `=`, `-`, `J`, `K`, `S`, `_`, space and tab; every
    /// other byte costs a few comparisons (those nine are all at or below `_`, so lower-case
    /// letters, digits and most capitals, the bulk of an ordinary string, pass at once). A URL counts
    /// only when it has an `@`, `?` or `#` before its end (`findings` changes nothing in
    /// `https://host/path`); the rest of its text is still looked at.
    public static func mayHoldSecret(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = b.count
        guard n >= 5, let p = b.baseAddress else { return false }
        var i = 0
        while i < n {
            let c = p[i]
            // Byte values as literals: the pass runs on every string of every record, and a
            // debug build would call `UInt8(ascii:)` for each comparison.
            if c > 0x5F || (c >= 0x2E && c <= 0x39) || (c >= 0x41 && c <= 0x5A && c != 0x4A && c != 0x4B && c != 0x53) {
                // Lower-case letters, `{|}~`, `./`, digits, upper-case letters but J, K, S.
                i += 1
                continue
            }
            switch c {
            case 0x3A:  // ":" — a URL "://" with user info, query or fragment
                if i + 2 < n, p[i + 1] == 0x2F, p[i + 2] == 0x2F, urlHasSecretPart(b, authority: i + 3) { return true }
            case 0x3D:  // "="
                if secretKey(before: i, in: b) != nil { return true }
            case 0x2D:  // "-"
                if i + 10 <= n, p[i + 1] == 0x2D, matches(b, i, "-----BEGIN", ignoringCase: false) { return true }
            case 0x4A:  // "J"
                if i >= 2, p[i - 2] == 0x65, p[i - 1] == 0x79 { return true }  // "eyJ"
            case 0x4B, 0x53:  // "K", "S"
                if i >= 1, i + 2 < n, p[i - 1] == 0x41, p[i + 1] == 0x49, p[i + 2] == 0x41 { return true }  // "AKIA", "ASIA"
            case 0x5F:  // "_"
                if i >= 3, p[i - 3] == 0x67, p[i - 2] == 0x68, isGitHubType(p[i - 1]) { return true }  // "gh?_"
                if i >= 6, p[i - 6] == 0x67, matches(b, i - 6, "github", ignoringCase: false) { return true }
            case 0x20, 0x09:  // space, tab
                if i >= 6, matches(b, i - 6, "bearer", ignoringCase: true) { return true }
                if i >= 5, matches(b, i - 5, "basic", ignoringCase: true) { return true }
            default:
                break
            }
            i += 1
        }
        return false
    }

    /// Whether the URL whose authority starts at `authority` has an `@`, `?` or `#` before it
    /// ends (`isURLEnd`): the only URLs `findings` shortens.
    static func urlHasSecretPart(_ b: UnsafeBufferPointer<UInt8>, authority: Int) -> Bool {
        var j = authority
        while j < b.count {
            let c = b[j]
            if isURLEnd(c) { return false }
            if c == 0x40 || c == 0x3F || c == 0x23 { return true }  // "@", "?", "#"
            j += 1
        }
        return false
    }

    // MARK: - finding secrets

    /// Every secret in the bytes, sorted, none overlapping another.
    static func findings(_ b: UnsafeBufferPointer<UInt8>) -> [Finding] {
        var found: [Finding] = []
        func add(_ range: Range<Int>, _ kind: Secret, drop: Bool = false) {
            guard !range.isEmpty, !found.contains(where: { $0.range.overlaps(range) }) else { return }
            found.append(Finding(range: range, kind: kind, drop: drop))
        }
        func claimed(_ i: Int) -> Bool { found.contains { $0.range.contains(i) } }
        let n = b.count

        // PEM private key blocks, BEGIN to END (or to the end of the string).
        var i = 0
        while let begin = find(b, "-----BEGIN ", from: i) {
            guard let labelEnd = find(b, "-----", from: begin + 11) else { break }
            if contains(b, begin + 11..<labelEnd, "PRIVATE KEY") {
                var end = n
                if let close = find(b, "-----END ", from: labelEnd + 5), let closeEnd = find(b, "-----", from: close + 9) {
                    end = closeEnd + 5
                }
                add(begin..<end, .privateKey)
                i = end
            } else {
                i = labelEnd + 5
            }
        }

        // URLs: user info, then query and fragment.
        i = 0
        while let colon = find(b, "://", from: i) {
            i = colon + 3
            guard !claimed(colon) else { continue }
            var schemeStart = colon
            while schemeStart > 0, isSchemeCharacter(b[schemeStart - 1]) { schemeStart -= 1 }
            while schemeStart < colon, !isLetter(b[schemeStart]) { schemeStart += 1 }
            guard schemeStart < colon else { continue }
            let authority = colon + 3
            var end = authority
            while end < n, !isURLEnd(b[end]) { end += 1 }
            var hostStart = authority
            if let at = lastIndex(of: UInt8(ascii: "@"), in: b, authority..<end), isUserInfo(b, authority..<at) {
                add(authority..<(at + 1), .urlUserInfo, drop: true)
                hostStart = at + 1
            }
            var query = hostStart
            while query < end, b[query] != UInt8(ascii: "?"), b[query] != UInt8(ascii: "#") { query += 1 }
            if query < end { add(query..<end, .urlQuery, drop: true) }
            i = max(i, end)
        }

        // key=value pairs whose key names a secret (libpq, ADO.NET, JDBC connection strings).
        i = 0
        while i < n {
            defer { i += 1 }
            guard b[i] == UInt8(ascii: "="), !claimed(i), secretKey(before: i, in: b) != nil else { continue }
            var start = i + 1
            while start < n, b[start] == UInt8(ascii: " ") || b[start] == UInt8(ascii: "\t") { start += 1 }
            let end = valueEnd(b, from: start)
            guard end > start, !b[start..<end].elementsEqual(markerBytes) else { continue }
            add(start..<end, .keyValue)
            i = end - 1
        }

        // Token shapes: JWT, AWS key id, GitHub token, Bearer/Basic credentials.
        i = 0
        while i < n {
            guard !claimed(i) else { i += 1; continue }
            var end: Int?
            var kind = Secret.jwt
            switch b[i] {
            case UInt8(ascii: "e"):
                end = jwtEnd(b, from: i)
            case UInt8(ascii: "A"):
                if i + 20 <= n, b[i + 2] == UInt8(ascii: "I"), b[i + 3] == UInt8(ascii: "A"),
                   b[i + 1] == UInt8(ascii: "K") || b[i + 1] == UInt8(ascii: "S"),
                   (i + 4..<i + 20).allSatisfy({ isUpperOrDigit(b[$0]) }) {
                    end = i + 20
                    kind = .awsKey
                }
            case UInt8(ascii: "g"):
                end = gitHubTokenEnd(b, from: i)
                kind = .githubToken
            case UInt8(ascii: "b"), UInt8(ascii: "B"):
                if i == 0 || !isLetter(b[i - 1]) {
                    end = authorizationEnd(b, from: i)
                    kind = .authorization
                }
            default:
                break
            }
            if let end {
                add(i..<end, kind)
                i = end
            } else {
                i += 1
            }
        }
        found.sort { $0.range.lowerBound < $1.range.lowerBound }
        return found
    }

    /// The bytes with every finding dropped or replaced by the marker.
    static func apply(_ found: [Finding], to b: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(b.count)
        var at = 0
        for finding in found {
            out.append(contentsOf: b[at..<finding.range.lowerBound])
            if !finding.drop { out.append(contentsOf: markerBytes) }
            at = finding.range.upperBound
        }
        out.append(contentsOf: b[at..<b.count])
        return out
    }

    // MARK: - pieces

    /// The key in front of the `=` at `equals` (spaces allowed between) when it names a secret.
    static func secretKey(before equals: Int, in b: UnsafeBufferPointer<UInt8>) -> Range<Int>? {
        var end = equals
        while end > 0, b[end - 1] == UInt8(ascii: " ") || b[end - 1] == UInt8(ascii: "\t") { end -= 1 }
        var start = end
        while start > 0, end - start < 64, isKeyCharacter(b[start - 1]) { start -= 1 }
        guard end - start >= 3 else { return nil }
        return Sanitizer.isSecretKey(UnsafeBufferPointer(rebasing: b[start..<end])) ? start..<end : nil
    }

    /// Where the value of a key=value pair starting at `start` ends: a quoted value at its
    /// closing quote; otherwise at `;`, `&`, a line break, or white space that is followed by
    /// the next `key=` (libpq); else at the end of the string.
    static func valueEnd(_ b: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        let n = b.count
        guard start < n else { return start }
        let quote = b[start]
        if quote == UInt8(ascii: "'") || quote == UInt8(ascii: "\"") {
            var j = start + 1
            while j < n {
                if b[j] == UInt8(ascii: "\\"), quote == UInt8(ascii: "'") { j += 2; continue }
                if b[j] == quote {
                    if j + 1 < n, b[j + 1] == quote { j += 2; continue }
                    return j + 1
                }
                j += 1
            }
            return n
        }
        var j = start
        while j < n {
            switch b[j] {
            case UInt8(ascii: ";"), UInt8(ascii: "&"), UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                return j
            case UInt8(ascii: " "), UInt8(ascii: "\t"):
                var k = j
                while k < n, b[k] == UInt8(ascii: " ") || b[k] == UInt8(ascii: "\t") { k += 1 }
                let keyStart = k
                while k < n, isKeyCharacter(b[k]) { k += 1 }
                while k < n, b[k] == UInt8(ascii: " ") || b[k] == UInt8(ascii: "\t") { k += 1 }
                if k > keyStart, k < n, b[k] == UInt8(ascii: "=") { return j }
                j += 1
            default:
                j += 1
            }
        }
        return n
    }

    /// A JSON Web Token at `start`: three base64url parts joined by dots, the first starting
    /// `eyJ` (at least 10 characters), the second at least 2, the third possibly empty.
    static func jwtEnd(_ b: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        let n = b.count
        guard start + 3 <= n, b[start + 1] == UInt8(ascii: "y"), b[start + 2] == UInt8(ascii: "J") else { return nil }
        var j = start
        while j < n, isBase64URL(b[j]) { j += 1 }
        guard j - start >= 10, j < n, b[j] == UInt8(ascii: ".") else { return nil }
        let second = j + 1
        j = second
        while j < n, isBase64URL(b[j]) { j += 1 }
        guard j - second >= 2, j < n, b[j] == UInt8(ascii: ".") else { return nil }
        j += 1
        while j < n, isBase64URL(b[j]) { j += 1 }
        return j
    }

    /// `gh[pousr]_` + 36 or more letters and digits, or `github_pat_` + 22 or more.
    static func gitHubTokenEnd(_ b: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        let n = b.count
        var j: Int
        let minimum: Int
        if start + 4 <= n, b[start + 1] == UInt8(ascii: "h"), isGitHubType(b[start + 2]), b[start + 3] == UInt8(ascii: "_") {
            j = start + 4
            minimum = 36
        } else if start + 11 <= n, matches(b, start, "github_pat_", ignoringCase: false) {
            j = start + 11
            minimum = 22
        } else {
            return nil
        }
        let body = j
        while j < n, isAlphanumeric(b[j]) || (minimum == 22 && b[j] == UInt8(ascii: "_")) { j += 1 }
        return j - body >= minimum ? j : nil
    }

    /// `Bearer TOKEN` (a token68 of at least 8 characters, not only lower-case letters unless
    /// it has 20 or more) or `Basic BASE64` (decoding to `user:password`), any case.
    static func authorizationEnd(_ b: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        let n = b.count
        let isBearer = start + 6 < n && matches(b, start, "bearer", ignoringCase: true)
        let isBasic = !isBearer && start + 5 < n && matches(b, start, "basic", ignoringCase: true)
        guard isBearer || isBasic else { return nil }
        var j = start + (isBearer ? 6 : 5)
        guard b[j] == UInt8(ascii: " ") || b[j] == UInt8(ascii: "\t") else { return nil }
        while j < n, b[j] == UInt8(ascii: " ") || b[j] == UInt8(ascii: "\t") { j += 1 }
        let token = j
        if isBearer {
            var onlyLower = true
            while j < n, isToken68(b[j]) {
                if b[j] < UInt8(ascii: "a") || b[j] > UInt8(ascii: "z") { onlyLower = false }
                j += 1
            }
            while j < n, b[j] == UInt8(ascii: "=") { j += 1; onlyLower = false }
            let length = j - token
            return length >= 8 && (!onlyLower || length >= 20) ? j : nil
        }
        while j < n, isAlphanumeric(b[j]) || b[j] == UInt8(ascii: "+") || b[j] == UInt8(ascii: "/") { j += 1 }
        while j < n, b[j] == UInt8(ascii: "=") { j += 1 }
        guard j - token >= 4, base64DecodesToCredentials(b, token..<j) else { return nil }
        return j
    }

    /// Whether standard base64 decodes to text holding a `:` (Basic's `user:password`).
    static func base64DecodesToCredentials(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        var bits: UInt32 = 0
        var count = 0
        for j in range {
            let c = b[j]
            let value: UInt32
            switch c {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = UInt32(c - 65)
            case UInt8(ascii: "a")...UInt8(ascii: "z"): value = UInt32(c - 71)
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = UInt32(c) + 4
            case UInt8(ascii: "+"): value = 62
            case UInt8(ascii: "/"): value = 63
            default: return false
            }
            bits = (bits << 6) | value
            count += 6
            if count >= 8 {
                count -= 8
                if (bits >> UInt32(count)) & 0xFF == UInt32(UInt8(ascii: ":")) { return true }
            }
        }
        return false
    }

    /// Whether the text before a URL's `@` is user info rather than a path or query holding
    /// an `@`: it has no `/`, `?` or `#`, or it has a `:` not followed by a port number.
    static func isUserInfo(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        guard let slash = range.first(where: { b[$0] == UInt8(ascii: "/") || b[$0] == UInt8(ascii: "?") || b[$0] == UInt8(ascii: "#") }) else {
            return true
        }
        guard let colon = range.first(where: { b[$0] == UInt8(ascii: ":") }), colon < slash else { return false }
        let port = (colon + 1)..<slash
        return port.isEmpty || !port.allSatisfy { b[$0] >= UInt8(ascii: "0") && b[$0] <= UInt8(ascii: "9") }
    }

    static func find(_ b: UnsafeBufferPointer<UInt8>, _ needle: StaticString, from start: Int) -> Int? {
        let length = needle.utf8CodeUnitCount
        guard start >= 0, b.count >= length, start <= b.count - length else { return nil }
        let first = needle.utf8Start[0]
        var i = start
        while i <= b.count - length {
            if b[i] == first, matches(b, i, needle, ignoringCase: false) { return i }
            i += 1
        }
        return nil
    }

    static func contains(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ needle: StaticString) -> Bool {
        guard let at = find(b, needle, from: range.lowerBound) else { return false }
        return at + needle.utf8CodeUnitCount <= range.upperBound
    }

    static func lastIndex(of byte: UInt8, in b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int? {
        var j = range.upperBound
        while j > range.lowerBound {
            j -= 1
            if b[j] == byte { return j }
        }
        return nil
    }

    /// Whether `needle` (ASCII; lower case when ignoring case) starts at `start`.
    @inline(__always) static func matches(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ needle: StaticString, ignoringCase: Bool) -> Bool {
        let length = needle.utf8CodeUnitCount
        guard start >= 0, start + length <= b.count else { return false }
        let pattern = needle.utf8Start
        for j in 0..<length {
            var c = b[start + j]
            if ignoringCase, c >= 65, c <= 90 { c += 32 }
            if c != pattern[j] { return false }
        }
        return true
    }

    @inline(__always) static func isLetter(_ c: UInt8) -> Bool { (c | 0x20) >= 97 && (c | 0x20) <= 122 }
    @inline(__always) static func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
    @inline(__always) static func isAlphanumeric(_ c: UInt8) -> Bool { isLetter(c) || isDigit(c) }
    @inline(__always) static func isUpperOrDigit(_ c: UInt8) -> Bool { (c >= 65 && c <= 90) || isDigit(c) }
    @inline(__always) static func isBase64URL(_ c: UInt8) -> Bool { isAlphanumeric(c) || c == UInt8(ascii: "-") || c == UInt8(ascii: "_") }
    @inline(__always) static func isGitHubType(_ c: UInt8) -> Bool {
        c == UInt8(ascii: "p") || c == UInt8(ascii: "o") || c == UInt8(ascii: "u") || c == UInt8(ascii: "s") || c == UInt8(ascii: "r")
    }
    @inline(__always) static func isSchemeCharacter(_ c: UInt8) -> Bool {
        isAlphanumeric(c) || c == UInt8(ascii: "+") || c == UInt8(ascii: ".") || c == UInt8(ascii: "-")
    }
    @inline(__always) static func isKeyCharacter(_ c: UInt8) -> Bool {
        isAlphanumeric(c) || c == UInt8(ascii: "_") || c == UInt8(ascii: "-") || c == UInt8(ascii: ".")
    }
    @inline(__always) static func isToken68(_ c: UInt8) -> Bool {
        isAlphanumeric(c) || c == UInt8(ascii: "-") || c == UInt8(ascii: ".") || c == UInt8(ascii: "_") || c == UInt8(ascii: "~")
            || c == UInt8(ascii: "+") || c == UInt8(ascii: "/")
    }
    /// Where a URL inside text ends: white space, a quote or an angle bracket.
    @inline(__always) static func isURLEnd(_ c: UInt8) -> Bool {
        c <= 0x20 || c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") || c == UInt8(ascii: "<") || c == UInt8(ascii: ">")
            || c == UInt8(ascii: "`") || c == 0x7F
    }
}
