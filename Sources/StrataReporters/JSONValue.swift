import StrataCore

/// A JSON value whose objects keep their keys in the order written, serialised by hand so the
/// output is byte-for-byte stable (`JSONEncoder` does not promise key order).
enum JSONValue: Sendable {
    case string(String)
    case int(Int)
    case bool(Bool)
    case null
    case array([JSONValue])
    case object([(key: String, value: JSONValue)])

    /// A string, or `null` when there is none.
    static func optional(_ string: String?) -> JSONValue {
        string.map(JSONValue.string) ?? .null
    }

    // MARK: - Serialising

    /// Everything on one line, no spaces.
    func compact() -> String {
        var out = ""
        write(into: &out, indent: nil, depth: 0)
        return out
    }

    /// One member per line, indented by `indent` spaces per level, `"key": value`.
    /// `depth` levels in (the first line is not indented: the caller has placed it).
    func pretty(indent: Int = 2, depth: Int = 0) -> String {
        var out = ""
        write(into: &out, indent: indent, depth: depth)
        return out
    }

    private func write(into out: inout String, indent: Int?, depth: Int) {
        switch self {
        case .string(let string):
            out += JSONValue.quote(string)
        case .int(let int):
            out += String(int)
        case .bool(let bool):
            out += bool ? "true" : "false"
        case .null:
            out += "null"
        case .array(let elements):
            writeContainer(elements, open: "[", close: "]", into: &out, indent: indent, depth: depth) { element, out in
                element.write(into: &out, indent: indent, depth: depth + 1)
            }
        case .object(let members):
            writeContainer(members, open: "{", close: "}", into: &out, indent: indent, depth: depth) { member, out in
                out += JSONValue.quote(member.key)
                out += indent == nil ? ":" : ": "
                member.value.write(into: &out, indent: indent, depth: depth + 1)
            }
        }
    }

    private func writeContainer<Element>(
        _ elements: [Element], open: String, close: String, into out: inout String, indent: Int?, depth: Int,
        writeElement: (Element, inout String) -> Void
    ) {
        out += open
        guard !elements.isEmpty else {
            out += close
            return
        }
        for (index, element) in elements.enumerated() {
            if index > 0 { out += "," }
            if let indent { out += "\n" + String(repeating: " ", count: indent * (depth + 1)) }
            writeElement(element, &out)
        }
        if let indent { out += "\n" + String(repeating: " ", count: indent * depth) }
        out += close
    }

    // MARK: - Escaping

    /// `string` as a JSON string literal (`JSONText.quote`).
    static func quote(_ string: String) -> String { JSONText.quote(string) }
}
