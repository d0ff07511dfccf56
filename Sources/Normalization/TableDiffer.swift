import ReferenceCatalog

/// Compares one table's local and remote rows under the normalization contract.
///
/// Rows are matched by primary key, never by position: each side's canonical keys are put in order (a side
/// that is already in key order, as both providers deliver it, costs one linear check; a reversed or
/// shuffled side is sorted) and the two sides are merged. For each matched pair every catalog column is
/// checked: a value that does not fit its column is a `type` difference; otherwise the normalized values are
/// compared (raw values that are already equal skip normalization, since normalization is a function). Keys
/// that are not catalog columns are `type` differences. Remote-only rows whose `source_type` is `admin` are
/// listed under `adminRows`, or reported as extra when `strict`.
public struct TableDiffer: Sendable {
    public var strict: Bool

    public init(strict: Bool = false) { self.strict = strict }

    public func compare(local: ReferenceTable, remote: ReferenceTable) -> TableComparison {
        precondition(local.spec == remote.spec, "comparing different tables")
        let spec = local.spec
        var differences: [Difference] = []
        var adminRows: [JSONObject] = []
        var compared = 0

        let localKeys = local.rows.map { canonicalKey($0, spec: spec) }
        let remoteKeys = remote.rows.map { canonicalKey($0, spec: spec) }
        let localOrder = Self.keyOrder(localKeys)
        let remoteOrder = Self.keyOrder(remoteKeys)

        var l = 0
        var r = 0
        while l < localOrder.count || r < remoteOrder.count {
            // A key repeated on one side: report every repetition, compare the first occurrence.
            if l > 0, l < localOrder.count, localKeys[localOrder[l]] == localKeys[localOrder[l - 1]] {
                differences.append(duplicate(local.rows[localOrder[l]], spec: spec, side: .local))
                l += 1
                continue
            }
            if r > 0, r < remoteOrder.count, remoteKeys[remoteOrder[r]] == remoteKeys[remoteOrder[r - 1]] {
                differences.append(duplicate(remote.rows[remoteOrder[r]], spec: spec, side: .remote))
                r += 1
                continue
            }
            let localKey = l < localOrder.count ? localKeys[localOrder[l]] : nil
            let remoteKey = r < remoteOrder.count ? remoteKeys[remoteOrder[r]] : nil
            if let localKey, let remoteKey, localKey == remoteKey {
                compareRows(local.rows[localOrder[l]], remote.rows[remoteOrder[r]], spec: spec, into: &differences)
                compared += 1
                l += 1
                r += 1
            } else if let localKey, remoteKey == nil || localKey < remoteKey! {
                differences.append(wholeRow(.missingInRemote, spec: spec, row: local.rows[localOrder[l]], side: .local))
                l += 1
            } else {
                let row = remote.rows[remoteOrder[r]]
                if row.sourceType == "admin" && !strict {
                    adminRows.append(keyObject(row, spec: spec))
                } else {
                    differences.append(wholeRow(.extraInRemote, spec: spec, row: row, side: .remote))
                }
                r += 1
            }
        }
        differences.sort(by: Self.reportOrder(spec))
        adminRows.sort { Self.keyPrecedes($0, $1) }
        if local.rows.isEmpty && remote.rows.isEmpty {
            differences.append(
                Difference(
                    kind: .emptyTable, table: spec.name, key: JSONObject(), field: nil, localRaw: nil, remoteRaw: nil,
                    localNormalized: nil, remoteNormalized: nil, rule: .emptyTable,
                    detail: "no rows on either side: nothing was compared (declare it with --allow-empty \(spec.name) "
                        + "if the table is empty on purpose)"))
        }
        return TableComparison(
            table: spec.name, localRows: local.rows.count, remoteRows: remote.rows.count, comparedRows: compared,
            differences: differences, adminRows: adminRows)
    }

    // MARK: - Rows

    /// Row positions in canonical key order. Canonical keys are NFC, so `String`'s ordering (by Unicode
    /// scalar value) is their UTF-8 byte order. Already-ordered input is recognised in one pass; the sort
    /// (a merging sort) handles reversed runs in linear time too.
    static func keyOrder(_ keys: [String]) -> [Int] {
        var sorted = true
        for index in keys.indices.dropFirst() where keys[index] < keys[index - 1] {
            sorted = false
            break
        }
        if sorted { return Array(keys.indices) }
        return keys.indices.sorted { keys[$0] < keys[$1] }
    }

    private func duplicate(_ row: ReferenceRow, spec: TableSpec, side: Difference.Side) -> Difference {
        Difference(
            kind: .duplicateKey, table: spec.name, key: keyObject(row, spec: spec), field: nil,
            localRaw: side == .local ? .object(row.object(spec: spec)) : nil,
            remoteRaw: side == .remote ? .object(row.object(spec: spec)) : nil,
            localNormalized: nil, remoteNormalized: nil, rule: .duplicateKey,
            detail: "the \(side.rawValue) side has more than one row with this key")
    }

