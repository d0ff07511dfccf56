import Normalization
import ReferenceCatalog
import Testing

/// Local against remote with the bundle's JSON as a third side: each difference names the side that
/// disagrees, and what both providers agree on against the bundle is reported too.
@Suite("Three-way comparison")
struct ThreeWayTests {
    static let spec = ReferenceCatalog.table(named: "force_types")!

    func table(_ names: [String: String?]) -> ReferenceTable {
        ReferenceTable(
            spec: Self.spec,
            rows: names.sorted { $0.key < $1.key }.compactMap { key, name in
                name.map {
                    ReferenceRow(object: JSONObject(["force_key": .string(key), "name": .string($0)]), spec: Self.spec)
                }
            })
    }

    @Test("each local-remote difference names its outlier: the backend, the local provider, or all three")
    func outliers() {
        let bundle = table(["pull": "Pull", "push": "Push", "static": "Static", "twist": "Twist"])
        let local = table(["pull": "Pull", "push": "Push (local)", "static": "Static A", "twist": "Twist"])
        let remote = table(["pull": "Pull (remote)", "push": "Push", "static": "Static B", "twist": nil])
        let comparison = TableDiffer().compare(local: local, remote: remote, bundle: bundle)
        let outliers = Dictionary(
            uniqueKeysWithValues: comparison.differences.map { ($0.keyDescription, $0.outlier) })
        #expect(outliers["force_key=pull"] == .remote)
        #expect(outliers["force_key=push"] == .local)
        #expect(outliers["force_key=static"] == .all)
        #expect(outliers["force_key=twist"] == .remote)  // a row the backend lacks
        #expect(comparison.differences.count == 4)
        #expect(comparison.differences.allSatisfy { $0.bundleRaw == nil })
    }

    @Test("where both providers agree and the bundle does not, a difference says so, with the bundle's value")
    func bundleOutlier() {
        let bundle = table(["pull": "Pull", "push": "Push (bundle)", "static": "Static"])
        let providers = table(["pull": "Pull", "push": "Push", "static": "Static", "twist": "Twist"])
        let comparison = TableDiffer().compare(local: providers, remote: providers, bundle: bundle)
        #expect(comparison.differences.count == 2, "\(comparison.differences)")
        let push = comparison.differences.first { $0.keyDescription == "force_key=push" }
        #expect(push?.outlier == .bundle)
        #expect(push?.kind == .field && push?.field == "name")
        #expect(push?.bundleRaw == .string("Push (bundle)"))
        #expect(push?.localRaw == .string("Push") && push?.remoteRaw == .string("Push"))
        // A row both providers have and the bundle does not.
        let twist = comparison.differences.first { $0.keyDescription == "force_key=twist" }
        #expect(twist?.outlier == .bundle && twist?.kind == .extraInRemote)
        // Without the bundle, local against remote has nothing to say.
        #expect(TableDiffer().compare(local: providers, remote: providers).differences.isEmpty)
    }

    @Test("the bundle agreeing with both sides adds nothing and names no outlier")
    func agreement() {
        let rows = table(["pull": "Pull", "push": "Push"])
        let comparison = TableDiffer().compare(local: rows, remote: rows, bundle: rows)
        #expect(comparison.differences.isEmpty && comparison.comparedRows == 2)
    }
}
