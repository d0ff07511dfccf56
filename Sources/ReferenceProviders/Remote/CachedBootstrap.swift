import Foundation
import ReferenceCatalog

/// The remote provider's cache entry: a small header line, then the bootstrap body exactly as received.
/// The header carries a format version and the catalog fingerprint: an entry from another format or
/// catalog is discarded, never trusted. So is one whose body no longer parses. Format 2 entries are written
/// only after the document passed ``BootstrapValidation``, so reading one does not check it again (that is
/// what keeps a warm revalidation cheap); format 1 entries, written before documents were checked, are
/// discarded.
struct CachedBootstrap: Sendable {
    static let format = "reference-bootstrap-cache/2"

    let etag: String?
    let body: Data

    func encoded() -> Data {
        var header = JSONObject()
        header.append("format", .string(Self.format))
        header.append("catalog", .string(CachedBootstrap.catalogFingerprint))
        header.append("etag", etag.map(JSONValue.string) ?? .null)
        return Data((JSONWriter().string(.object(header)) + "\n").utf8) + body
    }

    /// Decodes an entry; `nil` when it is from another format or catalog, or damaged.
    static func decode(_ data: Data) -> (CachedBootstrap, ReferenceBootstrap)? {
        guard let newline = data.firstIndex(of: 0x0A),
            let header = try? JSONParser.parse(data[data.startIndex..<newline]),
            header["format"]?.stringValue == format, header["catalog"]?.stringValue == catalogFingerprint
        else { return nil }
        let body = data[data.index(after: newline)...]
        guard let json = try? JSONParser.parse(body), let bootstrap = try? ReferenceBootstrap(json: json) else {
            return nil
        }
        return (CachedBootstrap(etag: header["etag"]?.stringValue, body: Data(body)), bootstrap)
    }

    static let catalogFingerprint = SQLiteTableCodec.catalogFingerprint
}
