/// An error of a child process, a free port, a network namespace or a net-snmp agent.
///
/// Compare ``code`` against the static members of ``ProcessSupportError/Code``; the ``message``
/// says what failed, with the command's output or the agent's log where there is one.
package struct ProcessSupportError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is.
    package struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case notInstalled
            case notPermitted
            case invalidArgument
            case spawnFailed
            case commandFailed
            case socketFailure
            case notAnswering
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// A program that is needed (snmpd, ip) is not installed.
        package static let notInstalled = Code(.notInstalled)
        /// The process lacks a privilege it needs (root for network namespaces).
        package static let notPermitted = Code(.notPermitted)
        /// A parameter is out of range (an address outside 169.254.0.0/16, say).
        package static let invalidArgument = Code(.invalidArgument)
        /// `posix_spawn` could not start the program.
        package static let spawnFailed = Code(.spawnFailed)
        /// A command ran but exited unsuccessfully.
        package static let commandFailed = Code(.commandFailed)
        /// A socket could not be opened or bound.
        package static let socketFailure = Code(.socketFailure)
        /// A started agent did not answer in time (or exited).
        package static let notAnswering = Code(.notAnswering)

        /// The code's name.
        package var description: String { base.rawValue }
    }

    /// What kind of failure this is.
    package var code: Code
    /// What failed, and why.
    package var message: String

    /// An error of `code` that says `message`.
    package init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The code and the message.
    package var description: String { "\(code): \(message)" }
}
