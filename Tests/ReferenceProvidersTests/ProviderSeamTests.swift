import ReferenceCatalog
import ReferenceProviders
import Synchronization
import Testing

/// The seam's conveniences must reach what a provider implements.
@Suite("Provider seam")
struct ProviderSeamTests {
    /// Answers a table read with no rows and counts the whole-bootstrap reads.
    final class TableReadingProvider: ReferenceDataProvider {
        let bootstrapReads = Mutex(0)

        func getBootstrap(options: BootstrapOptions) async throws -> ReferenceBootstrap {
            bootstrapReads.withLock { $0 += 1 }
            return ReferenceBootstrap(schemaVersion: nil, referenceVersion: "v", generatedAt: nil, tables: [:])
        }

        func getTable(_ name: String, options: BootstrapOptions) async throws -> ReferenceTable {
            ReferenceTable(spec: try #require(ReferenceCatalog.table(named: name)), rows: [])
        }
    }

    @Test(
        "getTable without options is the provider's own table read, not a whole bootstrap, on the type and the protocol"
    )
    func tableReadWithoutOptions() async throws {
        let provider = TableReadingProvider()
        _ = try await provider.getTable("units")
        let seam: any ReferenceDataProvider = provider
        _ = try await seam.getTable("units")
        #expect(provider.bootstrapReads.withLock { $0 } == 0)
    }
}