    /// The key columns' canonical values joined by U+001F (which no canonical key contains unescaped).
    private func canonicalKey(_ row: ReferenceRow, spec: TableSpec) -> String {
        if spec.primaryKeyIndices.count == 1, case .string(let text)? = row.values[spec.primaryKeyIndices[0]] {
            return Normalizer.canonicalText(text)
        }
        var key = ""
        for (offset, position) in spec.primaryKeyIndices.enumerated() {
            if offset > 0 { key.append("\u{1F}") }
            switch row.values[position] {
            case .string(let text)?: key += Normalizer.canonicalText(text)
            case let other?: key += "\u{1E}" + other.description
            case nil: key += "\u{1E}absent"
            }
        }
        return key
    }

    /// The row's primary key as an object of column names and values.
    public func keyObject(_ row: ReferenceRow, spec: TableSpec) -> JSONObject {
        JSONObject(
            spec.primaryKeyIndices.map { JSONObject.Member(key: spec.columns[$0].name, value: row.values[$0] ?? .null) }
        )
    }

    private func wholeRow(
        _ kind: Difference.Kind, spec: TableSpec, row: ReferenceRow, side: Difference.Side
    ) -> Difference {
        let object = JSONValue.object(row.object(spec: spec))
        return Difference(
            kind: kind, table: spec.name, key: keyObject(row, spec: spec), field: nil,
            localRaw: side == .local ? object : nil, remoteRaw: side == .remote ? object : nil,
            localNormalized: nil, remoteNormalized: nil, rule: .rowPresence,
            detail: kind == .missingInRemote ? "row is missing in remote" : "row exists only in remote")
    }

    private func compareRows(
        _ local: ReferenceRow, _ remote: ReferenceRow, spec: TableSpec, into differences: inout [Difference]
    ) {
        for (position, column) in spec.columns.enumerated() {
            let localRaw = local.values[position]
            let remoteRaw = remote.values[position]
            if localRaw == remoteRaw, let raw = localRaw, Self.fitsType(raw, column: column) { continue }
            let localNormalized = Normalizer.normalize(localRaw, for: column)
            let remoteNormalized = Normalizer.normalize(remoteRaw, for: column)
            switch (localNormalized, remoteNormalized) {
            case (.value(let left), .value(let right)):
                if left != right || !CharacterDifference.sameBytes(left, right) {
                    differences.append(
                        Difference(
                            kind: .field, table: spec.name, key: keyObject(local, spec: spec), field: column.name,
                            localRaw: localRaw, remoteRaw: remoteRaw, localNormalized: left, remoteNormalized: right,
                            rule: NormalizationRule.rule(for: column),
                            detail: CharacterDifference.describe(left, right)))
                }
            default:
                var details: [String] = []
                if case .mismatch(let reason) = localNormalized { details.append("local: \(reason)") }
                if case .mismatch(let reason) = remoteNormalized { details.append("remote: \(reason)") }
                differences.append(
                    Difference(
                        kind: .type, table: spec.name, key: keyObject(local, spec: spec), field: column.name,
                        localRaw: localRaw, remoteRaw: remoteRaw, localNormalized: localNormalized.value,
                        remoteNormalized: remoteNormalized.value, rule: .typeMismatch,
                        detail: "\(column.type.postgresType) column; " + details.joined(separator: "; ")))
            }
        }
        for (side, row) in [(Difference.Side.local, local), (.remote, remote)] {
            for member in row.extra {
                differences.append(
                    Difference(
                        kind: .type, table: spec.name, key: keyObject(local, spec: spec), field: member.key,
                        localRaw: side == .local ? member.value : nil, remoteRaw: side == .remote ? member.value : nil,
                        localNormalized: nil, remoteNormalized: nil, rule: .unknownColumn,
                        detail: "the \(side.rawValue) row has a key that is not a column of \(spec.name)"))
            }
        }
    }

    /// Whether an already-equal raw value is of the column's type (so it may skip normalization).
    private static func fitsType(_ raw: JSONValue, column: ColumnSpec) -> Bool {
        switch (raw, column.type) {
        case (.null, _): column.isNullable
        case (.string, .text), (.bool, .boolean), (.object, .jsonObject): true
        case (.number(let number), .integer), (.number(let number), .smallint):
            ExactDecimal(number.literal)?.isInteger == true
        case (.number(let number), .numeric): ExactDecimal(number.literal) != nil
        case (.array(let elements), .textArray):
            elements.allSatisfy { if case .string = $0 { true } else { false } }
        default: false
        }
    }

    // MARK: - Order

    static func keyPrecedes(_ left: JSONObject, _ right: JSONObject) -> Bool {
        for (a, b) in zip(left.members, right.members) where a.value != b.value {
            return (a.value.stringValue ?? a.value.description).utf8.lexicographicallyPrecedes(
                (b.value.stringValue ?? b.value.description).utf8)
        }
        return false
    }

    static func reportOrder(_ spec: TableSpec) -> (Difference, Difference) -> Bool {
        { left, right in
            if left.key != right.key { return keyPrecedes(left.key, right.key) }
            let leftPosition = left.field.flatMap { spec.columnIndex[$0] } ?? -1
            let rightPosition = right.field.flatMap { spec.columnIndex[$0] } ?? -1
            if leftPosition != rightPosition { return leftPosition < rightPosition }
            return (left.field ?? "", left.kind.rawValue) < (right.field ?? "", right.kind.rawValue)
        }
    }
}

extension NormalizedField {
    public var value: JSONValue? {
        if case .value(let value) = self { return value }
        return nil
    }
}
