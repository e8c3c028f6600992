import Foundation

/// Paths and process helpers shared by the test targets.
public enum TestPaths {
    /// The repository root (the folder holding Package.swift).
    public static let root: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        fatalError("Package.swift not found above \(#filePath)")
    }()

    public static func snapshot(_ name: String) -> String {
        root.appendingPathComponent("snapshots").appendingPathComponent(name).path
    }

    /// Every sample snapshot in `snapshots/`.
    public static var sampleSnapshots: [String] {
        let folder = root.appendingPathComponent("snapshots")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".json") }.sorted().map { folder.appendingPathComponent($0).path }
    }

    /// The built `evpack` binary: `EVPACK_BIN`, else next to the test bundle, else `.build/debug`.
    public static var evpack: String {
        if let path = ProcessInfo.processInfo.environment["EVPACK_BIN"] { return path }
        for candidate in [Bundle.main.bundleURL, URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()] {
            var url = candidate
            for _ in 0..<3 {
                let binary = url.appendingPathComponent("evpack")
                if FileManager.default.isExecutableFile(atPath: binary.path) { return binary.path }
                url.deleteLastPathComponent()
            }
        }
        return root.appendingPathComponent(".build/debug/evpack").path
    }

    /// The built `evpack-gen` (synthetic records), beside `evpack`.
    public static var generator: String {
        URL(fileURLWithPath: evpack).deletingLastPathComponent().appendingPathComponent("evpack-gen").path
    }

    /// A new empty temporary folder.
    public static func temporaryFolder(_ label: String = "evpack-test") -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// The outcome of a finished process.
public struct ProcessResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    public var stdoutData: Data
}

/// Runs programs for tests and collects their output.
public enum Run {
    /// Runs `executable` (a path, or a name looked up on PATH) with `arguments`.
    ///
    /// Spawned with posix_spawn and reaped with a blocking waitpid; output goes to files, so
    /// a server the command leaves running (pg_ctl) cannot hold a pipe open.
    @discardableResult
    public static func process(
        _ executable: String, _ arguments: [String], stdin: Data? = nil, environment: [String: String]? = nil,
        currentDirectory: String? = nil
    ) throws -> ProcessResult {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("evpack-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let outPath = folder.appendingPathComponent("out").path, errPath = folder.appendingPathComponent("err").path
        let inPath = folder.appendingPathComponent("in").path
        try (stdin ?? Data()).write(to: URL(fileURLWithPath: inPath))

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, inPath, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        var executable = executable, arguments = arguments
        if let currentDirectory {
            arguments = ["-c", "cd \"$0\" && exec \"$@\"", currentDirectory, executable] + arguments
            executable = "/bin/sh"
        }

        let code = reap(try launch(executable, arguments, environment: environment, actions: &actions))
        let outData = (try? Data(contentsOf: URL(fileURLWithPath: outPath))) ?? Data()
        let errData = (try? Data(contentsOf: URL(fileURLWithPath: errPath))) ?? Data()
        return ProcessResult(
            status: code, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self), stdoutData: outData
        )
    }

    /// Runs the built `evpack` with `arguments`.
    @discardableResult
    public static func evpack(_ arguments: [String], stdin: Data? = nil, environment: [String: String]? = nil) throws -> ProcessResult {
        try process(TestPaths.evpack, arguments, stdin: stdin, environment: environment)
    }

    /// Runs a Python 3 program given as text, with `arguments`.
    public static func python(_ program: String, _ arguments: [String] = [], stdin: Data? = nil) throws -> ProcessResult {
        try process("python3", ["-c", program] + arguments, stdin: stdin)
    }
}

/// A program started by `Run.start` that keeps running, its output kept: a server under test.
public final class SpawnedProcess: @unchecked Sendable {
    public let pid: pid_t
    private let folder: URL
    private var status: Int32?

    init(pid: pid_t, folder: URL) {
        self.pid = pid
        self.folder = folder
    }

    deinit {
        if status == nil {
            kill(pid, SIGKILL)
            Run.reap(pid)
        }
        try? FileManager.default.removeItem(at: folder)
    }

    /// What it wrote to stdout so far.
    public var stdout: String { read("out") }
    /// What it wrote to stderr so far.
    public var stderr: String { read("err") }

    private func read(_ name: String) -> String {
        let data = (try? Data(contentsOf: folder.appendingPathComponent(name))) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    /// Sends `signal` (SIGINT, SIGTERM) to the process.
    public func send(_ signal: Int32) {
        if status == nil { kill(pid, signal) }
    }

    /// The exit code once the process has ended (128 + N for a signal), or nil after `timeout` seconds.
    public func wait(timeout: Double) -> Int32? {
        if let status { return status }
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            var raw: Int32 = 0
            let reaped = waitpid(pid, &raw, WNOHANG)
            if reaped == pid {
                let code = Run.exitCode(raw)
                status = code
                return code
            }
            usleep(20_000)
        }
        return nil
    }

    /// Polls stdout until `match` finds something in it (or the process ends, or `timeout` passes).
    public func waitForOutput(timeout: Double, _ match: (String) -> String?) -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let found = match(stdout) { return found }
            if wait(timeout: 0) != nil { return match(stdout) }
            usleep(20_000)
        }
        return nil
    }
}

extension Run {
    /// Starts `executable` with `arguments` and returns at once; stdout and stderr go to files.
    ///
    /// SIGINT and SIGTERM are reset to their default action in the child, so a test can stop it
    /// the way Ctrl-C would even when the test runner ignores those signals.
    public static func start(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws -> SpawnedProcess {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("evpack-spawn-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, folder.appendingPathComponent("out").path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, folder.appendingPathComponent("err").path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let pid = try launch(executable, arguments, environment: environment, actions: &actions)
        return SpawnedProcess(pid: pid, folder: folder)
    }
}

extension Run {
    /// Waits for `pid` to end; its exit code (see `exitCode`).
    @discardableResult
    fileprivate static func reap(_ pid: pid_t) -> Int32 {
        var raw: Int32 = 0
        while waitpid(pid, &raw, 0) < 0, errno == EINTR {}
        return exitCode(raw)
    }

    /// The exit code in a `waitpid` status, or 128 + N for a process ended by signal N (as a shell shows it).
    fileprivate static func exitCode(_ raw: Int32) -> Int32 {
        (raw & 0x7F) == 0 ? (raw >> 8) & 0xFF : 128 + (raw & 0x7F)
    }

    /// posix_spawn (posix_spawnp for a name without `/`) with this process's environment plus
    /// `environment`, and SIGINT and SIGTERM reset to their default action in the child, so a
    /// test can stop it the way Ctrl-C would even when the test runner ignores those signals.
    fileprivate static func launch(
        _ executable: String, _ arguments: [String], environment: [String: String]?, actions: inout posix_spawn_file_actions_t
    ) throws -> pid_t {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGINT)
        sigaddset(&defaults, SIGTERM)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        var env = ProcessInfo.processInfo.environment
        if let environment { env.merge(environment) { $1 } }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = executable.contains("/")
            ? posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
            : posix_spawnp(&pid, executable, &actions, &attributes, argv, envp)
        guard spawned == 0 else {
            throw NSError(domain: "Run", code: Int(spawned), userInfo: [NSLocalizedDescriptionKey: "cannot start \(executable): \(String(cString: strerror(spawned)))"])
        }
        return pid
    }
}
