import Foundation
import Testing
import LayerKit

/// Replays the fuzzer's corpus and every input it ever stopped on (`Fuzz/regressions/`):
/// each must decode or throw a `SafetensorsError`, and decode → encode must be a fixed point.
@Suite("Fuzz regressions")
struct FuzzRegressionTests {
    static let fuzzRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz")

    static func inputs(_ folder: String) -> [URL] {
        let dir = fuzzRoot.appendingPathComponent(folder)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().map { dir.appendingPathComponent($0) }
    }

    @Test("Every corpus and regression input decodes or throws, and re-encodes to a fixed point")
    func replay() throws {
        let files = Self.inputs("safetensors-corpus") + Self.inputs("regressions")
        #expect(files.count >= 8, "the committed corpus is missing")
        var decodedCount = 0
        for file in files {
            let data = try Data(contentsOf: file)
            let decoded: (tensors: [(String, Tensor)], metadata: [String: String]?)
            do {
                decoded = try Safetensors.decodeWithMetadata(data)
            } catch is SafetensorsError {
                continue
            }
            decodedCount += 1
            let encoded = try Safetensors.encode(decoded.tensors, metadata: decoded.metadata)
            let again = try Safetensors.decodeWithMetadata(encoded)
            #expect(again.tensors.map(\.0) == decoded.tensors.map(\.0), "\(file.lastPathComponent)")
            #expect(again.metadata == decoded.metadata, "\(file.lastPathComponent)")
            #expect(try Safetensors.encode(again.tensors, metadata: again.metadata) == encoded, "\(file.lastPathComponent)")
        }
        #expect(decodedCount >= 6, "the valid corpus files must decode")
    }
}
