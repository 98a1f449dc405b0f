import Foundation
import StrataSyntax

/// The journal entry `strata new` adds for a new drizzle migration, as drizzle-kit writes one,
/// so drizzle's migrator runs the file (it runs only what the journal lists). drizzle-kit's
/// schema snapshot (`meta/<NNNN>_snapshot.json`) is not written: the file is custom SQL, as
/// with `drizzle-kit generate --custom`.
enum DrizzleTemplate {
    static func journal(in folder: String, adding tag: String, now: Date, dialect: Dialect) throws(InputError) -> LayoutTemplate.File {
        let path = "meta/_journal.json"
        let when = Int64((now.timeIntervalSince1970 * 1000).rounded())
        guard let existing = try DrizzleJournal.read(inFolder: folder) else {
            let name = dialect == .postgresql ? "postgresql" : "sqlite"
            return LayoutTemplate.File(path: path, text: """
                {
                  "version": "7",
                  "dialect": "\(name)",
                  "entries": [
                \(entry(idx: 0, version: "7", when: when, tag: tag))
                  ]
                }

                """)
        }
        let bytes = try FileDiscovery.read(existing.path)
        let text = String(decoding: bytes, as: UTF8.self)
        // The entry goes before the `]` closing `entries` (the journal's last list).
        guard let close = text.lastIndex(of: "]") else {
            throw InputError(path: existing.path, message: "no `entries` list to add the new migration to")
        }
        var before = text[..<close]
        while let last = before.last, last.isWhitespace { before.removeLast() }
        let version = (try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])?["version"] as? String ?? "7"
        let after = when > (existing.entries.map(\.when).max() ?? 0) ? when : (existing.entries.map(\.when).max() ?? 0) + 1
        let updated = before + (existing.entries.isEmpty ? "\n" : ",\n")
            + entry(idx: existing.entries.count, version: version, when: after, tag: tag) + "\n  " + text[close...]
        guard let check = try? DrizzleJournal.parse(Array(updated.utf8), path: existing.path), check.entries.last?.tag == tag else {
            throw InputError(path: existing.path, message: "could not add the new migration's entry to the journal: add it with drizzle-kit")
        }
        return LayoutTemplate.File(path: path, text: String(updated), replaces: true)
    }

    static func entry(idx: Int, version: String, when: Int64, tag: String) -> String {
        """
            {
              "idx": \(idx),
              "version": "\(version)",
              "when": \(when),
              "tag": "\(tag)",
              "breakpoints": true
            }
        """
    }
}
