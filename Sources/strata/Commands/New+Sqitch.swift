import Foundation
import StrataCore

extension New {
    /// A sqitch change: its deploy, revert and verify scripts, and its line at the end of
    /// sqitch.plan (planner from git's user.name and user.email, else $USER; no dependencies).
    func newSqitchChange(folder: String) throws {
        let planPath = (folder as NSString).appendingPathComponent("sqitch.plan")
        let slug = MigrationTemplate.slug(name)
        let plan = try SqitchPlan.read(planPath)
        if let existing = plan.changes.last(where: { $0.name == slug }) {
            throw CommandFailure("\(planPath):\(existing.line): change \(slug) is in the plan already; rework it with `sqitch rework \(slug)`, or choose another name", .refused)
        }
        let now = Date()
        let paths = try LayoutTemplate.write(LayoutTemplate.files(layout: .sqitch, slug: slug, up: "", down: "", existing: [], now: now), into: folder)
        let user = ProcessInfo.processInfo.environment["USER"] ?? "strata"
        let planner = Self.gitConfig("user.name") ?? user
        let email = Self.gitConfig("user.email") ?? "\(user)@\(ProcessInfo.processInfo.hostName)"
        let line = SqitchPlan.changeLine(name: slug, planner: planner, email: email, at: now, note: description ?? name)
        let bytes = (try? FileDiscovery.read(planPath)) ?? []
        let text = (bytes.isEmpty || bytes.last == 0x0A ? "" : "\n") + line + "\n"
        do {
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: planPath))
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(text.utf8))
        } catch {
            throw CommandFailure("\(planPath): \(error.localizedDescription)")
        }
        for path in paths { print("created \(path)") }
        print("added \(slug) to \(planPath)")
    }

    /// `git config <key>`, nil when git or the value is missing.
    static func gitConfig(_ key: String) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "config", key]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let value = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return process.terminationStatus == 0 && !value.isEmpty ? value : nil
    }
}
