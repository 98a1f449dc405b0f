import Foundation

/// How Strata writes JSON: every command's document, every line of the event log, the backup
/// manifests, and the models the lint reports are checked against go through this one
/// `JSONEncoder` configuration.
///
/// - Keys are the output types' `CodingKeys`, snake_case (JSONContractTests reads every document
///   and event line and fails on any other key); keys sorted by their bytes, so the same value
///   always gives the same text.
/// - `/` is not escaped; quotes, backslashes and control characters are, everything else
///   (non-ASCII included) is written as it is (UTF-8).
/// - An optional a type leaves nil is left out, unless it is `@ExplicitNull` (written `null`).
///
/// The lint reports (`json`, `sarif`, `gitlab`) are streamed by hand for speed, in the key order
/// their formats document; their tests pin the text they stream to this encoding of their models.
public enum StrataJSON {
    /// `"version"` of every document a command prints, the version of its shape: raised only
    /// when a key changes meaning or goes away; new keys may come in any release.
    public static let documentVersion = 1

    /// A command's document: `body`'s keys and `"version"`, pretty-printed (two-space indent,
    /// `"key" : value`), with one trailing newline.
    public static func document(_ body: some Encodable) throws -> String {
        try text(Versioned(version: documentVersion, body: body), pretty: true) + "\n"
    }

    /// `value` on one line, without spaces and without a newline (a line of the event log).
    public static func line(_ value: some Encodable) throws -> String {
        try text(value, pretty: false)
    }

    /// `value` pretty-printed as `document` lays it out, without `"version"` or a newline.
    public static func pretty(_ value: some Encodable) throws -> String {
        try text(value, pretty: true)
    }

    private static func text(_ value: some Encodable, pretty: Bool) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// `body`'s keys with `"version"` beside them, in one object.
    private struct Versioned<Body: Encodable>: Encodable {
        var version: Int
        var body: Body

        enum CodingKeys: String, CodingKey { case version }

        func encode(to encoder: any Encoder) throws {
            try body.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(version, forKey: .version)
        }
    }
}

/// An optional a document writes as `null` when it is nil, where a synthesized `Encodable`
/// would leave the key out: the documents of the commands name every key they can have.
@propertyWrapper
public struct ExplicitNull<Value> {
    public var wrappedValue: Value?

    public init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }
}

extension ExplicitNull: Encodable where Value: Encodable {
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let wrappedValue { try container.encode(wrappedValue) } else { try container.encodeNil() }
    }
}

extension ExplicitNull: Sendable where Value: Sendable {}
extension ExplicitNull: Equatable where Value: Equatable {}
