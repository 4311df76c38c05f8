// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "grafolean-collector",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "GrafoleanCollector", targets: ["GrafoleanCollector"]),
        .library(name: "GrafoleanCollectorTesting", targets: ["GrafoleanCollectorTesting"]),
        .library(name: "ICMPEcho", targets: ["ICMPEcho"]),
        .library(name: "SNMP", targets: ["SNMP"]),
        .library(name: "NetFlow", targets: ["NetFlow"]),
        .library(name: "NetFlowBot", targets: ["NetFlowBot"]),
        .executable(name: "grafolean-ping-bot", targets: ["grafolean-ping-bot"]),
        .executable(name: "grafolean-snmp-bot", targets: ["grafolean-snmp-bot"]),
        .executable(name: "grafolean-netflow-bot", targets: ["grafolean-netflow-bot"]),
        .executable(name: "grafolean-benchmarks", targets: ["GrafoleanBenchmarks"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/vapor/sqlite-nio", from: "1.13.2"),
    ],
    targets: [
        .target(
            name: "GrafoleanCollector",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
            ]
        ),
        .target(
            name: "GrafoleanCollectorTesting",
            dependencies: [
                "GrafoleanCollector",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "ICMPEcho",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "DequeModule", package: "swift-collections"),
            ]
        ),
        .target(name: "HostResolution"),
        .target(
            name: "SNMP",
            dependencies: [
                "HostResolution",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ]
        ),
        // Child processes, free ports, network namespaces and snmpd, for tests, benchmarks and demos.
        .target(name: "ProcessSupport"),
        .target(
            name: "NetFlow",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "DequeModule", package: "swift-collections"),
            ]
        ),
        .target(
            name: "NetFlowBot",
            dependencies: [
                "NetFlow", "GrafoleanCollector",
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "grafolean-netflow-bot",
            dependencies: [
                "NetFlowBot", "NetFlow", "GrafoleanCollector", "GrafoleanCollectorTesting",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "SNMPBot",
            dependencies: [
                "GrafoleanCollector", "SNMP", "HostResolution",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        .executableTarget(
            name: "grafolean-snmp-bot",
            dependencies: [
                "SNMPBot", "SNMP", "GrafoleanCollector", "GrafoleanCollectorTesting", "ProcessSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "PingBot",
            dependencies: [
                "GrafoleanCollector", "ICMPEcho", "HostResolution", .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "grafolean-ping-bot",
            dependencies: [
                "PingBot", "GrafoleanCollector", "GrafoleanCollectorTesting", "ICMPEcho",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "GrafoleanBenchmarks",
            dependencies: [
                "GrafoleanCollector", "GrafoleanCollectorTesting", "ICMPEcho", "PingBot", "ProcessSupport", "SNMP", "SNMPBot", "NetFlow", "NetFlowBot",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "MyProtocolBot",
            dependencies: [
                "GrafoleanCollector", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"), .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Examples/MyProtocolBot"
        ),
        .target(
            name: "ICMPEchoTestSupport",
            dependencies: ["ICMPEcho", "ProcessSupport"]
        ),
        .testTarget(
            name: "ICMPEchoTests",
            dependencies: ["ICMPEcho", "ICMPEchoTestSupport", "ProcessSupport", .product(name: "Logging", package: "swift-log")]
        ),
        .target(
            name: "SNMPTestSupport",
            dependencies: ["SNMP", "ProcessSupport"]
        ),
        .testTarget(
            name: "SNMPBotTests",
            dependencies: [
                "SNMPBot", "SNMP", "SNMPTestSupport", "GrafoleanCollector", "GrafoleanCollectorTesting", "ProcessSupport",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "SNMPTests",
            dependencies: [
                "SNMP", "SNMPTestSupport", "HostResolution", "ProcessSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "NetFlowTests",
            dependencies: [
                "NetFlow", "NetFlowBot", "ProcessSupport", "GrafoleanCollector", "GrafoleanCollectorTesting",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "PingBotTests",
            dependencies: [
                "PingBot", "ICMPEcho", "ICMPEchoTestSupport", "GrafoleanCollector", "GrafoleanCollectorTesting", "ProcessSupport",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "GrafoleanCollectorTestingTests",
            dependencies: [
                "GrafoleanCollector",
                "GrafoleanCollectorTesting",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            resources: [.copy("Resources/grafolean-backend-exchanges.json")]
        ),
        .testTarget(
            name: "GrafoleanCollectorTests",
            dependencies: [
                "GrafoleanCollector", "GrafoleanCollectorTesting", "ProcessSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ]
        ),
    ]
)
