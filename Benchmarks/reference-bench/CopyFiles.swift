import ArgumentParser
import Foundation
import NIOCore
import PostgresSupport
import ReferenceBackend
import ReferenceCatalog

/// The `psql \copy` reference of the seed benchmarks: rows written as COPY text files, and psql run on them.
enum CopyFiles {
    /// Writes `rows` in COPY text format to a new file under /tmp and returns its path.
    static func write(_ rows: [[JSONValue]], spec: TableSpec) throws -> String {
        let path = "/tmp/bench-copy-\(spec.name)-\(UUID().uuidString.prefix(8)).tsv"
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        var buffer = ByteBufferAllocator().buffer(capacity: 1 << 20)
        for row in rows {
            CopyEncoder.appendRow(row, columns: spec.columns, to: &buffer)
            if buffer.readableBytes > 1 << 20 {
                handle.write(Data(buffer.readableBytesView))
                buffer.clear()
            }
        }
        handle.write(Data(buffer.readableBytesView))
        try handle.close()
        return path
    }

    /// Runs `commands` in one psql session on `url` (a unix-socket URL), stopping at the first error.
    static func psql(_ url: DatabaseURL, _ commands: [String]) throws {
        guard case .unixSocket(let directory, let port) = url.endpoint else {
            throw ValidationError("needs a unix-socket URL")
        }
        var arguments = [
            "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", directory, "-p", "\(port)", "-U", url.username, "-d",
            url.database,
        ]
        for command in commands { arguments += ["-c", command] }
        _ = try Measure.run("/usr/bin/psql", arguments)
    }
}
