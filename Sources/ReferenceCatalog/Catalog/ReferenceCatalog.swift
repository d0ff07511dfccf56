/// The 20 reference tables, described once. The seed order, the validator, the SQLite import, the API's
/// table list and sort keys, and the normalizer all read this; no table list is written anywhere else.
public enum ReferenceCatalog {
    /// Columns every table has besides its catalog columns; the JSON source never carries them.
    public static let systemColumns = ["is_active", "source_type"]
    /// Values `source_type` may take.
    public static let sourceTypes = ["seed", "admin"]
    /// The slug pattern of natural keys, as a PostgreSQL regular expression.
    public static let slugPattern = "^[a-z0-9]+(-[a-z0-9]+)*$"

    /// All tables in a valid seed order: every table comes after the tables it references.
    public static let tables: [TableSpec] = [
        TableSpec(
            name: "body_regions",
            columns: [key("body_region_key"), ColumnSpec("name", .text), ColumnSpec("sort_order", .integer)],
            primaryKey: ["body_region_key"]
        ),
        TableSpec(
            name: "muscle_groups",
            columns: [
                key("muscle_group_key"), ColumnSpec("name", .text), key("body_region_key"),
                ColumnSpec("sort_order", .integer),
            ],
            primaryKey: ["muscle_group_key"],
            foreignKeys: [fk("body_region_key", "body_regions")]
        ),
        TableSpec(
            name: "muscles",
            columns: [
                key("muscle_key"), ColumnSpec("name", .text), ColumnSpec("latin_name", .text, nullable: true),
                key("muscle_group_key"), ColumnSpec("is_front", .boolean, nullable: true),
            ],
            primaryKey: ["muscle_key"],
            foreignKeys: [fk("muscle_group_key", "muscle_groups")]
        ),
        TableSpec(
            name: "equipment_categories",
            columns: [key("equipment_category_key"), ColumnSpec("name", .text), ColumnSpec("sort_order", .integer)],
            primaryKey: ["equipment_category_key"]
        ),
        TableSpec(
            name: "equipment",
            columns: [
                key("equipment_key"), ColumnSpec("name", .text), key("equipment_category_key"),
                ColumnSpec("is_bodyweight", .boolean),
            ],
            primaryKey: ["equipment_key"],
            foreignKeys: [fk("equipment_category_key", "equipment_categories")]
        ),
        TableSpec(
            name: "exercise_categories",
            columns: [
                key("category_key"), ColumnSpec("name", .text), ColumnSpec("description", .text, nullable: true),
                ColumnSpec("sort_order", .integer),
            ],
            primaryKey: ["category_key"]
        ),
        TableSpec(
            name: "force_types",
            columns: [key("force_key"), ColumnSpec("name", .text)],
            primaryKey: ["force_key"]
        ),
        TableSpec(
            name: "mechanic_types",
            columns: [key("mechanic_key"), ColumnSpec("name", .text)],
            primaryKey: ["mechanic_key"]
        ),
        TableSpec(
            name: "difficulty_levels",
            columns: [key("level_key"), ColumnSpec("name", .text), ColumnSpec("rank", .smallint)],
            primaryKey: ["level_key"],
            unique: [["rank"]]
        ),
        TableSpec(
            name: "licenses",
            columns: [
                key("license_key"), ColumnSpec("name", .text), ColumnSpec("url", .text, nullable: true),
                ColumnSpec("requires_attribution", .boolean),
            ],
            primaryKey: ["license_key"]
        ),
        TableSpec(
            name: "scoring_formulas",
            columns: [
                key("formula_key"), ColumnSpec("name", .text),
                ColumnSpec("kind", .text, allowedValues: ["one_rep_max", "relative_strength"]),
                ColumnSpec("expression", .text), ColumnSpec("min_reps", .smallint, nullable: true),
                ColumnSpec("max_reps", .smallint, nullable: true), ColumnSpec("citation", .text, nullable: true),
                ColumnSpec("variables", .jsonObject),
            ],
            primaryKey: ["formula_key"]
        ),
        TableSpec(
            name: "scoring_coefficients",
            columns: [key("formula_key"), key("variant"), key("coefficient"), ColumnSpec("value", .numeric)],
            primaryKey: ["formula_key", "variant", "coefficient"],
            foreignKeys: [fk("formula_key", "scoring_formulas")]
        ),
        TableSpec(
            name: "metric_types",
            columns: [
                key("metric_type_key"), ColumnSpec("name", .text),
                ColumnSpec("value_kind", .text, allowedValues: ["count", "mass", "distance", "duration"]),
            ],
            primaryKey: ["metric_type_key"]
        ),
        TableSpec(
            name: "units",
            columns: [
                key("unit_key"), ColumnSpec("name", .text), ColumnSpec("symbol", .text), key("metric_type_key"),
                ColumnSpec("si_factor", .numeric), ColumnSpec("aliases", .textArray(.set)),
            ],
            primaryKey: ["unit_key"],
            foreignKeys: [fk("metric_type_key", "metric_types")]
        ),
        TableSpec(
            name: "set_types",
            columns: [
                key("set_type_key"), ColumnSpec("name", .text), ColumnSpec("counts_toward_volume", .boolean),
                ColumnSpec("sort_order", .integer),
            ],
            primaryKey: ["set_type_key"]
        ),
        TableSpec(
            name: "exercises",
            columns: [
                key("exercise_key"), ColumnSpec("name", .text), key("category_key"),
                key("force_key", nullable: true), key("mechanic_key", nullable: true), key("level_key"),
                key("license_key"), key("one_rm_formula_key", nullable: true),
                ColumnSpec("source_id", .text, nullable: true), ColumnSpec("instructions", .textArray(.ordered)),
                ColumnSpec("image_paths", .textArray(.ordered)),
            ],
            primaryKey: ["exercise_key"],
            foreignKeys: [
                fk("category_key", "exercise_categories"), fk("force_key", "force_types"),
                fk("mechanic_key", "mechanic_types"), fk("level_key", "difficulty_levels"),
                fk("license_key", "licenses"),
                ForeignKey(["one_rm_formula_key"], references: "scoring_formulas", ["formula_key"]),
            ]
        ),
        TableSpec(
            name: "exercise_muscles",
            columns: [
                key("exercise_key"), key("muscle_key"),
                ColumnSpec("role", .text, allowedValues: ["primary", "secondary"]),
            ],
            primaryKey: ["exercise_key", "muscle_key", "role"],
            foreignKeys: [fk("exercise_key", "exercises"), fk("muscle_key", "muscles")]
        ),
        TableSpec(
            name: "exercise_equipment",
            columns: [key("exercise_key"), key("equipment_key")],
            primaryKey: ["exercise_key", "equipment_key"],
            foreignKeys: [fk("exercise_key", "exercises"), fk("equipment_key", "equipment")]
        ),
        TableSpec(
            name: "exercise_aliases",
            columns: [
                key("exercise_key"), ColumnSpec("alias", .text),
                ColumnSpec("language", .text, defaultValue: .string("en")),
            ],
            primaryKey: ["exercise_key", "alias"],
            foreignKeys: [fk("exercise_key", "exercises")]
        ),
        TableSpec(
            name: "exercise_metrics",
            columns: [
                key("exercise_key"), key("metric_type_key"), ColumnSpec("is_required", .boolean),
                key("default_unit_key", nullable: true), ColumnSpec("sort_order", .integer),
            ],
            primaryKey: ["exercise_key", "metric_type_key"],
            foreignKeys: [
                fk("exercise_key", "exercises"), fk("metric_type_key", "metric_types"),
                ForeignKey(["default_unit_key"], references: "units", ["unit_key"]),
            ]
        ),
    ]

    /// Table names in seed order.
    public static let tableNames: [String] = tables.map(\.name)

    private static let byName: [String: TableSpec] = Dictionary(uniqueKeysWithValues: tables.map { ($0.name, $0) })

    /// The table called `name`, or `nil` when the catalog has no such table.
    public static func table(named name: String) -> TableSpec? { byName[name] }

    /// Whether `value` is a lowercase kebab-case slug.
    public static func isSlug(_ value: String) -> Bool {
        var previousWasHyphen = true  // a leading hyphen is not allowed
        var sawCharacter = false
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                previousWasHyphen = false
            case UInt8(ascii: "-"):
                if previousWasHyphen { return false }
                previousWasHyphen = true
            default:
                return false
            }
            sawCharacter = true
        }
        return sawCharacter && !previousWasHyphen
    }

    /// A slug column; keys and references to keys are slugs.
    private static func key(_ name: String, nullable: Bool = false) -> ColumnSpec {
        ColumnSpec(name, .text, nullable: nullable, slug: true)
    }

    /// A foreign key whose column has the same name as the referenced primary key.
    private static func fk(_ column: String, _ table: String) -> ForeignKey {
        ForeignKey([column], references: table, [column])
    }
}
