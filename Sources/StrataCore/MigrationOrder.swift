/// Orders migrations by their `@dependencies` (a DAG), breaking ties by id, and finds cycles.
///
/// Kahn's algorithm with the ready set kept as a min-heap of ids: a migration runs after every
/// migration it depends on, and among those ready, the smallest id first. Dependencies on ids
/// outside the set are ignored for ordering (`unknown-dependency` reports them). Migrations in a
/// cycle, and those depending on one, cannot be ordered: they follow all others, by id.
public struct MigrationOrder: Sendable {
    /// Ids in the order to apply and lint them.
    public var ordered: [String]
    /// For each id in a cycle, one cycle through it.
    public var cycles: [String: DependencyCycle]

    /// `precedes` breaks ties (by default the ids' order as text; other tools' layouts order
    /// versions as those tools do).
    public init(dependencies: [String: [String]], precedes: ((String, String) -> Bool)? = nil) {
        // Ids sorted once; from then on a migration is its rank, and the ready set a heap of
        // integers (thousands of ids compared as strings at every step cost more than the rest).
        let ids = precedes.map { dependencies.keys.sorted(by: $0) } ?? dependencies.keys.sorted()
        var rank: [String: Int] = [:]
        rank.reserveCapacity(ids.count)
        for (i, id) in ids.enumerated() { rank[id] = i }
        var indegree = [Int](repeating: 0, count: ids.count)
        var dependents = [[Int]](repeating: [], count: ids.count)
        for (i, id) in ids.enumerated() {
            var seen: [Int] = []
            for dep in dependencies[id] ?? [] {
                guard let d = rank[dep], !seen.contains(d) else { continue }
                seen.append(d)
                indegree[i] += 1
                dependents[d].append(i)
            }
        }
        var heap = MinHeap(indegree.indices.filter { indegree[$0] == 0 })
        var ordered: [String] = []
        ordered.reserveCapacity(ids.count)
        while let next = heap.pop() {
            ordered.append(ids[next])
            for dependent in dependents[next] {
                indegree[dependent] -= 1
                if indegree[dependent] == 0 { heap.push(dependent) }
            }
        }
        var cycles: [String: DependencyCycle] = [:]
        if ordered.count < ids.count {
            let placed = Set(ordered)
            let rest = ids.filter { !placed.contains($0) }
            ordered += rest
            cycles = Self.findCycles(among: Set(rest), dependencies: dependencies)
        }
        self.ordered = ordered
        self.cycles = cycles
    }

    /// Tarjan's strongly connected components over the unplaced ids; every component with more
    /// than one member, or a self-dependency, is a cycle.
    private static func findCycles(among nodes: Set<String>, dependencies: [String: [String]]) -> [String: DependencyCycle] {
        var index = 0
        var indices: [String: Int] = [:]
        var lowlink: [String: Int] = [:]
        var stack: [String] = []
        var onStack: Set<String> = []
        var components: [[String]] = []

        func edges(_ v: String) -> [String] { (dependencies[v] ?? []).filter { nodes.contains($0) }.sorted() }

        // Iterative to survive long chains.
        for root in nodes.sorted() where indices[root] == nil {
            var work: [(node: String, next: Int)] = [(root, 0)]
            indices[root] = index; lowlink[root] = index; index += 1
            stack.append(root); onStack.insert(root)
            while !work.isEmpty {
                let (v, i) = work[work.count - 1]
                let out = edges(v)
                if i < out.count {
                    work[work.count - 1].next += 1
                    let w = out[i]
                    if indices[w] == nil {
                        indices[w] = index; lowlink[w] = index; index += 1
                        stack.append(w); onStack.insert(w)
                        work.append((w, 0))
                    } else if onStack.contains(w) {
                        lowlink[v] = min(lowlink[v]!, indices[w]!)
                    }
                } else {
                    work.removeLast()
                    if let parent = work.last?.node { lowlink[parent] = min(lowlink[parent]!, lowlink[v]!) }
                    if lowlink[v] == indices[v] {
                        var component: [String] = []
                        while let w = stack.popLast() {
                            onStack.remove(w)
                            component.append(w)
                            if w == v { break }
                        }
                        components.append(component)
                    }
                }
            }
        }

        var cycles: [String: DependencyCycle] = [:]
        for component in components {
            let members = Set(component)
            let selfLoop = component.count == 1 && (dependencies[component[0]] ?? []).contains(component[0])
            guard component.count > 1 || selfLoop else { continue }
            // One cycle serves every member on it (read from that member on); only members off
            // it need a search of their own, so a long cycle costs linear time, not quadratic.
            let shared = Array(path(from: component.min()!, within: members, dependencies: dependencies).dropLast())
            var position: [String: Int] = [:]
            for (i, id) in shared.enumerated() { position[id] = i }
            for start in component {
                if let i = position[start] {
                    let shown = (0..<min(shared.count, DependencyCycle.shownLength)).map { shared[(i + $0) % shared.count] }
                    cycles[start] = DependencyCycle(path: shown, length: shared.count)
                } else {
                    let own = Array(path(from: start, within: members, dependencies: dependencies).dropLast())
                    cycles[start] = DependencyCycle(path: Array(own.prefix(DependencyCycle.shownLength)), length: own.count)
                }
            }
        }
        return cycles
    }

    /// A shortest cycle from `start` back to itself inside one component (breadth-first).
    private static func path(from start: String, within members: Set<String>, dependencies: [String: [String]]) -> [String] {
        var previous: [String: String] = [:]
        var queue = [start]
        var head = 0
        while head < queue.count {
            let v = queue[head]; head += 1
            for w in (dependencies[v] ?? []).sorted() where members.contains(w) {
                if w == start {
                    var path = [start]
                    var node = v
                    while node != start { path.append(node); node = previous[node]! }
                    // `path` runs backwards along dependency edges: start ← ... ; reverse it so it
                    // reads "start depends on x, which depends on ... start".
                    return [start] + path.dropFirst().reversed() + [start]
                }
                if previous[w] == nil, w != start {
                    previous[w] = v
                    queue.append(w)
                }
            }
        }
        return [start, start]
    }
}

/// A cycle of dependencies: the first migrations along it (from the one it is reported for)
/// and how many migrations it holds in all.
public struct DependencyCycle: Sendable, Hashable, CustomStringConvertible {
    static let shownLength = 8
    public var path: [String]
    public var length: Int

    /// `a → b → c → a`, or `a → b → … (40 migrations) → a` for a long one.
    public var description: String {
        guard let first = path.first else { return "" }
        let middle = length > path.count ? path + ["… (\(length) migrations)"] : path
        return (middle + [first]).joined(separator: " → ")
    }
}

/// A binary min-heap of integers (ranks of ids), for the ready set.
struct MinHeap {
    private var items: [Int] = []

    init(_ values: [Int]) {
        for value in values { push(value) }
    }

    mutating func push(_ value: Int) {
        items.append(value)
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard items[i] < items[parent] else { break }
            items.swapAt(i, parent)
            i = parent
        }
    }

    mutating func pop() -> Int? {
        guard !items.isEmpty else { return nil }
        items.swapAt(0, items.count - 1)
        let top = items.removeLast()
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var smallest = i
            if l < items.count, items[l] < items[smallest] { smallest = l }
            if r < items.count, items[r] < items[smallest] { smallest = r }
            if smallest == i { break }
            items.swapAt(i, smallest)
            i = smallest
        }
        return top
    }
}
