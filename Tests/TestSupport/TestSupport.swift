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

        var env = ProcessInfo.processInfo.environment
        if let environment { env.merge(environment) { $1 } }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }

        var pid: pid_t = 0
        let spawned = executable.contains("/")
            ? posix_spawn(&pid, executable, &actions, nil, argv, envp)
            : posix_spawnp(&pid, executable, &actions, nil, argv, envp)
        guard spawned == 0 else {
            throw NSError(domain: "Run", code: Int(spawned), userInfo: [NSLocalizedDescriptionKey: "cannot start \(executable): \(String(cString: strerror(spawned)))"])
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        let code: Int32 = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        let outData = (try? Data(contentsOf: URL(fileURLWithPath: outPath))) ?? Data()
        let errData = (try? Data(contentsOf: URL(fileURLWithPath: errPath))) ?? Data()
        return ProcessResult(
            status: code, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self), stdoutData: outData
        )
    }

    /// Starts a process in the background with its output discarded; returns its pid.
    public static func spawn(_ executable: String, _ arguments: [String]) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for fd: Int32 in [0, 1, 2] { posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0) }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = ProcessInfo.processInfo.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard spawned == 0 else {
            throw NSError(domain: "Run", code: Int(spawned), userInfo: [NSLocalizedDescriptionKey: "cannot start \(executable)"])
        }
        return pid
    }

    /// Waits for a process started with `spawn`; its exit status (128 + signal when killed).
    @discardableResult
    public static func wait(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        return (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
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
