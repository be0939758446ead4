// swift-tools-version: 6.1
// Micro-benchmarks (ordo-one/benchmark): `swift package --package-path Benchmarks/Micro benchmark`.
// Not part of the test run. `portico` is a link to the repository, so the dependency has a stable
// name wherever the repository is checked out.
import PackageDescription

let package = Package(
    name: "PorticoMicroBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: "portico"),
        .package(url: "https://github.com/ordo-one/benchmark", exact: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "Traffic",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "PorticoPipelineForFuzzing", package: "portico"),
            ],
            path: "Benchmarks/Traffic",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
