import Foundation

/// The file `strata new` writes: the next number, a complete header, both section markers.
public enum MigrationTemplate {
    /// `Add user avatars!` → `add_user_avatars`; accented letters lose their accents
    /// (`Ünïcode name` → `unicode_name`), other characters separate words.
    public static func slug(_ name: String) -> String {
        var result = ""
        var pendingSeparator = false
        // Canonical decomposition splits `ü` into `u` and a combining mark, which is dropped.
        for scalar in name.lowercased().decomposedStringWithCanonicalMapping.unicodeScalars {
            if scalar.isASCII, CharacterSet.alphanumerics.contains(scalar) {
                if pendingSeparator, !result.isEmpty { result.append("_") }
                result.unicodeScalars.append(scalar)
                pendingSeparator = false
            } else if scalar.properties.generalCategory != .nonspacingMark {
                pendingSeparator = true
            }
        }
        return String(result.prefix(60))
    }

    /// The next file name in `existing` (file names of the folder): one more than the highest
    /// numeric prefix, at least four digits wide, or as wide as the widest existing number.
    public static func nextFileName(slug: String, existing: [String]) -> String {
        let numbers = existing.filter { $0.hasSuffix(".sql") }.compactMap { MigrationFile.numericPrefix(of: $0) }
        let width = max(4, numbers.map(\.count).max() ?? 4)
        let next = (numbers.compactMap { Int($0) }.max() ?? 0) + 1
        let digits = String(next)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits + "_" + slug + ".sql"
    }

    public static func contents(name: String, description: String?, now: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        let oneLine = { (s: String) in s.replacingOccurrences(of: "\n", with: " ") }
        return """
            -- @name: \(oneLine(name))
            -- @description: \(oneLine(description ?? name))
            -- @timestamp: \(formatter.string(from: now))
            -- @rollbackSafe: true
            -- @performanceImpact: low
            -- @dependencies: []

            -- UP MIGRATION


            -- DOWN MIGRATION


            """
    }

    /// Writes the next migration into `folder` (created if missing) and returns its path.
    /// Never overwrites: an existing file of the same name is an error.
    public static func write(name: String, description: String?, folder: String, now: Date) throws(InputError) -> String {
        let path = try nextPath(slug: slug(name), folder: folder)
        try write(contents(name: name, description: description, now: now), to: path)
        return path
    }

    /// The path of the next migration file named `slug` in `folder` (created if missing).
    public static func nextPath(slug: String, folder: String) throws(InputError) -> String {
        let fm = FileManager.default
        do {
            try fm.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw InputError(path: folder, message: "cannot create the folder: \(error.localizedDescription)")
        }
        let existing: [String]
        do { existing = try fm.contentsOfDirectory(atPath: folder) } catch {
            throw InputError(path: folder, message: "cannot list the folder")
        }
        return (folder as NSString).appendingPathComponent(nextFileName(slug: slug, existing: existing))
    }

    /// Writes a new migration file; never replaces one.
    public static func write(_ text: String, to path: String) throws(InputError) {
        do {
            // .withoutOverwriting: a file created meanwhile by someone else is never replaced.
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .withoutOverwriting)
        } catch {
            let reason = FileManager.default.fileExists(atPath: path) ? "already exists" : "cannot write: \(error.localizedDescription)"
            throw InputError(path: path, message: reason)
        }
    }
}
