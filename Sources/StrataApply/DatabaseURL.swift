import Foundation
import StrataSyntax

/// Where the database is: `sqlite:PATH`, `sqlite://PATH`, `sqlite::memory:`, or
/// `postgres://` / `postgresql://user:pass@host:port/db?sslmode=...` (libpq parameters pass
/// through; PGPASSWORD and friends apply as libpq reads them). The password is kept only to
/// connect: `description` and `redacted` replace it with `***`, and no error repeats it.
public struct DatabaseURL: Sendable, CustomStringConvertible {
    public enum Target: Sendable, Equatable {
        /// A file path, or `:memory:`.
        case sqlite(path: String)
        /// The URL handed to libpq as it is (libpq reads URIs itself).
        case postgres(connectionString: String)
    }

    public let target: Target
    /// The URL with the password replaced by `***`.
    public let redacted: String
    /// The password (decoded), for the client programs' PGPASSWORD and for redacting the URL
    /// where a driver message repeats it.
    let password: String?

    public var dialect: Dialect {
        switch target {
        case .sqlite: .sqlite
        case .postgres: .postgresql
        }
    }

    public var description: String { redacted }

    /// The embedded default: an SQLite file under `./data`.
    public static let defaultURL = "sqlite:./data/app.db"

    public init(_ string: String) throws(ApplyError) {
        let trimmed = string.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("sqlite:") {
            var path = String(trimmed.dropFirst("sqlite:".count))
            if path.hasPrefix("//") { path = String(path.dropFirst(2)) }
            guard !path.isEmpty else { throw ApplyError(.invalidURL, "sqlite: URL names no file (write sqlite:./data/app.db or sqlite::memory:)") }
            target = .sqlite(path: path)
            redacted = trimmed
            password = nil
            return
        }
        guard trimmed.hasPrefix("postgres://") || trimmed.hasPrefix("postgresql://") else {
            // Never echo the value: it may be a password pasted into the wrong place. Name the
            // scheme only when there clearly is one.
            let expected = "expected sqlite:PATH, postgres:// or postgresql://"
            guard let colon = trimmed.firstIndex(of: ":"), trimmed[colon...].hasPrefix("://"),
                  let scheme = Self.safeScheme(String(trimmed[..<colon])) else {
                throw ApplyError(.invalidURL, "the database URL is not a URL; \(expected)")
            }
            throw ApplyError(.invalidURL, "unsupported database URL scheme '\(scheme)'; \(expected)")
        }
        let (redacted, password) = Self.redact(trimmed)
        guard URLComponents(string: trimmed) != nil else {
            throw ApplyError(.invalidURL, "malformed database URL \(redacted) (percent-encode special characters in the user name and password)")
        }
        self.target = .postgres(connectionString: trimmed)
        self.redacted = redacted
        self.password = password
    }

    /// `scheme://user:secret@host` → `scheme://user:***@host`, and the password; `password=`
    /// query parameters too.
    static func redact(_ url: String) -> (String, String?) {
        var result = url
        var password: String? = nil
        if let schemeEnd = url.range(of: "://") {
            let rest = url[schemeEnd.upperBound...]
            // The user information ends at the last `@` before the path or query; when there is
            // none there, at the last `@` anywhere: a password with an unencoded `/` or `?`
            // must not end the authority early and be shown (such a URL is refused, and its
            // error message shows it redacted).
            let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
            if let at = rest[..<authorityEnd].lastIndex(of: "@") ?? rest.lastIndex(of: "@") {
                let userInfo = rest[..<at]
                if let colon = userInfo.firstIndex(of: ":") {
                    password = String(userInfo[userInfo.index(after: colon)...]).removingPercentEncoding
                    result = String(url[..<schemeEnd.upperBound]) + userInfo[..<colon] + ":***" + url[at...]
                }
            }
        }
        if let range = result.range(of: "password=", options: .caseInsensitive) {
            let valueEnd = result[range.upperBound...].firstIndex(of: "&") ?? result.endIndex
            let value = String(result[range.upperBound..<valueEnd])
            if password == nil { password = value.removingPercentEncoding }
            result.replaceSubrange(range.upperBound..<valueEnd, with: "***")
        }
        return (result, password)
    }

    /// A URL scheme as RFC 3986 spells one (a letter, then letters, digits, + - .), short.
    private static func safeScheme(_ scheme: String) -> String? {
        guard let first = scheme.first, first.isASCII, first.isLetter, scheme.count <= 20,
              scheme.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) }) else { return nil }
        return scheme
    }

    /// `text` (a message from libpq, the server or a client program) with the URL's password
    /// redacted where the URL's parts appear: the whole URL, `user:PASSWORD@` (as written in
    /// the URL, or decoded), and any `password=VALUE`. The password's text elsewhere is left
    /// alone: those messages never hold it otherwise (libpq and the server name the host, user
    /// and database only), and replacing every occurrence would reveal a short one (`refused`
    /// in "Connection refused", or `on` anywhere, turned into `***`).
    func scrub(_ text: String) -> String {
        guard let password, !password.isEmpty, case .postgres(let connectionString) = target else { return text }
        var out = text.replacingOccurrences(of: connectionString, with: redacted)
        var forms = [password]
        if let written = Self.writtenPassword(connectionString), written != password { forms.append(written) }
        if let encoded = password.addingPercentEncoding(withAllowedCharacters: .alphanumerics), !forms.contains(encoded) {
            forms.append(encoded)
        }
        for form in forms { out = out.replacingOccurrences(of: ":" + form + "@", with: ":***@") }
        return Self.redactPasswordParameters(out)
    }

    /// The password as written in a URL's user information (percent-encoded or not).
    private static func writtenPassword(_ url: String) -> String? {
        guard let schemeEnd = url.range(of: "://") else { return nil }
        let rest = url[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        guard let at = rest[..<authorityEnd].lastIndex(of: "@") ?? rest.lastIndex(of: "@"),
              let colon = rest[..<at].firstIndex(of: ":") else { return nil }
        return String(rest[rest.index(after: colon)..<at])
    }

    /// Every `password=VALUE` (any case; the value ends at `&`, a space or a quote) as
    /// `password=***`.
    static func redactPasswordParameters(_ text: String) -> String {
        var out = ""
        var rest = text[...]
        while let range = rest.range(of: "password=", options: .caseInsensitive) {
            out += rest[..<range.upperBound]
            let value = rest[range.upperBound...]
            let end = value.firstIndex { $0 == "&" || $0 == "'" || $0 == "\"" || $0.isWhitespace } ?? value.endIndex
            if end > value.startIndex { out += "***" }
            rest = value[end...]
        }
        return out + rest
    }
}
