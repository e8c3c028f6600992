import HTTPTypes
import Hummingbird

/// The preview server's gate, in front of Hummingbird's `FileMiddleware`: it lets through only
/// GET and HEAD (405 otherwise), only paths `RequestPath` accepts (400 otherwise), only packs
/// that passed verify's safety checks (403 otherwise) and only files their manifests list and
/// match.
///
/// A whole file held in memory, asked for without conditions or ranges (what a browser's first
/// visit and a load test do), is answered here with headers made once per file, the ones
/// `FileMiddleware` would send (a test holds them equal). Everything else goes on to
/// `FileMiddleware` and `PackFileProvider`, and this middleware owns the validators:
/// `FileMiddleware` makes a weak ETag from size and modification time, so `If-None-Match` is
/// answered here with the strong ETag from the pack's SHA-256 manifest, `If-Range` is applied
/// against it, ranges are turned into the one form `FileMiddleware` handles correctly (one
/// satisfiable `bytes=a-b`; a suffix range made explicit, others ignored, an unsatisfiable one
/// 416), and the ETag and the security headers are set on the way out.
struct PreviewMiddleware<Context: RequestContext>: RouterMiddleware {
    let library: PackLibrary

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await gate(request, context: context, next: next)
        // Responses made from a pack file's prepared headers carry these already.
        if response.headers[.contentSecurityPolicy] == nil { PreviewHeaders.apply(to: &response.headers) }
        return response
    }

    private func gate(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .get || request.method == .head else {
            var response = ErrorPage.response(.methodNotAllowed, "Only GET and HEAD are served: the preview is read-only.", head: false)
            response.headers[.allow] = "GET, HEAD"
            return response
        }
        let head = request.method == .head
        let target: RequestPath
        do {
            // The raw request target first: a NUL or a backslash anywhere (even where URI parsing
            // would stop reading) is refused, not cut off.
            try RequestPath.checkTarget(request.head.path ?? "")
            target = try RequestPath.parse(request.uri.path[...])
        } catch {
            return ErrorPage.response(.badRequest, "Refused: \(error.description).", head: head)
        }
        switch target {
        case .root:
            return try await pass(request, context: context, next: next, head: head)
        case .pack(key: "history"):
            return await historyPage(head: head)
        case .file(key: "diff", let path, _):
            return await diffPage(path, head: head)
        case .pack(let key):
            guard let pack = await library.pack(key) else { return notFound(head) }
            guard pack.isServed else { return unsafe(pack, head: head) }
            return Response.redirect(to: "/\(RequestPath.encode(key))/data/index.html", type: .found)
        case .file(let key, let path, let trailingSlash):
            // The index already made, when the pack is the same on disk: no reading, no suspension.
            return try await file(
                request, cached: library.unchanged(key), key: key, path: path, trailingSlash: trailingSlash, context: context, next: next,
                head: head)
        }
    }

    /// The common case, without suspending: a whole file held in memory, asked for without
    /// conditions or ranges (a browser's first visit, a load test), answered with the headers
    /// made once for it — the ones `FileMiddleware` would send (a test holds them equal).
    private static func fromMemory(_ entry: PackEntry, _ headers: HTTPFields, head: Bool) -> Response? {
        guard let bytes = entry.bytes, headers[.ifNoneMatch] == nil, headers[.range] == nil, headers[.ifModifiedSince] == nil else { return nil }
        return Response(status: .ok, headers: entry.headers, body: head ? ResponseBody() : ResponseBody(byteBuffer: bytes))
    }

    /// A file of a pack: `cached` (the index of an unchanged pack) or the pack read when it is
    /// new or changed, folders redirected to their index.html, refusals, the common case from
    /// memory, and everything else through `serve`.
    ///
    /// With `cached` given, the common case does not suspend: `file` is a nonisolated async
    /// function called from one, so entering it runs on without a hop, and nothing is awaited
    /// before `fromMemory`.
    private func file(
        _ request: Request, cached: PackIndex?, key: String, path: String, trailingSlash: Bool, context: Context,
        next: (Request, Context) async throws -> Response, head: Bool
    ) async throws -> Response {
        let found: PackIndex?
        if let cached { found = cached } else { found = await library.pack(key) }
        guard let pack = found else { return notFound(head) }
        guard pack.isServed else { return unsafe(pack, head: head) }
        if pack.directories.contains(path) {
            let index = path + "/index.html"
            guard pack.entry(index) != nil else { return notFound(head) }
            let location = "/" + ([key] + index.split(separator: "/").map(String.init)).map(RequestPath.encode).joined(separator: "/")
            return Response.redirect(to: location, type: .found)
        }
        guard let entry = pack.entry(path), !trailingSlash else { return notFound(head) }
        if let refusal = entry.refusal {
            return ErrorPage.response(.forbidden, "\(path) of \(pack.name) is not served: \(refusal).", head: head)
        }
        if let response = Self.fromMemory(entry, request.headers, head: head) { return response }
        return try await serve(request, entry: entry, path: path, pack: pack, context: context, next: next, head: head)
    }

    /// Conditions and ranges against the manifest's ETag, then `FileMiddleware` with the file
    /// pinned: `PackFileProvider` serves `entry` of `pack`, found here.
    private func serve(
        _ request: Request, entry: PackEntry, path: String, pack: PackIndex, context: Context,
        next: (Request, Context) async throws -> Response, head: Bool
    ) async throws -> Response {
        let headers = request.headers
        var fields = headers
        if headers[.ifNoneMatch] != nil {
            if Validators.matches(headers[values: .ifNoneMatch], etag: entry.etag) {
                var response = Response(status: .notModified)
                response.headers[.eTag] = entry.etag
                return response
            }
            // If-None-Match decides: If-Modified-Since is not evaluated (RFC 9110 §13.1.3).
            fields[.ifNoneMatch] = nil
            fields[.ifModifiedSince] = nil
        }
        if let range = headers[.range] {
            let applies = headers[.ifRange].map { Validators.strongMatch($0, etag: entry.etag) } ?? true
            fields[.ifRange] = nil
            switch Validators.range(range, size: entry.size) {
            case .satisfiable(let bounds) where applies:
                fields[.range] = "bytes=\(bounds.lowerBound)-\(bounds.upperBound)"
            case .unsatisfiable where applies:
                var response = Response(status: .rangeNotSatisfiable)
                response.headers[.contentRange] = "bytes */\(entry.size)"
                response.headers[.eTag] = entry.etag
                return response
            default:
                fields[.range] = nil
            }
        }
        var forwarded = request
        if fields != headers {
            var requestHead = request.head
            requestHead.headerFields = fields
            forwarded = Request(head: requestHead, body: request.body)
        }
        let file = PackFileProvider.FileIdentifier(pack: pack, path: path, entry: entry)
        var response = try await PackRequest.$file.withValue(file) {
            try await pass(forwarded, context: context, next: next, head: head)
        }
        if response.status == .ok || response.status == .partialContent || response.status == .notModified {
            response.headers[.eTag] = entry.etag
        }
        if response.headers[.contentType] == nil { response.headers[.contentType] = "application/octet-stream" }
        return response
    }

    /// The next responder, its errors made into pages.
    private func pass(_ request: Request, context: Context, next: (Request, Context) async throws -> Response, head: Bool) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as any HTTPResponseError {
            let message = (error as? HTTPError)?.body ?? "The request could not be served."
            return ErrorPage.response(error.status, message, head: head)
        }
    }

    private func notFound(_ head: Bool) -> Response {
        ErrorPage.response(.notFound, "No such pack or file. The list of packs is at /.", head: head)
    }

    private func unsafe(_ pack: PackIndex, head: Bool) -> Response {
        let reasons = pack.problems.prefix(5).joined(separator: "; ")
        let more = pack.problemCount > 5 ? " (and \(pack.problemCount - 5) more)" : ""
        return ErrorPage.response(
            .forbidden, "\(pack.key) is not served: it fails the safety checks of evpack verify: \(reasons)\(more).", head: head)
    }
}

