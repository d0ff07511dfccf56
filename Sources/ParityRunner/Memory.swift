import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Hands memory the process has freed back to the system. glibc keeps freed small blocks in its arenas, so
/// after a large structure of many small allocations is let go (the validated source of a million rows) the
/// process's resident size does not fall until `malloc_trim` is called. Found through `dlsym`: the Glibc
/// module does not export `malloc.h`. A no-op where there is no such function.
enum Memory {
    private typealias Trim = @convention(c) (Int) -> Int32

    private static let trim: Trim? = {
        #if canImport(Glibc)
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return nil }
        return unsafeBitCast(symbol, to: Trim.self)
        #else
        return nil
        #endif
    }()

    static func returnFreedPages() { _ = trim?(0) }
}
