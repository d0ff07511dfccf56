import Normalization
import ReferenceCatalog
import Testing

/// Each rule equates what it should, and a near miss is still caught.
@Suite("Normalization rules")
struct RuleTests {
    static let exercises = ReferenceCatalog.table(named: "exercises")!
    static let units = ReferenceCatalog.table(named: "units")!
    static let formulas = ReferenceCatalog.table(named: "scoring_formulas")!
    static let coefficients = ReferenceCatalog.table(named: "scoring_coefficients")!
    static let equipment = ReferenceCatalog.table(named: "equipment")!
    static let difficulty = ReferenceCatalog.table(named: "difficulty_levels")!

    /// Compares one field of otherwise identical rows built from `base`.
    func compare(
        _ spec: TableSpec, base: JSONObject, field: String, local: JSONValue?, remote: JSONValue?
    )
        -> [Difference]
    {
        var localObject = base
        var remoteObject = base
        localObject[field] = local
        remoteObject[field] = remote
        let left = ReferenceTable(spec: spec, rows: [ReferenceRow(object: localObject, spec: spec)])
        let right = ReferenceTable(spec: spec, rows: [ReferenceRow(object: remoteObject, spec: spec)])
        return TableDiffer().compare(local: left, remote: right).differences
    }

    static let exerciseBase = JSONObject([
        "exercise_key": "barbell-squat", "name": "Barbell Squat", "category_key": "strength", "force_key": "push",
        "mechanic_key": "compound", "level_key": "beginner", "license_key": "unlicense",
        "one_rm_formula_key": "epley", "source_id": "Barbell_Squat", "instructions": ["Stand.", "Squat."],
        "image_paths": ["Barbell_Squat/0.jpg", "Barbell_Squat/1.jpg"],
    ])

    @Test(
        "text: trimmed at both ends and NFC, nothing else",
        arguments: [
            ("Barbell Squat", " Barbell Squat\n", true), ("Barbell Squat", "Barbell Squat\u{00A0}", true),
            ("Café", "Cafe\u{301}", true), ("Barbell Squat", "Barbell  Squat", false),
            ("Barbell Squat", "barbell squat", false), ("Barbell Squat", "Barbell Squat.", false),
            ("Barbell Squat", "Barbell\u{200B}Squat", false),
        ])
    func text(local: String, remote: String, equal: Bool) {
        let found = compare(
            Self.exercises, base: Self.exerciseBase, field: "name", local: .string(local), remote: .string(remote))
        #expect(found.isEmpty == equal, "\(found)")
        if !equal {
            #expect(found.map(\.kind) == [.field])
            #expect(found.first?.rule == .textTrimNFC)
            #expect(found.first?.field == "name")
        }
    }