/// The headers every response of the preview server carries.
public enum PreviewHeaders {
    /// The Content-Security-Policy the pack's pages declare in their `<meta>` tag
    /// (templates/html/head.mustache), sent as a header too; the listing uses it as well.
    public static let contentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"

    static func apply(to headers: inout HTTPFields) {
        headers[.contentSecurityPolicy] = contentSecurityPolicy
        headers[.xContentTypeOptions] = "nosniff"
        headers[.referrerPolicyHeader] = "no-referrer"
        // Packs change on disk: a browser asks again each time, and the ETag makes that cheap.
        headers[.cacheControl] = "no-cache"
    }
}

/// ETag comparison and the Range forms the server honours.
enum Validators {
    /// Whether an `If-None-Match` list names `etag` (weak comparison) or is `*`.
    static func matches(_ values: [String], etag: String) -> Bool {
        for value in values {
            for item in value.split(separator: ",") {
                var tag = item.trimmingSpaces()
                if tag == "*" { return true }
                if tag.hasPrefix("W/") { tag = String(tag.dropFirst(2)) }
                if tag == etag { return true }
            }
        }
        return false
    }

    /// Whether an `If-Range` value is exactly the strong `etag` (a date never matches: ETags decide here).
    static func strongMatch(_ value: String, etag: String) -> Bool {
        value.trimmingSpaces() == etag
    }

    enum RangeOutcome: Equatable {
        case satisfiable(ClosedRange<Int>)
        case unsatisfiable
        /// Not one byte range this server honours (several ranges, another unit, malformed):
        /// the whole file is sent, as RFC 9110 §14.2 allows.
        case ignored
    }

    /// One `bytes=` range of a file of `size` bytes.
    static func range(_ header: String, size: Int) -> RangeOutcome {
        let value = header.trimmingSpaces()
        guard value.lowercased().hasPrefix("bytes="), !value.contains(",") else { return .ignored }
        let spec = value.dropFirst("bytes=".count)
        guard let dash = spec.firstIndex(of: "-") else { return .ignored }
        let first = spec[..<dash].trimmingSpaces(), last = spec[spec.index(after: dash)...].trimmingSpaces()
        let digits: (String) -> Bool = { !$0.isEmpty && $0.utf8.count <= 18 && $0.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }
        if first.isEmpty {
            // The last N bytes.
            guard digits(last), let count = Int(last) else { return .ignored }
            guard count > 0, size > 0 else { return .unsatisfiable }
            return .satisfiable(max(0, size - count)...(size - 1))
        }
        guard digits(first), let start = Int(first) else { return .ignored }
        var end = size - 1
        if !last.isEmpty {
            guard digits(last), let given = Int(last), given >= start else { return .ignored }
            end = min(given, size - 1)
        }
        guard start < size else { return .unsatisfiable }
        return .satisfiable(start...end)
    }
}

extension StringProtocol {
    fileprivate func trimmingSpaces() -> String {
        var slice = Substring(self)
        while slice.first == " " || slice.first == "\t" { slice = slice.dropFirst() }
        while slice.last == " " || slice.last == "\t" { slice = slice.dropLast() }
        return String(slice)
    }
}

extension HTTPField.Name {
    static let xContentTypeOptions = HTTPField.Name("X-Content-Type-Options")!
    static let referrerPolicyHeader = HTTPField.Name("Referrer-Policy")!
}
