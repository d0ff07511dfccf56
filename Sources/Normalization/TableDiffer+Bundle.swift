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
        var comparison = compare(local: local, remote: remote)
        let againstLocal = compare(local: bundle, remote: local).differences
        let localLocations = Set(againstLocal.map(Self.location))
        // Where local and remote differ and the bundle agrees with local, it disagrees with remote. Only where
        // the bundle disagrees with local too must it be compared with remote: those rows alone are.
        let undecided = comparison.differences.filter { localLocations.contains(Self.location($0)) }
        var remoteLocations: Set<String> = []
        if !undecided.isEmpty {
            let keys = Set(undecided.map(\.keyDescription))
            func rows(_ table: ReferenceTable) -> ReferenceTable {
                ReferenceTable(
                    spec: table.spec,
                    rows: table.rows.filter { keys.contains(Difference.describe(key: keyObject($0, spec: table.spec))) }
                )
            }
            remoteLocations = Set(compare(local: rows(bundle), remote: rows(remote)).differences.map(Self.location))
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

    /// Where a difference is, whatever the sides: the key and the field (none for whole-row kinds).
    private static func location(_ difference: Difference) -> String {
        difference.keyDescription + "\u{0}" + (difference.field ?? "")
    }
}
