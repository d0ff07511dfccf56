import Foundation
import Logging

/// The seed's log lines: per table and for the commit, at debug (the report says the same to the user).
extension Seeder {
    func logTable(_ stats: SeedReport.TableStats) {
        logger.debug(
            "seeded table",
            metadata: [
                "seed.table": "\(stats.table)", "seed.source_rows": "\(stats.sourceRows)",
                "seed.inserted": "\(stats.inserted)", "seed.updated": "\(stats.updated)",
                "seed.unchanged": "\(stats.unchanged)", "seed.reactivated": "\(stats.reactivated)",
                "seed.deactivated": "\(stats.deactivated)", "seed.ms": "\(String(format: "%.1f", stats.milliseconds))",
            ])
    }

    func logSummary(_ report: SeedReport) {
        logger.debug(
            "seed committed",
            metadata: [
                "seed.tables": "\(report.tables.count)", "seed.ms": "\(String(format: "%.1f", report.milliseconds))",
                "seed.schema_version": "\(report.schemaVersion)",
                "seed.reference_version": "\(report.referenceVersion)",
                "seed.version_changed": "\(report.versionChanged)",
            ])
    }
}
