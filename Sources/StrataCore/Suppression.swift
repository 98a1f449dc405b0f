import Foundation
import StrataSyntax

/// A `-- strata:ignore RULE[,RULE] [reason]` comment (covers the statement after it) or a
/// `-- strata:ignore-file RULE[,RULE]` comment in the header (covers the whole file).
public struct Suppression: Sendable, Hashable {
    public enum Scope: Sendable, Hashable {
        case file
        /// The statement that follows the comment, as a byte range; nil when no statement follows.
        case statement(Range<Int>?)
    }

    public var scope: Scope
    /// The rule ids named, each with where it is written.
    public var rules: [(id: String, range: SourceRange)]
    public var reason: String?
    /// The comment itself.
    public var range: SourceRange
    /// An `ignore-file` written outside the header, which therefore covers nothing.
    public var misplaced = false

    public init(scope: Scope, rules: [(id: String, range: SourceRange)], reason: String?, range: SourceRange) {
        self.scope = scope
        self.rules = rules
        self.reason = reason
        self.range = range
    }

    public func covers(rule: String, offset: Int) -> Bool {
        guard !misplaced, rules.contains(where: { $0.id == rule }) else { return false }
        switch scope {
        case .file: return true
        case .statement(let range): return range?.contains(offset) ?? false
        }
    }

    public static func == (a: Suppression, b: Suppression) -> Bool {
        a.range == b.range && a.scope == b.scope && a.rules.map(\.id) == b.rules.map(\.id)
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(range.start.offset) }
}

extension Suppression {
    /// Finds the suppression comments of a file. `header` is the token range where
    /// `ignore-file` is allowed; `statements` are the statements of the file in order.
    public static func parse(_ source: SourceText, header: Range<Int>, statements: [Statement]) -> [Suppression] {
        // Most files have no suppression at all: one search of the bytes answers for them.
        guard mentionsStrata(source.bytes) else { return [] }
        var result: [Suppression] = []
        var nextStatement = 0
        for (index, token) in source.tokens.enumerated() where token.kind == .lineComment {
            // Cheap pre-check before decoding: the comment must mention "strata:".
            guard token.length > 14, containsMarker(source, token) else { continue }
            let text = source.text(of: token)
            var body = Substring(text.dropFirst(2)).drop { $0 == " " || $0 == "\t" }
            let isFile: Bool
            if body.hasPrefix("strata:ignore-file") {
                isFile = true
                body = body.dropFirst("strata:ignore-file".count)
            } else if body.hasPrefix("strata:ignore") {
                isFile = false
                body = body.dropFirst("strata:ignore".count)
            } else {
                continue
            }
            guard body.isEmpty || body.first == " " || body.first == "\t" else { continue }
            let (rules, reason) = parseRuleList(body, source: source, commentStart: token.offset, commentText: text)
            let range = SourceRange(start: token.start, end: source.position(at: token.endOffset))
            if isFile {
                var suppression = Suppression(scope: .file, rules: rules, reason: reason, range: range)
                suppression.misplaced = !header.contains(index)
                result.append(suppression)
            } else {
                while nextStatement < statements.count, statements[nextStatement].range.start.offset < token.offset {
                    nextStatement += 1
                }
                var covered: Range<Int>? = nil
                if nextStatement < statements.count {
                    let statement = statements[nextStatement]
                    // Only trivia may stand between the comment and the statement.
                    let between = source.tokens[(index + 1)..<statement.tokens.lowerBound]
                    if between.allSatisfy({ $0.kind.isTrivia }) {
                        covered = statement.range.start.offset..<max(statement.range.end.offset, statement.range.start.offset + 1)
                    }
                }
                result.append(Suppression(scope: .statement(covered), rules: rules, reason: reason, range: range))
            }
        }
        return result
    }

    private static func containsMarker(_ source: SourceText, _ token: Token) -> Bool {
        let marker = Array("strata:".utf8)
        let bytes = source.bytes
        var i = token.offset
        let end = token.endOffset - marker.count
        while i <= end {
            if bytes[i] == marker[0] {
                var k = 1
                while k < marker.count, bytes[i + k] == marker[k] { k += 1 }
                if k == marker.count { return true }
            }
            i += 1
        }
        return false
    }

    /// `a,b reason` or `a, b reason`: ids until a word that neither ends nor follows a comma.
    /// Whether `strata:` occurs anywhere in the bytes: each `:` found with memchr (vectorised
    /// in the C library; SQL has few colons) is checked for the word before it.
    static func mentionsStrata(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return false }
            var from = 0
            while from < buffer.count, let hit = memchr(base + from, Int32(UInt8(ascii: ":")), buffer.count - from) {
                let colon = UnsafePointer<UInt8>(hit.assumingMemoryBound(to: UInt8.self)) - base
                if colon >= 6, buffer[(colon - 6)..<colon].elementsEqual("strata".utf8) { return true }
                from = colon + 1
            }
            return false
        }
    }

    private static func parseRuleList(_ body: Substring, source: SourceText, commentStart: Int,
                                      commentText: String) -> ([(id: String, range: SourceRange)], String?) {
        var rules: [(id: String, range: SourceRange)] = []
        let utf8 = Array(commentText.utf8)
        var i = utf8.count - body.utf8.count
        func skipSpaces() { while i < utf8.count, utf8[i] == 32 || utf8[i] == 9 { i += 1 } }
        var expectMore = true
        while expectMore {
            skipSpaces()
            let start = i
            while i < utf8.count, utf8[i] != 32, utf8[i] != 9, utf8[i] != UInt8(ascii: ",") { i += 1 }
            if i > start {
                let id = String(decoding: utf8[start..<i], as: UTF8.self)
                let position = source.position(at: commentStart + start)
                rules.append((id, SourceRange(start: position, end: source.position(at: commentStart + i))))
            }
            let afterWord = i
            skipSpaces()
            if i < utf8.count, utf8[i] == UInt8(ascii: ",") {
                i += 1
                expectMore = true
            } else {
                i = afterWord
                expectMore = false
            }
            if i >= utf8.count { break }
        }
        skipSpaces()
        let reason = i < utf8.count ? String(decoding: utf8[i...], as: UTF8.self) : nil
        return (rules, reason?.isEmpty == true ? nil : reason)
    }
}
