import Foundation
import Testing

/// The version: one number, printed by `--version` and `-V`, and the newest release in
/// CHANGELOG.md.
@Suite("Version and changelog")
struct VersionTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func shortAndLongFlagsPrintTheChangelogsNewestRelease() throws {
        let long = try CLI.run(["--version"], in: FileManager.default.temporaryDirectory)
        let short = try CLI.run(["-V"], in: FileManager.default.temporaryDirectory)
        #expect(long.status == 0 && short.status == 0)
        #expect(short.stdout == long.stdout)
        let version = long.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(version.split(separator: ".").count == 3 && version.allSatisfy { $0.isNumber || $0 == "." }, "\(version)")

        let changelog = try String(contentsOf: Self.root.appendingPathComponent("CHANGELOG.md"), encoding: .utf8)
        let releases = changelog.split(separator: "\n").filter { $0.hasPrefix("## [") && !$0.hasPrefix("## [Unreleased]") }
        let newest = try #require(releases.first)
        #expect(newest.hasPrefix("## [\(version)] - "), "CHANGELOG.md's newest release is \(newest), strata --version says \(version)")
        #expect(changelog.contains("## [Unreleased]"))
    }

    @Test func theLicenceIsApache2() throws {
        let licence = try String(contentsOf: Self.root.appendingPathComponent("LICENSE"), encoding: .utf8)
        #expect(licence.contains("Apache License") && licence.contains("Version 2.0, January 2004"))
    }
}
