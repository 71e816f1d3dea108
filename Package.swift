// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "PeerNameResolution",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "PeerCrypto", targets: ["PeerCrypto"]),
        .library(name: "PNRP", targets: ["PNRP"]),
        .library(name: "EasyConnect", targets: ["EasyConnect"]),
        .library(name: "PNRPInMemory", targets: ["PNRPInMemory"]),
        .library(name: "PNRPSimulation", targets: ["PNRPSimulation"]),
        .library(name: "PNRPNetwork", targets: ["PNRPNetwork"]),
        .library(name: "EasyConnectNetwork", targets: ["EasyConnectNetwork"]),
        .library(name: "EasyConnectTerminal", targets: ["EasyConnectTerminal"]),
        .executable(name: "pnrp", targets: ["pnrp"]),
        .executable(name: "pnrp-sim", targets: ["pnrp-sim"]),
        .executable(name: "easy-connect", targets: ["easy-connect"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-atomics", from: "1.3.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // System libraries: the only C code the package links. Nothing but PeerCrypto imports them.
        .systemLibrary(
            name: "CSodium",
            pkgConfig: "libsodium",
            providers: [.apt(["libsodium-dev"]), .brew(["libsodium"])]
        ),
        .systemLibrary(
            name: "CCrypto",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"]), .brew(["openssl@3"])]
        ),
        // libvterm (the terminal emulator state machine of a shared terminal) and zlib (compressed screen
        // frames): only EasyConnectTerminal imports them.
        .systemLibrary(
            name: "CVTerm",
            pkgConfig: "vterm",
            providers: [.apt(["libvterm-dev"]), .brew(["libvterm"])]
        ),
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .target(name: "PeerCrypto", dependencies: ["CSodium", "CCrypto"]),
        .target(name: "PNRP", dependencies: ["PeerCrypto"]),
        // Easy Connect remote assistance, sans-IO: passwords, rendezvous names, sealed invitations, the CPace
        // handshake, the session and file-transfer state machines, the User's invitation.
        .target(name: "EasyConnect", dependencies: ["PeerCrypto", "PNRP"]),
        .target(
            name: "PNRPInMemory",
            dependencies: [
                "PNRP", "PeerCrypto",
                .product(name: "Collections", package: "swift-collections"),
                .product(name: "Atomics", package: "swift-atomics"),
            ]
        ),
        .target(
            name: "PNRPSimulation",
            dependencies: [
                "PNRP", "PNRPInMemory",
                .product(name: "Collections", package: "swift-collections"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),
        .executableTarget(
            name: "pnrp-sim",
            dependencies: [
                "PNRPSimulation",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The real-network driver: SwiftNIO sockets around the sans-IO core, persistence, the control socket.
        .target(
            name: "PNRPNetwork",
            dependencies: [
                "PNRP", "PeerCrypto",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        .executableTarget(
            name: "pnrp",
            dependencies: [
                "PNRP", "PNRPInMemory", "PNRPNetwork",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                // `pnrp node --metrics`: the host's swift-metrics instruments in Prometheus text format over HTTP.
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // The Easy Connect driver: TCP sessions over SwiftNIO, files on disk, the PNRP node or daemon.
        .target(
            name: "EasyConnectNetwork",
            dependencies: [
                "EasyConnect", "PNRP", "PNRPNetwork", "PeerCrypto",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        // A shared terminal: libvterm behind `VTermEmulator`, deflated frames, the pseudo-terminal and the
        // local terminal's raw mode.
        .target(name: "EasyConnectTerminal", dependencies: ["EasyConnect", "CVTerm", "CZlib"]),
        .executableTarget(
            name: "easy-connect",
            dependencies: [
                "EasyConnect", "EasyConnectNetwork", "EasyConnectTerminal", "PNRP", "PNRPNetwork", "PeerCrypto",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The test laboratory of network namespaces: an internet segment, public hosts, sites behind NAT routers
        // of four kinds (nftables), sockets of the test process inside namespaces. Used by the network tests;
        // with it the places for blocking and heavy work outside Swift's cooperative pool, used by every test
        // target whose tests wait or compute for long.
        .target(name: "NetworkLab", path: "Tests/NetworkLab"),
        // Time to first byte of Easy Connect sessions, direct vs. hole punched, behind the lab's NAT routers.
        .executableTarget(
            name: "nat-session-benchmark",
            dependencies: ["NetworkLab", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Benchmarks/NATSessions"
        ),
        .testTarget(
            name: "EasyConnectNetworkTests",
            dependencies: [
                "EasyConnectNetwork", "EasyConnect", "PNRP", "PNRPNetwork", "PNRPInMemory", "PeerCrypto", "NetworkLab",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "EasyConnectTerminalTests",
            dependencies: [
                "EasyConnectTerminal", "EasyConnect", "NetworkLab",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(
            name: "PNRPNetworkTests",
            dependencies: ["PNRPNetwork", "PNRP", "NetworkLab"]
        ),
        .testTarget(
            name: "PNRPSimulationTests",
            dependencies: ["PNRPSimulation", "NetworkLab"]
        ),
        .testTarget(
            name: "PeerCryptoTests",
            dependencies: ["PeerCrypto", "NetworkLab"],
            exclude: ["Oracle"]  // Python script that produced the vectors with no published source; documentation only
        ),
        .testTarget(
            name: "EasyConnectTests",
            dependencies: [
                "EasyConnect", "PeerCrypto", "PNRP", "NetworkLab",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            exclude: ["CPaceOracle"]  // Python script that produced the key confirmation vectors; documentation only
        ),
        .testTarget(
            name: "PNRPTests",
            dependencies: [
                "PNRP", "PNRPInMemory", "PNRPSimulation", "NetworkLab",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            exclude: ["Oracle"]  // Python script that produced the P2P ID vectors; documentation only
        ),
    ],
    swiftLanguageModes: [.v6]
)
