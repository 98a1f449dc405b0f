import CGit2
import CLibraryLoader
import Foundation
import StrataCore

/// A libgit2 failure, with libgit2's own message.
public struct GitError: Error, LocalizedError, Sendable, Equatable {
    public var message: String
    /// libgit2's error code (`GIT_ENOTFOUND`, ...).
    public var code: Int32

    public init(message: String, code: Int32 = -1) {
        self.message = message
        self.code = code
    }

    public var errorDescription: String? { message }

    /// The last libgit2 error of this thread, for a call that returned `code`.
    static func last(_ code: Int32, _ what: String) -> GitError {
        if let error = git_error_last(), let message = error.pointee.message {
            return GitError(message: "\(what): \(String(cString: message))", code: code)
        }
        return GitError(message: "\(what): libgit2 error \(code)", code: code)
    }
}

/// libgit2 needs one global initialisation before any call.
public enum LibGit2 {
    static let initialized: Int32 = {
        let count = git_libgit2_init()
        _ = strata_git_disable_strict_hash_verification()
        return count
    }()

    @inline(__always) static func ensure() { _ = initialized }

    /// Starts the initialisation on another thread, for a command that will read the
    /// repository soon: Debian's libgit2 parses the whole CA bundle at initialisation (its TLS
    /// is mbedTLS, which has no lazy loading), about 50M instructions that a local read never
    /// needs, and the caller's own start (configuration, layout detection) can run meanwhile.
    /// The first real call waits for it, if it is not done.
    public static func warmUp() {
        Thread { ensure() }.start()
    }

    /// Runs a libgit2 call and throws its error when it fails.
    @inline(__always)
    static func check(_ code: Int32, _ what: @autoclosure () -> String) throws(GitError) {
        if code < 0 { throw GitError.last(code, what()) }
    }
}

/// A commit (or other object) id.
public struct ObjectID: Sendable, Hashable, CustomStringConvertible {
    var raw: git_oid

    init(_ raw: git_oid) { self.raw = raw }

    public var description: String {
        var copy = raw
        var buffer = [CChar](repeating: 0, count: 41)
        git_oid_tostr(&buffer, 41, &copy)
        return String(decoding: buffer.prefix(40).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public var short: String { String(description.prefix(10)) }

    public static func == (a: ObjectID, b: ObjectID) -> Bool {
        var x = a.raw, y = b.raw
        return git_oid_equal(&x, &y) != 0
    }

    public func hash(into hasher: inout Hasher) {
        withUnsafeBytes(of: raw) { hasher.combine(bytes: $0) }
    }
}

extension GitError: UserError {
    public var exitStatus: ExitStatus { .environment }
    public var userMessage: String { message }
}
