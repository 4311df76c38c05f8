import Foundation
import Logging

@testable import GrafoleanCollector

enum JSONDecoderForTests {
    static func decode<T: Decodable>(_ type: T.Type, _ json: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(json.utf8))
    }
}

