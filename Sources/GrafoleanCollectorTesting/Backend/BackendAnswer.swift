/// An answer of the fake backend, in the exact shapes the real one uses.
///
/// An `Error` too, so that validation steps can return an early answer as a `Result` failure.
struct BackendAnswer: Sendable, Error {
    var status: Int
    /// nil: no `content-type` header (the backend's plain `Response(content=...)`).
    var contentType: String?
    var body: [UInt8]

    init(status: Int, contentType: String?, body: [UInt8]) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }

    init(status: Int, contentType: String?, text: String) {
        self.init(status: status, contentType: contentType, body: Array(text.utf8))
    }

    /// 401 `Access denied`, no content type.
    static let accessDenied = BackendAnswer(status: 401, contentType: nil, text: "Access denied")
    /// 403 `Access to resource denied, insufficient permissions`, no content type.
    static let forbidden = BackendAnswer(status: 403, contentType: nil, text: "Access to resource denied, insufficient permissions")
    /// 500 from an unhandled exception (Starlette's `ServerErrorMiddleware`).
    static let internalServerError = BackendAnswer(status: 500, contentType: "text/plain; charset=utf-8", text: "Internal Server Error")
    /// 500 from the authentication middleware when the database cannot be asked.
    static let couldNotValidateAccess = BackendAnswer(status: 500, contentType: nil, text: "Could not validate access")
    /// 204, empty.
    static let noContent = BackendAnswer(status: 204, contentType: nil, body: [])
    /// FastAPI's answer for a path no route matches.
    static let notFound = detail(404, "Not Found")
    /// FastAPI's answer for a route that exists with other methods.
    static let methodNotAllowed = detail(405, "Method Not Allowed")

    /// A JSON answer (`application/json`), or 500 if the value holds a non-finite number.
    static func json(_ status: Int, _ value: PyJSON) -> BackendAnswer {
        do {
            return BackendAnswer(status: status, contentType: "application/json", body: try value.encoded())
        } catch {
            return internalServerError
        }
    }

    /// FastAPI's `HTTPException`: `{"detail": message}`.
    static func detail(_ status: Int, _ message: String) -> BackendAnswer {
        json(status, .object(PyObject([("detail", .string(message))])))
    }

    /// The backend's `ValidationError` handler: 400 plain text, with a hint when the request's
    /// `Content-Type` is not exactly `application/json`.
    static func validationFailed(_ message: String, contentType: String?) -> BackendAnswer {
        var text = "Input validation failed: " + message
        if contentType != "application/json" {
            text += " - maybe Content-Type header was not set to application/json?"
        }
        return BackendAnswer(status: 400, contentType: nil, text: text)
    }

    /// pydantic's 422 for a path parameter that is not an integer.
    static func notAnInteger(_ parameters: [String]) -> BackendAnswer {
        json(422, .object(PyObject([("detail", .array(parameters.map { name in
            .object(PyObject([
                ("loc", .array([.string("path"), .string(name)])),
                ("msg", .string("value is not a valid integer")),
                ("type", .string("type_error.integer")),
            ]))
        }))])))
    }

    /// An injected failure with `status`: the backend's own bodies where it has them.
    static func injected(status: Int) -> BackendAnswer {
        switch status {
        case 401: return accessDenied
        case 403: return forbidden
        case 500: return internalServerError
        default:
            return BackendAnswer(status: status, contentType: "text/plain; charset=utf-8", text: reasonPhrase(status))
        }
    }

    private static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 400: "Bad Request"
        case 404: "Not Found"
        case 408: "Request Timeout"
        case 429: "Too Many Requests"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        default: "Error \(status)"
        }
    }
}
