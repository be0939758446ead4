// swift-tools-version: 6.1
import PackageDescription

// libFuzzer harnesses for the byte-level parsers. Built by Fuzz/run.sh with
// `-sanitize=fuzzer,address -parse-as-library`; not part of the main build or of `swift test`.
let package = Package(
    name: "PorticoFuzz",
    dependencies: [
        // run.sh links the repository here, so its package identity is "portico" whatever the clone is named.
        .package(path: "../.build-fuzz/portico"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        .executableTarget(
            name: "PorticoFuzzHTTP1",
            dependencies: [
                .product(name: "PorticoPipelineForFuzzing", package: "portico"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
