// swift-tools-version: 6.1
import PackageDescription

// Targets follow ../shared/DESIGN.md: CLI → Server → {Admin, Storage*, Definitions, Pipeline} → Model.
let package = Package(
    name: "Portico",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "portico", targets: ["PorticoCLI"]),
        .library(name: "PorticoTesting", targets: ["PorticoTesting"]),
        // For the libFuzzer harnesses in Fuzz/.
        .library(name: "PorticoPipelineForFuzzing", targets: ["PorticoPipeline"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-http2.git", from: "1.46.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
    ],
    targets: [
        // Value types of the API model; no I/O.
        .target(name: "PorticoModel"),
        // A Velocity (VTL) template engine: parser, AST, renderer; knows nothing of AWS.
        .target(name: "PorticoVelocity"),
        // Reads portico.yaml, OpenAPI 3 and Swagger 2 (JSON or YAML) into the model, with diagnostics.
        .target(
            name: "PorticoDefinitions",
            dependencies: ["PorticoModel", .product(name: "Yams", package: "Yams")]
        ),
        // The data plane's logic: compiler, route table, integrations' plans, gateway responses.
        .target(
            name: "PorticoPipeline",
            dependencies: [
                "PorticoModel", "PorticoVelocity",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        // The ConfigStore protocol and the in-memory store.
        .target(name: "PorticoStorage", dependencies: ["PorticoModel"]),
        // The embedded default store: one SQLite file.
        .target(
            name: "PorticoStorageSQLite",
            dependencies: ["PorticoStorage", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        // Functions run locally: the Lambda Runtime API server and the instance pool.
        .target(
            name: "PorticoFunctions",
            dependencies: [
                "PorticoModel", "PorticoPipeline",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The AWS-compatible management API (apigateway, apigatewayv2), transport-free.
        .target(
            name: "PorticoAdmin",
            dependencies: ["PorticoModel", "PorticoStorage", "PorticoDefinitions", "PorticoPipeline", .product(name: "Yams", package: "Yams")]
        ),
        // Composition root: listeners, upstream pool, snapshot swap, reload, admin listener.
        .target(
            name: "PorticoServer",
            dependencies: [
                "PorticoModel", "PorticoDefinitions", "PorticoPipeline", "PorticoAdmin", "PorticoStorage", "PorticoStorageSQLite", "PorticoFunctions", "PorticoVelocity",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .executableTarget(
            name: "PorticoCLI",
            dependencies: [
                "PorticoServer", "PorticoDefinitions", "PorticoPipeline", "PorticoAdmin", "PorticoStorage", "PorticoStorageSQLite", "PorticoFunctions", "PorticoVelocity",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Test kit: in-process gateway, fake upstream, raw HTTP client.
        .target(
            name: "PorticoTesting",
            dependencies: [
                "PorticoServer", "PorticoDefinitions", "PorticoPipeline", "PorticoModel", "PorticoStorage",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ]
        ),
        .testTarget(name: "PorticoDefinitionsTests", dependencies: ["PorticoDefinitions"]),
        .testTarget(name: "PorticoVelocityTests", dependencies: ["PorticoVelocity"]),
        .testTarget(name: "PorticoStorageTests", dependencies: ["PorticoStorage", "PorticoStorageSQLite", "PorticoTesting"]),
        .testTarget(name: "PorticoAdminTests", dependencies: ["PorticoAdmin", "PorticoStorage", "PorticoModel", "PorticoPipeline"]),
        .testTarget(name: "PorticoPipelineTests", dependencies: ["PorticoPipeline", "PorticoDefinitions", "PorticoVelocity", "PorticoTesting"]),
        .testTarget(name: "PorticoServerTests", dependencies: ["PorticoTesting", "PorticoServer", "PorticoPipeline", .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"), .product(name: "NIOConcurrencyHelpers", package: "swift-nio")]),
    ],
    swiftLanguageModes: [.v6]
)
