// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "EvidencePack",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "evpack", targets: ["evpack"]),
        .library(name: "EvidenceKit", targets: ["EvidenceKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", exact: "3.12.3"),
    ],
    targets: [
        .executableTarget(
            name: "evpack",
            dependencies: ["EvidenceCLI"]
        ),
        .target(
            name: "EvidenceCLI",
            dependencies: [
                "EvidenceKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(
            name: "EvidenceKit",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
            ]
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
            name: "EvidenceCLITests",
            dependencies: ["EvidenceKit", "TestSupport"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
