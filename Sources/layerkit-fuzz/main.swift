// libFuzzer over the safetensors decoder: `.ci/fuzz` builds this with `-sanitize=fuzzer`
// and runs it from the committed corpus in `Fuzz/safetensors-corpus/`.
//
// Every input must decode to tensors or throw a `SafetensorsError`; whatever decodes must
// encode, and decode again to the same names, shapes, dtypes and bytes. A crash, a sanitizer
// report or a round-trip mismatch stops the fuzzer with the input saved.
import CFuzzDriver
import Foundation
import LayerKit

/// The fuzz target: returns 0 for every input that behaves, traps on one that does not.
let fuzzOne: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32 = { bytes, count in
    let data = bytes.map { Data(bytes: $0, count: count) } ?? Data()
    guard let decoded = try? Safetensors.decodeWithMetadata(data) else { return 0 }
    let encoded: Data
    do {
        encoded = try Safetensors.encode(decoded.tensors, metadata: decoded.metadata)
    } catch {
        fatalError("decoded tensors failed to encode: \(error)")
    }
    guard let again = try? Safetensors.decodeWithMetadata(encoded) else {
        fatalError("our own encoding failed to decode")
    }
    guard again.metadata == decoded.metadata,
          again.tensors.map(\.0) == decoded.tensors.map(\.0),
          again.tensors.map(\.1.shape) == decoded.tensors.map(\.1.shape),
          (try? Safetensors.encode(again.tensors, metadata: again.metadata)) == encoded else {
        fatalError("the round trip decode → encode → decode → encode is not a fixed point")
    }
    return 0
}

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
let status = lk_run_fuzzer(&argc, &argv, fuzzOne)
if status == -1 {
    FileHandle.standardError.write(Data("""
        layerkit-fuzz: built without libFuzzer. Build and run it with:
          swift build -c release --product layerkit-fuzz --scratch-path .build-fuzz -Xswiftc -sanitize=fuzzer -Xswiftc -sanitize=address
          .build-fuzz/release/layerkit-fuzz -max_total_time=60 CORPUS_COPY_DIR

        """.utf8))
    exit(2)
}
exit(status)
