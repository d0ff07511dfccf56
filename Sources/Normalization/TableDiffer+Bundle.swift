import ReferenceCatalog

extension TableDiffer {
    /// Local against remote, as ``compare(local:remote:)``, with a third, independent side: the bundle's JSON
    /// as parsed without the loader (`bundle`). Both providers read the same loader's output, so what the
    /// loader and validator do to the data is invisible between them; against the bundle it shows.
    ///
    /// Each local-remote difference names its ``Difference/Outlier``: the side the other two agree against
    /// (or `all`). Where the two providers agree and the bundle does not, a difference with outlier `bundle`
    /// is added after the others, its values those of the providers and `bundleRaw` the bundle's; its kind
    /// reads with the bundle on the local side (`missing_in_remote`: the bundle has a row neither provider
    /// has).
    public func compare(local: ReferenceTable, remote: ReferenceTable, bundle: ReferenceTable) -> TableComparison {
        compare(local: local, remote: remote, bundle: bundleAgreement(bundle: bundle, local: local))
    }

    /// The bundle's half of the three-sided comparison, which needs no remote side: the bundle against the
    /// local provider, keeping of the bundle only its rows that disagree. A caller that has the local side
    /// first (the parity run) computes it early and lets the bundle's table go before the remote one is read.
    public func bundleAgreement(bundle: ReferenceTable, local: ReferenceTable) -> BundleAgreement {
        let againstLocal = compare(local: bundle, remote: local).differences
        let keys = Set(againstLocal.map(\.keyDescription))
        return BundleAgreement(
            againstLocal: againstLocal, disagreeingRows: keys.isEmpty ? [] : rows(of: bundle, keys))
    }

    /// ``compare(local:remote:bundle:)`` with the bundle's half already computed.
    public func compare(local: ReferenceTable, remote: ReferenceTable, bundle: BundleAgreement) -> TableComparison {
        var comparison = compare(local: local, remote: remote)
        let againstLocal = bundle.againstLocal
        let localLocations = Set(againstLocal.map(Self.location))
        // Where local and remote differ and the bundle agrees with local, it disagrees with remote. Only where
        // the bundle disagrees with local too must it be compared with remote: those rows alone are.
        let undecided = comparison.differences.filter { localLocations.contains(Self.location($0)) }
        var remoteLocations: Set<String> = []
        if !undecided.isEmpty {
            let keys = Set(undecided.map(\.keyDescription))
            let bundled = ReferenceTable(spec: local.spec, rows: bundle.disagreeingRows)
            let bundleRows = ReferenceTable(spec: local.spec, rows: rows(of: bundled, keys))
            let remoteRows = ReferenceTable(spec: remote.spec, rows: rows(of: remote, keys))
            remoteLocations = Set(compare(local: bundleRows, remote: remoteRows).differences.map(Self.location))
        }
        for index in comparison.differences.indices {
            let location = Self.location(comparison.differences[index])
            comparison.differences[index].outlier =
                !localLocations.contains(location) ? .remote : remoteLocations.contains(location) ? .all : .local
        }
        let reported = Set(comparison.differences.map(Self.location))
        for difference in againstLocal where !reported.contains(Self.location(difference)) {
            var bundleOnly = Difference(
                kind: difference.kind, table: difference.table, key: difference.key, field: difference.field,
                localRaw: difference.remoteRaw, remoteRaw: difference.remoteRaw,
                localNormalized: difference.remoteNormalized, remoteNormalized: difference.remoteNormalized,
                rule: difference.rule,
                detail: "the bundle's JSON disagrees with both providers" + (difference.detail.map { ": \($0)" } ?? ""))
            bundleOnly.outlier = .bundle
            bundleOnly.bundleRaw = difference.localRaw
            comparison.differences.append(bundleOnly)
        }
        return comparison
    }

    /// The rows of `table` whose key is one of `keys` (as `Difference.keyDescription` writes them).
    private func rows(of table: ReferenceTable, _ keys: Set<String>) -> [ReferenceRow] {
        table.rows.filter { keys.contains(Difference.describe(key: keyObject($0, spec: table.spec))) }
    }

    /// Where a difference is, whatever the sides: the key and the field (none for whole-row kinds).
    private static func location(_ difference: Difference) -> String {
        difference.keyDescription + "\u{0}" + (difference.field ?? "")
    }
}

/// The bundle's side of one table against the local provider's (``TableDiffer/bundleAgreement(bundle:local:)``):
/// what the comparison with the remote side later needs of it.
public struct BundleAgreement: Sendable {
    /// The bundle (on the local side) against the local provider (on the remote side).
    public let againstLocal: [Difference]
    /// The bundle's rows with a key in `againstLocal`.
    public let disagreeingRows: [ReferenceRow]
}
