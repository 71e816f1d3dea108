// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "PeerNameResolution",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "PeerCrypto", targets: ["PeerCrypto"]),
        .library(name: "PNRP", targets: ["PNRP"]),
        .library(name: "PNRPInMemory", targets: ["PNRPInMemory"]),
        .executable(name: "pnrp", targets: ["pnrp"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
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
        .target(name: "PeerCrypto", dependencies: ["CSodium", "CCrypto"]),
        .target(name: "PNRP", dependencies: ["PeerCrypto"]),
        .target(
            name: "PNRPInMemory",
            dependencies: ["PNRP", .product(name: "Collections", package: "swift-collections")]
        ),
        .executableTarget(
            name: "pnrp",
            dependencies: [
                "PNRP", "PNRPInMemory",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "PeerCryptoTests",
            dependencies: ["PeerCrypto"]
        ),
        .testTarget(
            name: "PNRPTests",
            dependencies: [
                "PNRP", "PNRPInMemory",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            exclude: ["Oracle"]  // Python script that produced the P2P ID vectors; documentation only
        ),
    ],
    swiftLanguageModes: [.v6]
)
