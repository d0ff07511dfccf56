/// Checks one table's JSON document against its catalog spec and aligns the rows with the columns. Used for
/// the bundled source files and, with `allowsSystemColumns`, for the API's documents (the app's side).
struct RowValidator {
    let spec: TableSpec
    /// Where the rows come from, for problems: the source file by default.
    let origin: String
    /// The API's rows carry `source_type` (and `is_active`); the source never does.
    let allowsSystemColumns: Bool
    var problems: [SourceProblem] = []
    /// The primary keys of every row whose key could be read, valid or not: references to a row that has
    /// problems of its own are not reported a second time.
    var keys: Set<[String]> = []

    /// The longest key value a btree index entry takes (PostgreSQL refuses index rows over about a third of an
    /// 8 kB page; 2,700 bytes leaves room for the other key columns).
    static let maximumKeyBytes = 2_700

    init(spec: TableSpec, origin: String? = nil, allowsSystemColumns: Bool = false) {
        self.spec = spec
        self.origin = origin ?? spec.sourceFileName
        self.allowsSystemColumns = allowsSystemColumns
    }

    mutating func validate(document: JSONValue) -> [[JSONValue]] {
        guard case .array(let elements) = document else {
            problem(.shape, message: "the top level must be a JSON array of row objects, found \(document.kindName)")
            return []
        }
        var rows: [[JSONValue]] = []
        rows.reserveCapacity(elements.count)
        var seenKeys: [[String]: Int] = [:]
        var seenUnique: [[String]: [[JSONValue]: Int]] = [:]
        for (index, element) in elements.enumerated() {
            guard case .object(let object) = element else {
                problem(.shape, row: index, message: "each row must be a JSON object, found \(element.kindName)")
                continue
            }
            var row = [JSONValue](repeating: .null, count: spec.columns.count)
            let objectKey = spec.primaryKey.map { object[$0]?.stringValue ?? "" }
            keys.insert(objectKey)
            // The key as text, for problems only: built when one is recorded, not for every row.
            let primaryKey = spec.primaryKey
            let key = { primaryKey.map { object[$0]?.stringValue ?? "?" }.joined(separator: ", ") }
            for member in object where spec.columnIndex[member.key] == nil {
                if allowsSystemColumns, ReferenceCatalog.systemColumns.contains(member.key) {
                    let fits: Bool
                    if member.key == "is_active" {
                        if case .bool = member.value { fits = true } else { fits = false }
                    } else {
                        fits = ["seed", "admin"].contains(member.value.stringValue ?? "")
                    }
                    if !fits {
                        problem(
                            .type, row: index, key: key(), field: member.key,
                            message: member.key == "is_active"
                                ? "expected true or false, found \(member.value.kindName)"
                                : "expected \"seed\" or \"admin\", found \(member.value)")
                    }
                    continue
                }
                let hint =
                    ReferenceCatalog.systemColumns.contains(member.key)
                    ? " (\(member.key) is managed by the database, never by the source)" : ""
                problem(.unknownKey, row: index, key: key(), field: member.key, message: "unknown key\(hint)")
            }
            var valid = true
            for (position, column) in spec.columns.enumerated() {
                guard let value = object[column.name] else {
                    if let defaultValue = column.defaultValue {
                        row[position] = defaultValue
                    } else if !column.isNullable {
                        problem(
                            .missingKey, row: index, key: key(), field: column.name, message: "missing required key")
                        valid = false
                    }
                    continue
                }
                if check(value, column: column, row: index, key: key) {
                    row[position] = value
                } else {
                    valid = false
                }
            }
            guard valid else { continue }
            let keyValues = objectKey
            if let first = seenKeys[keyValues] {
                problem(
                    .duplicateKey, row: index, key: key(), field: spec.primaryKey.joined(separator: ","),
                    message: "duplicate primary key, first used by row \(first)")
                continue
            }
            seenKeys[keyValues] = index
            for unique in spec.uniqueConstraints {
                let values = unique.compactMap { spec.columnIndex[$0] }.map { row[$0] }
                if let first = seenUnique[unique, default: [:]][values] {
                    problem(
                        .duplicateUnique, row: index, key: key(), field: unique.joined(separator: ","),
                        message: "must be unique, but row \(first) has the same value")
                }
                seenUnique[unique, default: [:]][values] = index
            }
            rows.append(row)
        }
        return rows
    }

