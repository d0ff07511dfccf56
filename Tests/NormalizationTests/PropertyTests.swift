import Normalization
import PropertyBased
import ReferenceCatalog
import Testing

/// Properties over generated values: normalization is idempotent, and any single-field change that the
/// contract does not name as an equivalence is detected.
@Suite("Normalization properties")
struct PropertyTests {
    static let exercises = ReferenceCatalog.table(named: "exercises")!
    static let units = ReferenceCatalog.table(named: "units")!

    /// Text with the characters that matter: letters, inner and outer whitespace, non-ASCII, combining marks.
    static let text = Gen.oneOf(
        Gen.letterOrNumber.string(of: 0...12),
        Gen<String?>.element(of: [" ", "\t", "\n", "\u{00A0}", "é", "e\u{301}", "¾", "—", "x", "Y", "-", "0"])
            .compactMap { $0 }.array(of: 0...8).map { $0.joined() }
    )

    @Test("normalizing a normalized value changes nothing")
    func idempotent() async {
        await propertyCheck(count: 300, input: Self.text, Gen.int(in: -999_999...999_999), Gen.int(in: -8...8)) {
            text, mantissa, exponent in
            for column in Self.exercises.columns + Self.units.columns {
                let raw: JSONValue
                switch column.type {
                case .text: raw = .string(text)
                case .textArray: raw = .array([.string(text), .string(String(text.reversed())), .string(text)])
                case .numeric: raw = .number(JSONNumber(literal: "\(mantissa)e\(exponent)"))
                default: continue
                }
                guard case .value(let once) = Normalizer.normalize(raw, for: column) else { continue }
                #expect(Normalizer.normalize(once, for: column) == .value(once), "\(column.name): \(raw)")
            }
        }
    }

    /// A random exercise row, from generated parts.
    static func makeRow(key: String, name: String, instructions: [String], hasForce: Bool) -> JSONObject {
        let steps: [JSONValue] = instructions.enumerated().map { offset, step in .string("\(offset). \(step)") }
        let images: [JSONValue] = instructions.map { step in .string(step + ".jpg") }
        var row = JSONObject()
        row.append("exercise_key", .string(key.lowercased() + "-x"))
        row.append("name", .string(name + "n"))
        row.append("category_key", "strength")
        row.append("force_key", hasForce ? "push" : .null)
        row.append("mechanic_key", "compound")
        row.append("level_key", "beginner")
        row.append("license_key", "unlicense")
        row.append("one_rm_formula_key", .null)
        row.append("source_id", .string(key))
        row.append("instructions", .array(steps))
        row.append("image_paths", .array(images))
        return row
    }

    /// Mutations that change a field's normalized value.
    static func mutate(_ value: JSONValue?, column: ColumnSpec, choice: Int) -> JSONValue {
        switch (column.type, value) {
        case (.text, .string(let text)?): return .string(choice % 2 == 0 ? text + "!" : "!" + text)
        case (.text, _): return "set"
        case (.textArray, .array(let elements)?):
            switch choice % 3 {
            case 0: return .array(Array(elements.reversed()))  // elements are distinct: order changes
            case 1: return .array(elements + ["extra"])
            default: return .array(elements.dropLast() + [.string((elements.last?.stringValue ?? "") + "?")])
            }
        default: return "unexpected"
        }
    }

    @Test("any single-field change of a row is detected, at that field and only there")
    func singleFieldMutationDetected() async {
        await propertyCheck(
            count: 300, input: Gen.letterOrNumber.string(of: 1...20), Self.text,
            Gen.letterOrNumber.string(of: 1...10).array(of: 2...5), Gen.bool, Gen.int(in: 1...10), Gen.int(in: 0...5)
        ) { key, name, instructions, hasForce, column, choice in
            let object = Self.makeRow(key: key, name: name, instructions: instructions, hasForce: hasForce)
            let spec = Self.exercises
            let target = spec.columns[column]
            var mutated = object
            mutated[target.name] = Self.mutate(object[target.name], column: target, choice: choice)
            let local = ReferenceTable(spec: spec, rows: [ReferenceRow(object: object, spec: spec)])
            let remote = ReferenceTable(spec: spec, rows: [ReferenceRow(object: mutated, spec: spec)])
            let differences = TableDiffer().compare(local: local, remote: remote).differences
            #expect(
                differences.count == 1,
                "\(target.name): \(object[target.name].map { "\($0)" } ?? "nil") -> \(mutated[target.name]!)")
            #expect(differences.first?.field == target.name)
        }
    }
}
