#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// An error thrown by the ICMP echo engine.
///
/// Compare ``code`` against the static members of ``ICMPEchoError/Code``; the ``message`` says what
/// went wrong and where, and for permission problems what to change.
public struct ICMPEchoError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is. New codes may be added in later versions.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case invalidAddress
            case invalidArgument
            case permissionDenied
            case addressFamilyUnavailable
            case socketFailure
            case sendFailed
            case tooManyPendingProbes
            case alreadyRunning
            case shutDown
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// A target could not be parsed as an IPv4 or IPv6 address.
        public static let invalidAddress = Code(.invalidAddress)
        /// A configuration value or call parameter is out of range.
        public static let invalidArgument = Code(.invalidArgument)
        /// The process may open neither a raw nor a datagram ICMP socket (or not the one asked for).
        public static let permissionDenied = Code(.permissionDenied)
        /// The target's address family (IPv6) has no open socket in this engine.
        public static let addressFamilyUnavailable = Code(.addressFamilyUnavailable)
        /// A socket could not be created or configured for a reason other than permissions.
        public static let socketFailure = Code(.socketFailure)
        /// The kernel refused to send an echo request (for example: network unreachable).
        public static let sendFailed = Code(.sendFailed)
        /// More probes are pending than ``ICMPEchoEngine/Configuration/maximumPendingProbes`` allows,
        /// or every identifier/sequence pair is still reserved for possibly late replies.
        public static let tooManyPendingProbes = Code(.tooManyPendingProbes)
        /// ``ICMPEchoEngine/run()`` was called on an engine that already runs or ran.
        public static let alreadyRunning = Code(.alreadyRunning)
        /// The engine has stopped; it accepts no more probes.
        public static let shutDown = Code(.shutDown)

        /// The code's name.
        public var description: String { base.rawValue }
    }

    /// What kind of failure this is.
    public var code: Code
    /// A human-readable explanation naming what was wrong and, where it helps, how to fix it.
    public var message: String
    /// The `errno` value reported by the system call that failed, if any.
    public var systemErrorNumber: Int32?

    /// Creates an error.
    public init(code: Code, message: String, systemErrorNumber: Int32? = nil) {
        self.code = code
        self.message = message
        self.systemErrorNumber = systemErrorNumber
    }

    /// The message, prefixed with the code.
    public var description: String { "ICMPEchoError.\(code): \(message)" }
}

extension ICMPEchoError: Hashable {
    /// Errors are equal when code, message and system error number are.
    public static func == (lhs: ICMPEchoError, rhs: ICMPEchoError) -> Bool {
        lhs.code == rhs.code && lhs.message == rhs.message && lhs.systemErrorNumber == rhs.systemErrorNumber
    }

    /// Hashes code, message and system error number.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
        hasher.combine(message)
        hasher.combine(systemErrorNumber)
    }
}

extension ICMPEchoError {
    /// Builds an error for a failed system call, appending `strerror(errno)` to the message.
    static func system(_ code: Code, _ message: String, errno number: Int32) -> ICMPEchoError {
        ICMPEchoError(code: code, message: "\(message): \(systemErrorDescription(number))", systemErrorNumber: number)
    }
}

/// `strerror` text plus the symbolic number, e.g. "Operation not permitted (errno 1)".
func systemErrorDescription(_ number: Int32) -> String {
    let text = strerror(number).map { String(cString: $0) } ?? "unknown error"
    return "\(text) (errno \(number))"
}
