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
    @discardableResult
    public static func process(
        _ executable: String, _ arguments: [String], stdin: Data? = nil, environment: [String: String]? = nil,
        currentDirectory: String? = nil
    ) throws -> ProcessResult {
        let process = Process()
        if executable.contains("/") {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [executable] + arguments
        }
        if let environment {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        if let currentDirectory { process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        // Read both pipes concurrently so neither can fill up and block the child.
        let group = DispatchGroup()
        nonisolated(unsafe) var outData = Data()
        nonisolated(unsafe) var errData = Data()
        group.enter()
        DispatchQueue.global().async { outData = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        group.enter()
        DispatchQueue.global().async { errData = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        if let stdin { input.fileHandleForWriting.write(stdin) }
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
        group.wait()
        return ProcessResult(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
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
