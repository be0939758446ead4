// swift-tools-version: 6.0
// The floor of a SwiftNIO proxy, for Benchmarks/run.sh's "NIO floor" row: what NIO alone costs per
// proxied request on this machine, so Portico's own share can be told apart. Not part of the tests.
import PackageDescription

let package = Package(
    name: "NIOFloor",
    dependencies: [.package(url: "https://github.com/apple/swift-nio", exact: "2.101.3")],
    targets: [
        .executableTarget(
            name: "Floor",
            dependencies: [.product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio")]
        )
    ]
)
