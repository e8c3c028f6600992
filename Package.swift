// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "EvidencePack",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "evpack", targets: ["evpack"]),
        .executable(name: "evpack-gen", targets: ["EvidenceGen"]),
        .library(name: "EvidenceKit", targets: ["EvidenceKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", exact: "3.12.3"),
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", exact: "2.1.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-http-types", exact: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio", exact: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl", exact: "2.37.6"),
        .package(url: "https://github.com/vapor/postgres-nio", exact: "1.33.2"),
        .package(url: "https://github.com/apple/swift-system", exact: "1.8.1"),
    ],
    targets: [
        .executableTarget(
            name: "evpack",
            dependencies: ["EvidenceCLI"]
        ),
        .executableTarget(
            name: "EvidenceGen",
            dependencies: [.product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/EvidenceGen"
        ),
        .target(
            name: "EvidenceCLI",
            dependencies: [
                "EvidenceKit",
                "EvidencePreview",
                "EvidenceRehearsal",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(
            name: "EvidenceRehearsal",
            dependencies: [
                "EvidenceKit",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "EvidencePreview",
            dependencies: [
                "EvidenceKit",
                "CArchive",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .target(
            name: "EvidenceKit",
            dependencies: [
                "CArchive",
                "CLibXML2",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "SystemPackage", package: "swift-system"),
                "EvidenceTemplates",
            ]
        ),
        // templates/ compiled into the binary (one generated source, no resource bundle).
        .target(
            name: "EvidenceTemplates",
            path: "templates",
            exclude: ["README.md", "html", "labels", "schema"],
            plugins: ["EmbedTemplates"]
        ),
        .plugin(
            name: "EmbedTemplates",
            capability: .buildTool(),
            dependencies: ["EmbedTemplatesTool"]
        ),
        .executableTarget(
            name: "EmbedTemplatesTool",
            path: "Plugins/EmbedTemplatesTool"
        ),
        .systemLibrary(
            name: "CArchive",
            pkgConfig: "libarchive",
            providers: [.apt(["libarchive-dev"])]
        ),
        .systemLibrary(
            name: "CLibXML2",
            pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"])]
        ),
        .target(
            name: "TestSupport",
            path: "Tests/TestSupport"
        ),
        .testTarget(
            name: "EvidenceKitTests",
            dependencies: ["EvidenceKit", "TestSupport"],
            exclude: ["Golden"]
        ),
        .testTarget(
            name: "EvidencePreviewTests",
            dependencies: [
                "EvidencePreview",
                "EvidenceKit",
                "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "EvidenceRehearsalTests",
            dependencies: ["EvidenceRehearsal", "EvidenceKit", "TestSupport"]
        ),
        .testTarget(
            name: "EvidenceCLITests",
            dependencies: ["EvidenceKit", "TestSupport"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
