import Foundation
import NIOCore

/// Where a ``ValueSender`` puts batches of values: the backend, standard output for `--dry-run`,
/// or anything else that can say what became of a request.
public protocol ValueTransport: Sendable {
    /// Delivers one batch for `account` (no two values share a path, or a path and time when
    /// `timestamps` is ``ValueTimestamps/measured``) and says what became of it.
    func deliver(_ values: [MeasuredValue], account: Int, timestamps: ValueTimestamps) async -> DeliveryOutcome
}

extension GrafoleanClient: ValueTransport {
    /// POSTs or PUTs the batch and maps the backend's answer onto a ``DeliveryOutcome``.
    public func deliver(_ values: [MeasuredValue], account: Int, timestamps: ValueTimestamps) async -> DeliveryOutcome {
        do {
            switch timestamps {
            case .arrival: try await post(values, account: account)
            case .measured: try await put(values, account: account)
            }
            return .delivered
        } catch let error as GrafoleanError {
            switch error.code {
            case .inputRejected: return .rejected(reason: error.message)
            case .permissionDenied where timestamps == .measured: return .timestampsNotAllowed(reason: error.message)
            default: return .retryLater(reason: error.description, isOutage: error.isRetryable)
            }
        } catch {
            // Cancelled (shutdown): the values stay queued.
            return .retryLater(reason: redactingBotToken(String(describing: error)), isOutage: false)
        }
    }

    /// `POST /api/accounts/<A>/values/` with `[{"p":..,"v":..}]`.
    public func post(_ values: [MeasuredValue], account: Int) async throws {
        _ = try await request(.POST, "/accounts/\(account)/values/", body: Self.encode(values, withTime: false))
    }

    /// `PUT /api/accounts/<A>/values/` with `[{"p":..,"v":..,"t":..}]`.
    public func put(_ values: [MeasuredValue], account: Int) async throws {
        _ = try await request(.PUT, "/accounts/\(account)/values/", body: Self.encode(values, withTime: true))
    }

    /// Encodes values by hand: paths are already validated (nothing to escape), and this is the hot path.
    static func encode(_ values: [MeasuredValue], withTime: Bool) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(values.count * 48)
        buffer.writeStaticString("[")
        for (index, value) in values.enumerated() {
            if index > 0 { buffer.writeStaticString(",") }
            buffer.writeStaticString("{\"p\":\"")
            buffer.writeString(value.path)
            buffer.writeStaticString("\",\"v\":")
            buffer.writeString(jsonNumber(value.value))
            if withTime {
                buffer.writeStaticString(",\"t\":")
                buffer.writeString(jsonTimestamp(value.time))
            }
            buffer.writeStaticString("}")
        }
        buffer.writeStaticString("]")
        return buffer
    }
}

/// A finite number as JSON (`3`, `1.5`, `1e+300`).
func jsonNumber(_ value: Double) -> String {
    if value.rounded() == value, abs(value) < 1e15 { return String(Int64(value)) }
    return "\(value)"
}

/// UNIX seconds with at most 6 decimals, as the backend stores them.
func jsonTimestamp(_ time: Date) -> String {
    let micros = (time.timeIntervalSince1970 * 1_000_000).rounded()
    let whole = Int64(micros / 1_000_000)
    let fraction = Int64(micros) - whole * 1_000_000
    if fraction == 0 { return String(whole) }
    var digits = String(fraction)
    digits = String(repeating: "0", count: 6 - digits.count) + digits
    while digits.hasSuffix("0") { digits.removeLast() }
    return "\(whole).\(digits)"
}

/// Prints values as JSON lines instead of sending them (`--dry-run`).
public struct JSONLinesTransport: ValueTransport {
    let write: @Sendable (String) -> Void

    /// Prints to standard output, or hands each line to `write`.
    public init(write: @escaping @Sendable (String) -> Void = { StandardOutput.line($0) }) {
        self.write = write
    }

    /// Prints `{"account":A,"p":..,"v":..,"t":..}` per value.
    public func deliver(_ values: [MeasuredValue], account: Int, timestamps: ValueTimestamps) async -> DeliveryOutcome {
        for value in values {
            write("{\"account\":\(account),\"p\":\"\(value.path)\",\"v\":\(jsonNumber(value.value)),\"t\":\(jsonTimestamp(value.time))}")
        }
        return .delivered
    }
}
