import Foundation
import StrataApply
import Testing

/// The checker the metrics tests rely on must be able to fail: each bad input below is one a
/// lenient reader would let through.
@Suite("Prometheus text format: the strict checker, and PrometheusText")
struct PrometheusTextCheckerTests {
    static let good = """
        # HELP strata_rollbacks_total Rollbacks, with a \\\\ and a \\n in the help.
        # TYPE strata_rollbacks_total counter
        strata_rollbacks_total{database="sqlite:a\\"b\\\\c\\nd"} 2
        # A plain comment.
        # TYPE strata_migrations gauge
        strata_migrations{database="x",state="applied"} 3
        strata_migrations{state="pending",database="x",} 1.5e0 1700000000000
        strata_migrations{database="x",state="failed"} NaN

        # TYPE strata_age_seconds gauge
        strata_age_seconds -Inf

        """

    @Test func readsWhatTheFormatAllows() throws {
        let checked = try PrometheusTextChecker(Self.good)
        #expect(checked.families.map(\.name) == ["strata_rollbacks_total", "strata_migrations", "strata_age_seconds"])
        #expect(checked.family("strata_rollbacks_total")?.help == "Rollbacks, with a \\ and a \n in the help.")
        #expect(checked.value("strata_rollbacks_total") == 2)
        #expect(checked.family("strata_rollbacks_total")?.samples.first?.labels == ["database": "sqlite:a\"b\\c\nd"])
        #expect(checked.value("strata_migrations", ["state": "pending"]) == 1.5)
        #expect(checked.value("strata_migrations", ["state": "failed"])?.isNaN == true)
        #expect(checked.value("strata_age_seconds") == -.infinity)
        #expect(try PrometheusTextChecker("").families.isEmpty)
    }

    static let bad: [(String, String)] = [
        ("# TYPE a gauge\na 1", "does not end with a newline"),
        ("a 1\n", "before any TYPE"),
        ("# TYPE a gauge\n# TYPE a counter\na 1\n", "second TYPE"),
        ("# HELP a x\n# HELP a y\n# TYPE a gauge\na 1\n", "second HELP"),
        ("# TYPE a gauge\na 1\n# HELP a late\n", "after its samples"),
        ("# TYPE a gauge\na 1\n# TYPE a gauge\n", "after its samples"),
        ("# TYPE a gauges\na 1\n", "unknown type"),
        ("# TYPE 1a gauge\n", "invalid metric name"),
        ("# TYPE a-b gauge\na-b 1\n", "invalid metric name"),
        ("# TYPE a gauge\na{1x=\"v\"} 1\n", "invalid label name"),
        ("# TYPE a gauge\na{__name=\"v\"} 1\n", "invalid label name"),
        ("# TYPE a gauge\na{l=v} 1\n", "no quoted value"),
        ("# TYPE a gauge\na{l=\"a\"b\"} 1\n", "expected , or }"),
        ("# TYPE a gauge\na{l=\"a\\tb\"} 1\n", "invalid escape"),
        ("# HELP a bad \\t escape\n# TYPE a gauge\na 1\n", "invalid escape"),
        ("# TYPE a gauge\na{l=\"x\",l=\"y\"} 1\n", "given twice"),
        ("# TYPE a gauge\na{l=\"x\"} 1\na{l=\"x\"} 2\n", "given twice"),
        ("# TYPE a gauge\na 1,5\n", "invalid value"),
        ("# TYPE a gauge\na one\n", "invalid value"),
        ("# TYPE a gauge\na\n", "no value"),
        ("# TYPE a gauge\na 1 2.5\n", "invalid timestamp"),
        ("# TYPE a gauge\na 1 2 3\n", "invalid value"),
        ("# TYPE a counter\na -1\n", "counter a is -1"),
        ("# TYPE a gauge\n# TYPE b gauge\na 1\nb 1\na{x=\"y\"} 2\n", "not together"),
        ("# TYPE a_total counter\na_total_sum 1\n", "in counter family"),
        ("# TYPE b gauge\na 1\n", "before any TYPE"),
        ("# TYPE a gauge\na{l=\"x\" 1\n", "expected , or }"),
    ]

    @Test(arguments: Self.bad)
    func refusesWhatTheFormatDoesNot(_ input: String, _ expected: String) {
        do {
            _ = try PrometheusTextChecker(input)
            Issue.record("accepted: \(input.debugDescription)")
        } catch let failure as PrometheusTextChecker.Failure {
            #expect(failure.message.contains(expected), "\(failure)")
        } catch {
            Issue.record("\(error)")
        }
    }

    /// What PrometheusText writes reads back as it was given: names, HELP and label values
    /// with backslashes, quotes and newlines, and numbers.
    @Test func prometheusTextRoundTrips() throws {
        var text = PrometheusText()
        let awkward = "sqlite:/tmp/we\"ird\\dir\nnext/app.db"
        text.family("strata_things_total", .counter, help: "Things, \\ with a\nnewline.")
        text.sample("strata_things_total", ["database": awkward, "state": "ok"], 3)
        text.family("strata_age_seconds", .gauge, help: "An age.")
        text.sample("strata_age_seconds", [:], 12.3456)
        text.sample("strata_age_seconds", ["x": ""], 1_796_091_156.942)
        let checked = try PrometheusTextChecker(text.output)
        #expect(checked.family("strata_things_total")?.help == "Things, \\ with a\nnewline.")
        #expect(checked.value("strata_things_total", ["database": awkward]) == 3)
        #expect(checked.value("strata_age_seconds", ["x": ""]) == 1_796_091_156.942)
        #expect(text.output.contains("strata_age_seconds 12.346\n"))
        #expect(text.output.hasSuffix("\n"))
        #expect(!PrometheusText.isValidName("strata-x") && !PrometheusText.isValidName("9x") && PrometheusText.isValidName("a:b_c9"))
    }
}
