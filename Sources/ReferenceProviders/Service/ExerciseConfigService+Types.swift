/// What the library screen filters by; `nil` means any.
public struct ExerciseFilter: Sendable, Hashable {
    public var text: String?
    public var categoryKey: String?
    public var levelKey: String?
    public var equipmentKey: String?
    public var primaryMuscleKey: String?

    public init(
        text: String? = nil, categoryKey: String? = nil, levelKey: String? = nil, equipmentKey: String? = nil,
        primaryMuscleKey: String? = nil
    ) {
        self.text = text
        self.categoryKey = categoryKey
        self.levelKey = levelKey
        self.equipmentKey = equipmentKey
        self.primaryMuscleKey = primaryMuscleKey
    }
}

public struct ExerciseSummary: Sendable, Hashable {
    public let key: String
    public let name: String
    public let categoryKey: String
    public let levelKey: String
    public let forceKey: String?
    public let mechanicKey: String?
    public let equipmentKeys: [String]
    public let primaryMuscleKeys: [String]
}

public struct ExerciseDetail: Sendable, Hashable {
    public let summary: ExerciseSummary
    public let instructions: [String]
    public let imagePaths: [String]
    public let secondaryMuscleKeys: [String]
    public let aliases: [String]
    public let metrics: [TrackedMetric]
    public let oneRepMaxFormulaKey: String?
}

public struct TrackedMetric: Sendable, Hashable {
    public let metricTypeKey: String
    public let isRequired: Bool
    public let defaultUnitKey: String?
    public let sortOrder: Int
}

/// A new or edited exercise, before it is saved.
public struct ExerciseDraft: Sendable, Hashable {
    public var key: String
    public var name: String
    public var categoryKey: String
    public var levelKey: String
    public var equipmentKeys: [String]
    public var primaryMuscleKeys: [String]
    public var secondaryMuscleKeys: [String]
    public var isNew: Bool

    public init(
        key: String, name: String, categoryKey: String, levelKey: String, equipmentKeys: [String] = [],
        primaryMuscleKeys: [String], secondaryMuscleKeys: [String] = [], isNew: Bool = true
    ) {
        self.key = key
        self.name = name
        self.categoryKey = categoryKey
        self.levelKey = levelKey
        self.equipmentKeys = equipmentKeys
        self.primaryMuscleKeys = primaryMuscleKeys
        self.secondaryMuscleKeys = secondaryMuscleKeys
        self.isNew = isNew
    }
}

public struct EditorChoices: Sendable {
    public let categories: [(key: String, name: String)]
    public let levels: [(key: String, name: String)]
    public let equipment: [(key: String, name: String)]
    public let muscles: [(key: String, name: String)]
}

public struct PickerEntry: Sendable, Hashable {
    public struct Metric: Sendable, Hashable {
        public let metricTypeKey: String
        public let unitSymbol: String?
        public let isRequired: Bool

        public init(metricTypeKey: String, unitSymbol: String?, isRequired: Bool) {
            self.metricTypeKey = metricTypeKey
            self.unitSymbol = unitSymbol
            self.isRequired = isRequired
        }
    }

    public let key: String
    public let name: String
    public let metrics: [Metric]
}

public struct ScoringFormula: Sendable, Hashable {
    public let key: String
    public let name: String
    public let kind: String
    public let expression: String
    public let minReps: Int?
    public let maxReps: Int?
    public let citation: String?
    /// Coefficient values as exact decimal text, by variant then coefficient.
    public let coefficients: [String: [String: String]]
}
