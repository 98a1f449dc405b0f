/// Pairs UP files with their DOWN files, for layouts that keep them apart.
enum FilePairing {
    /// What a file is to its layout.
    struct Role {
        /// Files with the same key are one migration.
        var key: String
        /// The migration's id.
        var id: String
        var isDown: Bool
        /// Where the other file of the pair would be, for a file named alone on the command line
        /// (a pre-commit hook passes the staged file; its partner may be unchanged on disk).
        var partner: String
        /// Where to look when the other file of the pair is missing under `key`: the key of the
        /// generic file of a file meant for one database (ory/popx pairs `x.sqlite3.down.sql`
        /// with a generic `x.up.sql`, and `x.postgres.up.sql` with a generic `x.down.sql`).
        var fallbackKey: String? = nil
    }

    /// One entry a migration, each UP file carrying its DOWN file. `role` says what a file is,
    /// nil to leave it out (a Flyway callback), or throws for a `.sql` file the layout has no
    /// place for. A DOWN file without its UP file is an error: nothing would run forward.
    static func pair(_ files: [DiscoveredFile], role: (DiscoveredFile) throws(InputError) -> Role?) throws(InputError) -> [DiscoveredFile] {
        var keys: [String] = []
        var ups: [String: (DiscoveredFile, Role)] = [:]
        var downs: [String: (DiscoveredFile, Role)] = [:]
        for file in files {
            guard let role = try role(file) else { continue }
            if ups[role.key] == nil, downs[role.key] == nil { keys.append(role.key) }
            if role.isDown {
                if downs[role.key] == nil { downs[role.key] = (file, role) }
            } else if let existing = ups[role.key] {
                throw InputError(path: file.path, message: "a second UP file for migration \(role.id) (the first is \(existing.0.path))")
            } else {
                ups[role.key] = (file, role)
            }
        }
        var result: [DiscoveredFile] = []
        result.reserveCapacity(keys.count)
        // Generic DOWN files that files meant for one database use in place of their own.
        let borrowed = Set(ups.values.compactMap(\.1.fallbackKey))
        for key in keys {
            if let (up, role) = ups[key] {
                var unit = up
                unit.id = role.id
                if let (down, _) = downs[key] {
                    unit.down = .init(path: down.path, rawPath: down.rawPath)
                } else if let fallback = role.fallbackKey, let (down, _) = downs[fallback] {
                    unit.down = .init(path: down.path, rawPath: down.rawPath)
                } else if up.namedAlone, FileDiscovery.fileExists(role.partner) {
                    unit.down = .init(path: role.partner)
                }
                result.append(unit)
            } else if let (down, role) = downs[key], let fallback = role.fallbackKey, let (up, _) = ups[fallback] {
                result.append(DiscoveredFile(path: up.path, id: role.id, rawPath: up.rawPath, down: .init(path: down.path, rawPath: down.rawPath)))
            } else if borrowed.contains(key) {
                continue   // the DOWN of UP files meant for one database each
            } else if let (down, role) = downs[key] {
                guard down.namedAlone, FileDiscovery.fileExists(role.partner) else {
                    throw InputError(path: down.path, message: "a DOWN file without its UP file (\(role.partner)): nothing would run forward")
                }
                var unit = DiscoveredFile(path: role.partner, id: role.id, down: .init(path: down.path, rawPath: down.rawPath))
                unit.namedAlone = true
                result.append(unit)
            }
        }
        return result
    }

    /// The folder part of a path with its trailing `/` (empty for a bare name).
    static func folder(_ path: Substring) -> Substring {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return path[...slash]
    }

    /// The name after the last `/`.
    static func name(_ path: Substring) -> Substring {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return path[path.index(after: slash)...]
    }
}
