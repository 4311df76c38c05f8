import Hummingbird
import NIOCore

/// Adapts Hummingbird requests to ``BackendCore`` and its answers back to HTTP responses.
///
/// One responder for every path: the backend checks authentication and permissions before it
/// routes (a bot without permission gets 403 even for a path that does not exist), which a
/// router-based setup could not express.
struct BackendResponder: HTTPResponder {
    typealias Context = BasicRequestContext

    let core: BackendCore

    func respond(to request: Request, context: Context) async throws -> Response {
        var request = request
        let body: [UInt8]
        do {
            let buffer = try await request.collectBody(upTo: BackendCore.maximumBodySize)
            body = Array(buffer.readableBytesView)
        } catch {
            core.logger.debug("Could not read a request body: \(error)")
            return Self.response(.internalServerError, isHead: false, isStatusInfo: false)
        }
        let incoming = IncomingRequest(
            method: request.method.rawValue,
            target: request.head.path ?? "/",
            hasAuthorization: request.headers[.authorization] != nil,
            contentType: request.headers[.contentType],
            body: body
        )
        let (answer, latency) = core.handle(incoming)
        if latency > .zero {
            // Cancelled when the listener goes down: the connection closes without an answer.
            try await Task.sleep(for: latency)
        }
        let isStatusInfo = incoming.target.split(separator: "?", maxSplits: 1).first == "/api/status/info"
        return Self.response(answer, isHead: request.method == .head, isStatusInfo: isStatusInfo)
    }

    static func response(_ answer: BackendAnswer, isHead: Bool, isStatusInfo: Bool) -> Response {
        var headers = HTTPFields()
        if let contentType = answer.contentType { headers[.contentType] = contentType }
        // The backend lets any origin read status/info, so a misconfigured frontend can explain itself.
        if isStatusInfo { headers[.accessControlAllowOrigin] = "*" }
        let status = HTTPResponse.Status(code: answer.status)
        if isHead || answer.status == 204 {
            return Response(status: status, headers: headers, body: ResponseBody())
        }
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: answer.body)))
    }
}
