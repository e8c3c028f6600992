#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import EvidenceKit
import Hummingbird
import HummingbirdCore
import Logging

/// `evpack serve [DIR] [--host H] [--port P]`: a read-only preview of every pack in a folder
/// (SPEC §7). Binds 127.0.0.1 unless told otherwise, serves GET and HEAD only, and stops
/// cleanly on SIGINT or SIGTERM, finishing the responses under way.
public struct ServeAction: Sendable {
    /// The folder of packs.
    public var folder: String
    public var host: String
    /// 0 picks a free port (the URL printed names it).
    public var port: Int
    public var cache: CachePolicy

    /// Why the server could not start.
    public enum Failure: Error, CustomStringConvertible, Equatable {
        case notAFolder(String)
        case portInUse(host: String, port: Int)
        case cannotListen(host: String, port: Int, reason: String)

        public var description: String {
            switch self {
            case .notAFolder(let path):
                return "\(path): not a folder; name the folder holding the packs (evpack build writes them into output/ by default)"
            case .portInUse(let host, let port):
                return "\(host):\(port) is already in use by another program; choose another port with --port (for example --port \(port == 65535 ? 8081 : port + 1))"
            case .cannotListen(let host, let port, let reason):
                return "cannot listen on \(host):\(port): \(reason); check --host and --port"
            }
        }
    }

    public init(folder: String, host: String = "127.0.0.1", port: Int = 8080, cache: CachePolicy = CachePolicy()) {
        self.folder = folder
        self.host = host
        self.port = port
        self.cache = cache
    }

    /// Whether `host` is a loopback address: nothing outside this machine can connect.
    public static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// The preview over `library`: `PreviewMiddleware` in front of every request, then a router
    /// where `/` lists the packs and `FileMiddleware` with `PackFileProvider` serves the rest.
    public static func router(library: PackLibrary) -> PreviewResponderBuilder {
        let router = Router()
        let files = FileMiddleware<BasicRequestContext, PackFileProvider>(fileProvider: PackFileProvider(library: library))
            .withAdditionalMediaTypes(forFileExtensions: ResponseHeaders.mediaTypes)
        router.add(middleware: files)
        router.get("/") { _, _ in
            HTMLResponse.make(ListingPage.html(await library.list(), folder: library.folder), head: false)
        }
        router.head("/") { _, _ in
            HTMLResponse.make(ListingPage.html(await library.list(), folder: library.folder), head: true)
        }
        return PreviewResponderBuilder(gate: PreviewMiddleware(library: library), router: router)
    }

    /// Serves until SIGINT or SIGTERM; `onListening` gets the URL once the socket is bound.
    public func run(onListening: @escaping @Sendable (_ url: String) -> Void) async throws(Failure) {
        var info = stat()
        guard stat(folder, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else { throw .notAFolder(folder) }
        let library = PackLibrary(folder: folder, cache: cache)
        var logger = Logger(label: "evpack.serve")
        logger.logLevel = .critical
        let host = self.host
        let app = Application(
            router: Self.router(library: library),
            server: .http1(configuration: HTTP1Channel.Configuration(additionalChannelHandlers: [DrainBeforeClose()])),
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in
                let bound = channel.localAddress?.port ?? 0
                let shown = host.contains(":") ? "[\(host)]" : host
                onListening("http://\(shown):\(bound)/")
            },
            logger: logger
        )
        do {
            try await app.runService()
        } catch {
            let text = String(describing: error)
            if text.contains("Address already in use") || text.contains("EADDRINUSE") || text.contains("errno: 98") {
                throw .portInUse(host: host, port: port)
            }
            throw .cannotListen(host: host, port: port, reason: text)
        }
    }
}

/// Builds the preview's responder: the gate answers a pack file held in memory itself, without
/// the router resolving a path that no route has (every pack file is such a path), and hands
/// everything else to the router.
public struct PreviewResponderBuilder: HTTPResponderBuilder {
    let gate: PreviewMiddleware<BasicRequestContext>
    let router: Router<BasicRequestContext>

    public func buildResponder() -> PreviewResponder {
        PreviewResponder(gate: gate, next: router.buildResponder())
    }
}

/// `PreviewMiddleware` in front of the router's responder.
public struct PreviewResponder: HTTPResponder {
    let gate: PreviewMiddleware<BasicRequestContext>
    let next: RouterResponder<BasicRequestContext>

    public func respond(to request: Request, context: BasicRequestContext) async throws -> Response {
        try await gate.handle(request, context: context) { request, context in
            try await next.respond(to: request, context: context)
        }
    }
}
