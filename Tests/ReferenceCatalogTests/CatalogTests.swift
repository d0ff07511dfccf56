import ReferenceCatalog
import Testing

@Suite("Reference catalog")
struct CatalogTests {
    /// The contract's table list (DESIGN.md, "The 20 tables"), written here once more on purpose: the test is
    /// the contract, the catalog is the implementation.
    static let contractTables = [
        "body_regions", "muscle_groups", "muscles", "equipment_categories", "equipment", "exercise_categories",
        "force_types", "mechanic_types", "difficulty_levels", "licenses", "scoring_formulas",
        "scoring_coefficients", "metric_types", "units", "set_types", "exercises", "exercise_muscles",
        "exercise_equipment", "exercise_aliases", "exercise_metrics",
    ]

    @Test("the catalog has exactly the 20 contract tables")
    func tableNames() {
        #expect(Set(ReferenceCatalog.tableNames) == Set(Self.contractTables))
        #expect(ReferenceCatalog.tables.count == 20)
    }

    @Test("the seed order is a topological order of the foreign keys")
    func seedOrderIsTopological() {
        var seen = Set<String>()
        for table in ReferenceCatalog.tables {
            for foreignKey in table.foreignKeys {
                #expect(
                    seen.contains(foreignKey.referencedTable),
                    "\(table.name) references \(foreignKey.referencedTable), which is seeded later")
            }
            seen.insert(table.name)
        }
    }

    @Test(
        "every key and reference names real columns, and references point at primary keys",
        arguments: ReferenceCatalog.tables)
    func keysAreConsistent(table: TableSpec) throws {
        for key in table.primaryKey {
            #expect(table.column(named: key)?.isNullable == false, "\(table.name).\(key)")
        }
        for foreignKey in table.foreignKeys {
            let target = try #require(ReferenceCatalog.table(named: foreignKey.referencedTable))
            #expect(foreignKey.referencedColumns == target.primaryKey, "\(table.name) -> \(target.name)")
            for column in foreignKey.columns {
                #expect(table.column(named: column) != nil, "\(table.name).\(column)")
            }
        }
        for column in table.columns {
            #expect(!ReferenceCatalog.systemColumns.contains(column.name))
        }
    }

    @Test("array columns declare their semantics: instructions and images ordered, unit aliases a set")
    func arraySemantics() {
        #expect(ReferenceCatalog.table(named: "exercises")?.column(named: "instructions")?.type == .textArray(.ordered))
        #expect(ReferenceCatalog.table(named: "exercises")?.column(named: "image_paths")?.type == .textArray(.ordered))
        #expect(ReferenceCatalog.table(named: "units")?.column(named: "aliases")?.type == .textArray(.set))
    }

    @Test(
        "slugs are lowercase kebab-case",
        arguments: [
            ("barbell-squat", true), ("3-4-sit-up", true), ("a", true), ("", false), ("Barbell", false),
            ("-lead", false), ("trail-", false), ("double--hyphen", false), ("under_score", false),
            ("space here", false), ("é", false),
        ])
    func slugs(value: String, valid: Bool) {
        #expect(ReferenceCatalog.isSlug(value) == valid, "\(value)")
    }
}