    /// Whether `value` fits `column`; records a problem when it does not.
    private mutating func check(_ value: JSONValue, column: ColumnSpec, row: Int, key: () -> String) -> Bool {
        func fail(_ kind: SourceProblem.Kind, _ message: String) -> Bool {
            problem(kind, row: row, key: key(), field: column.name, message: message)
            return false
        }
        if value == .null {
            return column.isNullable ? true : fail(.nullInRequired, "null in a required column")
        }
        switch column.type {
        case .text:
            guard case .string(let text) = value else {
                return fail(.type, "expected a string, found \(value.kindName) \(value)")
            }
            if text.utf8.contains(0) {
                return fail(.invalidText, "contains a NUL character, which PostgreSQL text cannot hold")
            }
            if spec.primaryKey.contains(column.name) || column.isSlug, text.utf8.count > Self.maximumKeyBytes {
                return fail(
                    .tooLong,
                    "\(text.utf8.count) bytes: a key value longer than \(Self.maximumKeyBytes) bytes does not fit an index"
                )
            }
            if column.isSlug && !ReferenceCatalog.isSlug(text) {
                return fail(.invalidSlug, "\"\(text)\" is not a lowercase kebab-case slug")
            }
            if let allowed = column.allowedValues, !allowed.contains(text) {
                return fail(.check, "\"\(text)\" is not one of \(allowed.joined(separator: ", "))")
            }
        case .integer, .smallint:
            guard case .number(let number) = value else {
                return fail(.type, "expected an integer, found \(value.kindName) \(value)")
            }
            guard let integer = number.int64Value else {
                return fail(.type, "expected an integer, found \(number.literal)")
            }
            if let range = column.type.integerRange, !range.contains(integer) {
                return fail(.outOfRange, "\(integer) is outside \(column.type.postgresType) range")
            }
        case .boolean:
            guard case .bool = value else {
                return fail(.type, "expected true or false, found \(value.kindName) \(value)")
            }
        case .numeric:
            guard case .number(let number) = value else {
                return fail(.type, "expected an exact decimal number, found \(value.kindName) \(value)")
            }
            guard let decimal = ExactDecimal(number.literal), abs(decimal.exponent) <= 1000 else {
                return fail(.inexactDecimal, "\(number.literal) cannot be stored as an exact decimal")
            }
            // The app computes with it as a Double (unit conversion, scoring): it must be one.
            guard number.finiteDoubleValue != nil else {
                return fail(
                    .outOfRange,
                    "\(number.literal) is outside the range of a Double, which the app reads it into "
                        + "(finite, at most \(Double.greatestFiniteMagnitude), and not so small it becomes 0)")
            }
        case .textArray:
            guard case .array(let elements) = value else {
                return fail(.type, "expected an array of strings, found \(value.kindName)")
            }
            for (position, element) in elements.enumerated() {
                guard case .string(let text) = element else {
                    return fail(.type, "element \(position) must be a string, found \(element.kindName) \(element)")
                }
                if text.utf8.contains(0) {
                    return fail(
                        .invalidText, "element \(position) contains a NUL character, which PostgreSQL text cannot hold")
                }
            }
        case .jsonObject:
            guard case .object = value else {
                return fail(.type, "expected a JSON object, found \(value.kindName)")
            }
            if value.description.contains("\\u0000") {
                return fail(.invalidText, "contains a NUL character, which PostgreSQL jsonb cannot hold")
            }
        }
        return true
    }

    private mutating func problem(
        _ kind: SourceProblem.Kind, row: Int? = nil, key: String? = nil, field: String? = nil, message: String
    ) {
        problems.append(
            SourceProblem(
                kind, file: origin, table: spec.name, row: row, key: key, field: field, message: message))
    }
}
