import StrataCore
import Testing

@Suite("Migration order")
struct MigrationOrderTests {
    @Test func tiesAreBrokenById() {
        let order = MigrationOrder(dependencies: ["0003_c": [], "0001_a": [], "0002_b": []])
        #expect(order.ordered == ["0001_a", "0002_b", "0003_c"])
        #expect(order.cycles.isEmpty)
    }

    @Test func dependenciesComeFirst() {
        let order = MigrationOrder(dependencies: ["0001_a": ["0003_c"], "0002_b": [], "0003_c": ["0002_b"], "0004_d": ["0001_a", "missing"]])
        #expect(order.ordered == ["0002_b", "0003_c", "0001_a", "0004_d"])
    }

    @Test func cyclesAreFoundAndPlacedLast() {
        let order = MigrationOrder(dependencies: ["a": ["b"], "b": ["c"], "c": ["a"], "d": [], "e": ["c"], "f": ["f"]])
        #expect(order.ordered == ["d", "a", "b", "c", "e", "f"])
        #expect(order.cycles["a"]?.description == "a → b → c → a")
        #expect(order.cycles["c"]?.description == "c → a → b → c")
        #expect(order.cycles["f"]?.description == "f → f")
        #expect(order.cycles["e"] == nil, "depending on a cycle is not being in one")
        #expect(order.cycles["d"] == nil)
    }

    @Test func longChainsDoNotOverflow() {
        var dependencies: [String: [String]] = [:]
        for i in 0..<20_000 { dependencies[String(format: "%06d", i)] = i == 0 ? ["019999"] : [String(format: "%06d", i - 1)] }
        let order = MigrationOrder(dependencies: dependencies)
        #expect(order.cycles.count == 20_000)
        #expect(order.cycles["000005"]?.description == "000005 → 000004 → 000003 → 000002 → 000001 → 000000 → 019999 → 019998 → … (20000 migrations) → 000005")
        #expect(order.ordered.count == 20_000)
    }
}
