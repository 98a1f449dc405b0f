/// Writes JSON pretty-printed (two-space indentation, `"key": value`, `[]` and `{}` when empty)
/// as it goes: the SARIF log, whose results are written as they come.
struct PrettyJSON {
    let output: ReportOutput
    /// For each container open, whether it has a member yet.
    private var filled: [Bool] = []

    init(_ output: ReportOutput) { self.output = output }

    mutating func open(_ bracket: StaticString) {
        output.write(bracket)
        filled.append(false)
    }

    mutating func close(_ bracket: StaticString) {
        if filled.removeLast() { newline() }
        output.write(bracket)
    }

    /// Starts an array's next element.
    mutating func element() {
        if filled[filled.count - 1] { output.write(",") }
        filled[filled.count - 1] = true
        newline()
    }

    /// Starts an object's next member: `"key": `.
    mutating func key(_ key: String) {
        element()
        output.writeJSONString(key)
        output.write(": ")
    }

    private func newline() {
        output.write("\n")
        output.write(filled.count < Self.indents.count ? Self.indents[filled.count] : String(repeating: "  ", count: filled.count))
    }

    private static let indents = (0..<12).map { String(repeating: "  ", count: $0) }

    mutating func write(_ driver: SARIFLog.Driver) {
        open("{")
        key("name")
        output.writeJSONString(driver.name)
        if let informationUri = driver.informationUri {
            key("informationUri")
            output.writeJSONString(informationUri)
        }
        key("version")
        output.writeJSONString(driver.version)
        key("rules")
        open("[")
        for rule in driver.rules {
            element()
            write(rule)
        }
        close("]")
        close("}")
    }

    mutating func write(_ rule: SARIFLog.ReportingDescriptor) {
        open("{")
        key("id")
        output.writeJSONString(rule.id)
        key("name")
        output.writeJSONString(rule.name)
        key("shortDescription")
        write(rule.shortDescription)
        key("fullDescription")
        write(rule.fullDescription)
        if let help = rule.help {
            key("help")
            write(help)
        }
        if let helpUri = rule.helpUri {
            key("helpUri")
            output.writeJSONString(helpUri)
        }
        key("defaultConfiguration")
        open("{")
        key("level")
        output.writeJSONString(rule.defaultConfiguration.level)
        close("}")
        close("}")
    }

    mutating func write(_ message: SARIFLog.Message) {
        open("{")
        key("text")
        output.writeJSONString(message.text)
        close("}")
    }

    mutating func write(_ result: SARIFLog.Result) {
        open("{")
        key("ruleId")
        output.writeJSONString(result.ruleId)
        if let ruleIndex = result.ruleIndex {
            key("ruleIndex")
            output.write(ruleIndex)
        }
        key("level")
        output.writeJSONString(result.level)
        key("message")
        write(result.message)
        key("locations")
        open("[")
        for location in result.locations {
            element()
            open("{")
            key("physicalLocation")
            open("{")
            key("artifactLocation")
            write(location.physicalLocation.artifactLocation)
            key("region")
            open("{")
            key("startLine")
            output.write(location.physicalLocation.region.startLine)
            key("startColumn")
            output.write(location.physicalLocation.region.startColumn)
            close("}")
            close("}")
            close("}")
        }
        close("]")
        close("}")
    }

    mutating func write(_ location: SARIFLog.ArtifactLocation) {
        open("{")
        key("uri")
        output.writeJSONString(location.uri)
        if let uriBaseId = location.uriBaseId {
            key("uriBaseId")
            output.writeJSONString(uriBaseId)
        }
        close("}")
    }
}