    @Test("nullable text: missing, null, empty and blank are all null; \"\" vs \"0\" is not")
    func nullableText() {
        let blankForms: [JSONValue?] = [nil, .null, "", "   ", "\t\n"]
        for left in blankForms {
            for right in blankForms {
                #expect(
                    compare(Self.exercises, base: Self.exerciseBase, field: "source_id", local: left, remote: right)
                        .isEmpty)
            }
        }
        let found = compare(Self.exercises, base: Self.exerciseBase, field: "source_id", local: "", remote: "0")
        #expect(found.map(\.rule) == [.nullableTextBlankIsNull])
        let nullVersusText = compare(
            Self.exercises, base: Self.exerciseBase, field: "source_id", local: .null, remote: "NULL")
        #expect(nullVersusText.map(\.kind) == [.field])
    }

    @Test("required text: empty is a value, null and a missing key are type differences")
    func requiredText() {
        #expect(
            compare(Self.exercises, base: Self.exerciseBase, field: "name", local: "", remote: "0").map(\.kind) == [
                .field
            ])
        #expect(
            compare(Self.exercises, base: Self.exerciseBase, field: "name", local: "x", remote: .null).map(\.kind) == [
                .type
            ])
        let dropped = compare(Self.exercises, base: Self.exerciseBase, field: "name", local: "x", remote: nil)
        #expect(dropped.map(\.kind) == [.type])
        #expect(dropped.first?.detail?.contains("missing key") == true)
    }

    static let equipmentBase = JSONObject([
        "equipment_key": "barbell", "name": "Barbell", "equipment_category_key": "free-weights", "is_bodyweight": false,
    ])

    @Test(
        "booleans: true/false only; 1, 0 and \"true\" are type differences",
        arguments: [
            (JSONValue.bool(true), JSONValue.bool(true), nil), (.bool(true), .bool(false), Difference.Kind.field),
            (.bool(true), 1, .type), (.bool(false), 0, .type), (.bool(true), "true", .type),
        ])
    func booleans(local: JSONValue, remote: JSONValue, kind: Difference.Kind?) {
        let found = compare(
            Self.equipment, base: Self.equipmentBase, field: "is_bodyweight", local: local, remote: remote)
        #expect(found.map(\.kind) == (kind.map { [$0] } ?? []))
    }

    @Test(
        "integers: exact; a number sent as a string is a type difference",
        arguments: [
            ("2", "2", nil), ("2", "3", Difference.Kind.field), ("2", "2.0", nil), ("2", "2.5", .type),
        ])
    func integers(local: String, remote: String, kind: Difference.Kind?) {
        let base = JSONObject(["level_key": "intermediate", "name": "Intermediate", "rank": 2])
        let found = compare(
            Self.difficulty, base: base, field: "rank", local: .number(JSONNumber(literal: local)),
            remote: .number(JSONNumber(literal: remote)))
        #expect(found.map(\.kind) == (kind.map { [$0] } ?? []))
        let asString = compare(Self.difficulty, base: base, field: "rank", local: 2, remote: "2")
        #expect(asString.map(\.kind) == [.type])
    }

    @Test(
        "decimals: exact by value, never rounded, even without a declared scale",
        arguments: [
            ("1.10", "1.1", true), ("0.45359237", "4.5359237e-1", true), ("-0.0000010930", "-0.000001093", true),
            ("7.5", "7.7", false), ("1.1", "1.1000001", false), ("0.45359237", "0.45359237000000003", false),
            ("1", "-1", false),
        ])
    func decimals(local: String, remote: String, equal: Bool) {
        let base = JSONObject(["formula_key": "dots", "variant": "male", "coefficient": "a", "value": 1])
        let found = compare(
            Self.coefficients, base: base, field: "value", local: .number(JSONNumber(literal: local)),
            remote: .number(JSONNumber(literal: remote)))
        #expect(found.isEmpty == equal, "\(found)")
        if !equal { #expect(found.first?.rule == .decimalExact) }
    }

    @Test("a binary double read back from SQLite is compared by its shortest round-trip decimal")
    func doubles() {
        let base = JSONObject(["formula_key": "dots", "variant": "male", "coefficient": "a", "value": 1])
        let double = 0.45359237
        let found = compare(
            Self.coefficients, base: base, field: "value", local: .number(JSONNumber(literal: "\(double)")),
            remote: .number(JSONNumber(literal: "0.45359237")))
        #expect(found.isEmpty)
        let sum = 0.1 + 0.2  // 0.30000000000000004: the binary error shows and is caught
        let caught = compare(
            Self.coefficients, base: base, field: "value", local: .number(JSONNumber(literal: "\(sum)")),
            remote: .number(JSONNumber(literal: "0.3")))
        #expect(caught.map(\.kind) == [.field])
    }

    @Test("ordered arrays keep their order; elements are trimmed; an empty element is kept")
    func orderedArrays() {
        #expect(
            compare(
                Self.exercises, base: Self.exerciseBase, field: "instructions", local: ["a", "b"], remote: [" a", "b "]
            ).isEmpty)
        let reordered = compare(
            Self.exercises, base: Self.exerciseBase, field: "instructions", local: ["a", "b"], remote: ["b", "a"])
        #expect(reordered.map(\.rule) == [.arrayOrdered])
        let droppedEmpty = compare(
            Self.exercises, base: Self.exerciseBase, field: "instructions", local: ["a", "", "b"], remote: ["a", "b"])
        #expect(droppedEmpty.map(\.kind) == [.field])
        let nullElement = compare(
            Self.exercises, base: Self.exerciseBase, field: "instructions", local: ["a"], remote: [.null])
        #expect(nullElement.map(\.kind) == [.type])
    }

    static let unitBase = JSONObject([
        "unit_key": "lb", "name": "pound", "symbol": "lb", "metric_type_key": "weight",
        "si_factor": .number(JSONNumber(literal: "0.45359237")), "aliases": ["lbs", "pound"],
    ])

    @Test("set arrays: order ignored, duplicates kept and reported")
    func setArrays() {
        #expect(
            compare(
                Self.units, base: Self.unitBase, field: "aliases", local: ["lbs", "pound"], remote: ["pound", "lbs"]
            ).isEmpty)
        let duplicated = compare(
            Self.units, base: Self.unitBase, field: "aliases", local: ["lbs", "pound"], remote: ["lbs", "pound", "lbs"])
        #expect(duplicated.map(\.rule) == [.arraySet])
        #expect(duplicated.first?.remoteNormalized == ["lbs", "lbs", "pound"])
    }

    static let formulaBase = JSONObject([
        "formula_key": "dots", "name": "DOTS", "kind": "relative_strength", "expression": "x",
        "variables": .object(JSONObject(["bw": "body weight", "clamp": .object(JSONObject(["male": [40, 210]]))])),
    ])

    @Test("JSON objects: key order ignored, nested values compared")
    func jsonObjects() throws {
        let reordered = try JSONParser.parse(#"{"clamp": {"male": [40.0, 210]}, "bw": "body weight"}"#)
        #expect(
            compare(
                Self.formulas, base: Self.formulaBase, field: "variables", local: Self.formulaBase["variables"],
                remote: reordered
            ).isEmpty)
        let changed = try JSONParser.parse(#"{"bw": "body weight", "clamp": {"male": [40, 211]}}"#)
        let found = compare(
            Self.formulas, base: Self.formulaBase, field: "variables", local: Self.formulaBase["variables"],
            remote: changed)
        #expect(found.map(\.rule) == [.jsonObject])
        let reorderedArray = try JSONParser.parse(#"{"bw": "body weight", "clamp": {"male": [210, 40]}}"#)
        #expect(
            compare(
                Self.formulas, base: Self.formulaBase, field: "variables", local: Self.formulaBase["variables"],
                remote: reorderedArray
            ).count == 1)
    }

    @Test("rows: missing, extra, duplicate, admin (listed; failing when strict), and unknown columns")
    func rows() {
        let spec = Self.equipment
        func row(_ key: String, _ sourceType: String? = nil, extra: JSONObject = JSONObject()) -> ReferenceRow {
            var object = Self.equipmentBase
            object["equipment_key"] = .string(key)
            if let sourceType { object["source_type"] = .string(sourceType) }
            for member in extra { object[member.key] = member.value }
            return ReferenceRow(object: object, spec: spec)
        }
        let local = ReferenceTable(spec: spec, rows: [row("a"), row("b"), row("c"), row("c")])
        let remote = ReferenceTable(
            spec: spec,
            rows: [
                row("d", "seed"), row("b", "seed", extra: JSONObject(["colour": "red"])), row("z", "admin"),
                row("a", "seed"),
            ])
        let result = TableDiffer().compare(local: local, remote: remote)
        #expect(
            result.differences.map { "\($0.kind.rawValue) \($0.keyDescription) \($0.field ?? "-")" } == [
                "type equipment_key=b colour", "duplicate_key equipment_key=c -", "missing_in_remote equipment_key=c -",
                "extra_in_remote equipment_key=d -",
            ])
        #expect(result.adminRows == [JSONObject(["equipment_key": "z"])])
        let strict = TableDiffer(strict: true).compare(local: local, remote: remote)
        #expect(strict.adminRows.isEmpty)
        #expect(strict.differences.contains { $0.kind == .extraInRemote && $0.keyDescription == "equipment_key=z" })
    }

    @Test("row order and key order within a row do not matter")
    func order() throws {
        let spec = Self.equipment
        let first = ReferenceRow(object: Self.equipmentBase, spec: spec)
        var secondObject = Self.equipmentBase
        secondObject["equipment_key"] = "cable"
        let second = ReferenceRow(object: secondObject, spec: spec)
        let shuffled = try JSONParser.parse(
            #"{"is_bodyweight": false, "name": "Barbell", "equipment_category_key": "free-weights", "equipment_key": "barbell"}"#
        )
        let local = ReferenceTable(spec: spec, rows: [first, second])
        let remote = ReferenceTable(
            spec: spec, rows: [second, ReferenceRow(object: shuffled.objectValue!, spec: spec)])
        #expect(TableDiffer().compare(local: local, remote: remote).passed)
    }
}
