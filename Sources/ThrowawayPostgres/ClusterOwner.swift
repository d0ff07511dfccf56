import Foundation

#if canImport(Glibc)
import Glibc
import Settings
#endif

/// Who runs the throwaway server. As root that is an unprivileged user (`REFERENCE_PG_USER`, default
/// `postgres`) reached through `setpriv`, which execs in place, so signals reach `postgres` itself.
struct ClusterOwner: Sendable {
    let uid: uid_t
    let gid: gid_t
    let userName: String?

    static func current(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ClusterOwner {
        guard getuid() == 0 else { return ClusterOwner(uid: getuid(), gid: getgid(), userName: nil) }
        let name = Settings(environment: environment).text(.clusterUser) ?? "postgres"
        guard let entry = getpwnam(name) else { throw ThrowawayPostgresError.unprivilegedUserMissing(name) }
        return ClusterOwner(uid: entry.pointee.pw_uid, gid: entry.pointee.pw_gid, userName: name)
    }

    var isSwitchingUser: Bool { userName != nil }

    /// The executable and arguments that run `program` as this owner.
    func command(_ program: String, _ arguments: [String]) -> (URL, [String]) {
        guard let userName else { return (URL(fileURLWithPath: program), arguments) }
        let setpriv = ["/usr/bin/setpriv", "/bin/setpriv"].first { FileManager.default.isExecutableFile(atPath: $0) }
        if let setpriv {
            return (
                URL(fileURLWithPath: setpriv),
                ["--reuid=\(uid)", "--regid=\(gid)", "--init-groups", "--", program] + arguments
            )
        }
        return (URL(fileURLWithPath: "/usr/sbin/runuser"), ["-u", userName, "--", program] + arguments)
    }

    func chown(_ path: String) throws {
        guard isSwitchingUser else { return }
        guard Glibc.chown(path, uid, gid) == 0 else {
            throw ThrowawayPostgresError.commandFailed(
                command: "chown \(path)", status: errno, output: String(cString: strerror(errno)))
        }
    }
}
