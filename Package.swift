// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Strata",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "strata", targets: ["strata"]),
        .library(name: "StrataCore", targets: ["StrataCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        // C libraries; `make deps` installs the -dev packages. SQLite is linked (found through
        // pkg-config). libgit2 and libpq are not: CGit2 and CLibPQ give their headers only (no
        // pkg-config, whose libs would link them), and CLibraryLoader loads them with dlopen on
        // first use, so commands that do not use them (lint) start without them.
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CGit2"),
        .systemLibrary(name: "CLibPQ"),
        .target(name: "CLibraryLoader"),

        .target(name: "StrataSyntax"),
        .target(name: "StrataCore", dependencies: [
            "StrataSyntax",
            .product(name: "Yams", package: "Yams"),
            // SHA-256 for Atlas's atlas.sum (AtlasSum.swift).
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .target(name: "StrataRules", dependencies: ["StrataCore", "StrataSyntax"]),
        .target(name: "StrataReporters", dependencies: ["StrataCore", .product(name: "Crypto", package: "swift-crypto")]),
        .target(name: "StrataGit", dependencies: ["StrataCore", "StrataSyntax", "CGit2", "CLibraryLoader"]),
        .target(name: "StrataApply", dependencies: [
            "StrataCore", "CSQLite", "CLibPQ", "CLibraryLoader",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // The project as a command sees it (configuration, folder, layout, dialect, linter), what
        // `strata check` checks and deploy's gate on it, the file `optimize` writes: on
        // StrataGit, StrataRules and StrataApply, which StrataApply itself does not reach.
        .target(name: "StrataProject", dependencies: ["StrataCore", "StrataSyntax", "StrataRules", "StrataGit", "StrataApply"]),
        .executableTarget(name: "strata", dependencies: [
            "StrataCore", "StrataRules", "StrataReporters", "StrataGit", "StrataApply", "StrataProject",
            "CLibraryLoader",   // strata_limit_malloc_arenas
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // Fuzz driver (make fuzz) and micro-benchmarks (make bench); not shipped.
        .target(name: "CFuzzerDriver", path: "Fuzz/CFuzzerDriver"),
        .executableTarget(name: "strata-fuzz", dependencies: ["StrataCore", "StrataRules", "CFuzzerDriver"], path: "Fuzz/strata-fuzz"),
        .executableTarget(name: "strata-bench", dependencies: ["StrataSyntax", "StrataCore"], path: "Bench/strata-bench"),

        .testTarget(name: "StrataSyntaxTests", dependencies: ["StrataSyntax"]),
        .testTarget(name: "StrataCoreTests", dependencies: ["StrataCore", "StrataRules"]),
        .testTarget(name: "StrataRulesTests", dependencies: ["StrataCore", "StrataRules", "StrataApply"]),
        .testTarget(name: "StrataReportersTests", dependencies: ["StrataCore", "StrataReporters", "StrataRules", "StrataSyntax"]),
        .testTarget(name: "StrataCLITests", dependencies: ["StrataCore", "StrataApply", "strata"], exclude: ["RealProjects"]),
        .testTarget(name: "StrataGitTests", dependencies: ["StrataGit", "StrataCore"]),
        .testTarget(name: "StrataApplyTests", dependencies: ["StrataApply", "StrataCore", "StrataRules"]),
        .testTarget(name: "StrataProjectTests", dependencies: ["StrataProject", "StrataCore", "StrataRules", "StrataGit", "StrataApply"]),
        .testTarget(name: "SystemLibraryTests", dependencies: ["CGit2", "CSQLite", "CLibPQ", "CLibraryLoader"]),
    ],
    swiftLanguageModes: [.v6]
)
