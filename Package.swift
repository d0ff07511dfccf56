// swift-tools-version:6.1
import PackageDescription

// Library targets do the work; the two executables only parse arguments.
// See DESIGN.md ("Layout") for where each behaviour lives.

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

/// The targets that do the work (JSON parsing, validation, content hashing, the canonical form and the
/// differ, the seed's COPY encoding and the API, the providers' SQLite import, the parity run) are optimized in
/// debug builds too, so `swift test`, a debug build, parses, validates and compares at
/// release speed (BENCHMARKS.md, "The test suite as Swift developers run it"). Not for a checkout of this
/// package used as another package's dependency (SwiftPM refuses unsafe flags there), nor with
/// `REFERENCE_DEBUG_UNOPTIMIZED=1` (to step through these targets in a debugger).
let optimizedInDebug: [SwiftSetting] = {
    let asDependency = Context.packageDirectory.contains("/checkouts/")
    if asDependency || Context.environment["REFERENCE_DEBUG_UNOPTIMIZED"] == "1" { return [] }
    return [.unsafeFlags(["-O"], .when(configuration: .debug))]
}()

let package = Package(
    name: "reference-parity",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "parity-runner", targets: ["parity-runner"]),
        .executable(name: "reference-backend", targets: ["reference-backend"]),
        .library(name: "ReferenceCatalog", targets: ["ReferenceCatalog"]),
        .library(name: "Normalization", targets: ["Normalization"]),
        .library(name: "ReferenceBackend", targets: ["ReferenceBackend"]),
        .library(name: "ReferenceProviders", targets: ["ReferenceProviders"]),
        .library(name: "ParityRunner", targets: ["ParityRunner"]),
    ],
    dependencies: [
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        // The one reader of the environment: every key declared and documented once.
        .target(name: "Settings", swiftSettings: swiftSettings),
        // The 20 tables as data, and the JSON value model every layer shares (Catalog/, Values/); source
        // loading and validation (Source/) and the API's wire format (Wire/).
        .target(name: "ReferenceCatalog", dependencies: ["Settings"], swiftSettings: swiftSettings + optimizedInDebug),
        // Pure canonical form and per-table differ: no I/O, no dependency but the catalog.
        .target(
            name: "Normalization", dependencies: ["ReferenceCatalog"], swiftSettings: swiftSettings + optimizedInDebug),
        // What every PostgreSQL user here shares: connection URLs, connections, error descriptions, quoting.
        .target(
            name: "PostgresSupport",
            dependencies: [
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The embedded default cluster (tests, parity-runner): nothing else.
        .target(
            name: "ThrowawayPostgres",
            dependencies: ["PostgresSupport", "Settings", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        // Migrations, migrator, seed, queries and the HTTP API.
        .target(
            name: "ReferenceBackend",
            dependencies: [
                "ReferenceCatalog", "PostgresSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            resources: [.copy("Migrations"), .copy("Resources/openapi.yaml")],
            swiftSettings: swiftSettings + optimizedInDebug
        ),
        // The app's side: provider seam, local (JSON -> SQLite) and remote (HTTP + warm cache) providers.
        .target(
            name: "ReferenceProviders",
            dependencies: [
                "ReferenceCatalog", "Normalization", "Settings",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings + optimizedInDebug
        ),
        // Parity orchestration, the databases it runs on, reports and the cutover checklist.
        .target(
            name: "ParityRunner",
            dependencies: [
                "ReferenceCatalog", "Normalization", "ReferenceBackend", "ReferenceProviders", "PostgresSupport",
                "ThrowawayPostgres", "Settings",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings + optimizedInDebug
        ),
        // What both executables share: the exit-status contract, settings errors, logging set-up.
        .target(
            name: "CommandSupport",
            dependencies: [
                "ReferenceCatalog", "PostgresSupport", "Settings",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "parity-runner",
            dependencies: [
                "ParityRunner", "CommandSupport", "PostgresSupport", "ReferenceBackend", "ReferenceCatalog", "Settings",
                "ThrowawayPostgres",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "reference-backend",
            dependencies: [
                "ReferenceBackend", "ReferenceCatalog", "PostgresSupport", "CommandSupport", "Settings",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Benchmarks (see BENCHMARKS.md): `swift run -c release reference-bench <postgres|seed|normalize|providers|serve>`.
        .executableTarget(
            name: "reference-bench",
            dependencies: [
                "ParityRunner", "ReferenceBackend", "ReferenceCatalog", "ReferenceProviders", "Normalization",
                "PostgresSupport", "ThrowawayPostgres", "TestSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Benchmarks/reference-bench",
            swiftSettings: swiftSettings
        ),
        // Helpers shared by the test suites: one throwaway cluster per test process, a database per suite.
        .target(
            name: "TestSupport",
            dependencies: [
                "ParityRunner", "ReferenceBackend", "ReferenceCatalog", "ReferenceProviders", "PostgresSupport",
                "ThrowawayPostgres", .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Tests/TestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "ReferenceCatalogTests", dependencies: ["ReferenceCatalog"], swiftSettings: swiftSettings),
        .testTarget(
            name: "NormalizationTests",
            dependencies: [
                "Normalization", "ReferenceCatalog", .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ReferenceBackendTests",
            dependencies: [
                "ReferenceBackend", "ReferenceCatalog", "PostgresSupport", "TestSupport", "ThrowawayPostgres",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ReferenceProvidersTests",
            dependencies: [
                "ReferenceProviders", "ReferenceBackend", "ReferenceCatalog", "PostgresSupport", "TestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ParityTests",
            dependencies: [
                "ParityRunner", "Normalization", "ReferenceBackend", "ReferenceCatalog", "ReferenceProviders",
                "PostgresSupport", "ThrowawayPostgres", "TestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Tests/ParityTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GoldenFiles",
            dependencies: [
                "ParityRunner", "Normalization", "ReferenceBackend", "ReferenceCatalog", "ThrowawayPostgres",
                "TestSupport",
            ],
            path: "Tests/GoldenFiles",
            exclude: ["Snapshots"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SmokeTests",
            dependencies: [
                "ReferenceProviders", "ReferenceCatalog", "ParityRunner", "ThrowawayPostgres", "TestSupport",
            ],
            path: "Tests/SmokeTests",
            swiftSettings: swiftSettings
        ),
    ]
)
