import Foundation
import Testing
@testable import LayerKit

/// Safetensors files: Python's files load here with the right values, ours load in Python,
/// round trips keep everything, every kind of damage is a distinct thrown error, random bytes
/// never crash the reader, and writes are atomic.
@Suite("Safetensors reading and writing")
struct SafetensorsTests {
    // MARK: Files written by Python

    @Test("Files written by safetensors.numpy / safetensors.torch load with the right values",
          arguments: ["numpy", "half", "torch"])
    func pythonFixture(_ key: String) throws {
        let fixture = try #require(try loadFixture("safetensors")[key] as? [String: Any])
        let file = try #require(fixture["file"] as? String)
        let expected = try #require(fixture["tensors"] as? [[String: Any]])
        let (tensors, metadata) = try Safetensors.loadWithMetadata(from: try fixtureFile(file))

        #expect(metadata == fixture["metadata"] as? [String: String])
        #expect(tensors.map(\.0) == expected.compactMap { $0["name"] as? String }, "names in data-offset order")
        for ((name, tensor), entry) in zip(tensors, expected) {
            let dtype = try #require(entry["dtype"] as? String)
            let shape = try #require(entry["shape"] as? [Int])
            let values = try #require(entry["bits"] as? [String]).map(doubleFromHex)
            #expect(tensor.shape == shape, "\(name)")
            #expect(tensor.dtype == (dtype == "F64" ? .float64 : .float32), "\(name): \(dtype)")
            // F32, F16 and BF16 values widen to Double exactly, so bit patterns compare for every
            // dtype, and -0 and subnormals count.
            #expect(tensor.doubles().map(\.bitPattern) == values.map(\.bitPattern), "\(name)")
        }
    }

    @Test("Python's files cover float64, a 0-d tensor, empty tensors, metadata and escaped names")
    func fixtureCoverage() throws {
        let tensors = Dictionary(uniqueKeysWithValues: try Safetensors.load(from: try fixtureFile("st_numpy")))
        #expect(tensors["double"]?.dtype == .float64)
        #expect(tensors["scale"]?.shape == [] && tensors["scale"]?.item() == 1.5)
        #expect(tensors["empty"]?.shape == [0] && tensors["empty"]?.count == 0)
        #expect(tensors["double_empty"]?.shape == [2, 0])
        #expect(tensors["odd \"name\"\té/0"] != nil)
        let torch = try Safetensors.loadWithMetadata(from: try fixtureFile("st_torch"))
        #expect(torch.metadata == ["format": "pt"])
        #expect(torch.tensors.first { $0.0 == "bf16" }?.1.dtype == .float32)
    }

    @Test("Re-encoding Python's file gives the same bytes (header order, escaping, padding)")
    func byteIdenticalToPython() throws {
        let original = try Data(contentsOf: try fixtureFile("st_numpy"))
        let (tensors, metadata) = try Safetensors.decodeWithMetadata(original)
        #expect(try Safetensors.encode(tensors, metadata: metadata) == original)
    }

    @Test("Encoding matches the reference implementation's own test vectors")
    func referenceVectors() throws {
        // huggingface/safetensors tensor.rs, test_serialization and test_empty.
        let attn = Tensor([0, 1, 2, 3, 4, 5], shape: [1, 2, 3])
        let expected: [UInt8] = [
            64, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 46, 48, 34, 58, 123, 34, 100,
            116, 121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34,
            58, 91, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102, 115,
            101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 0, 0, 0, 0, 0, 0, 128, 63,
            0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64,
        ]
        #expect([UInt8](try Safetensors.encode([("attn.0", attn)])) == expected)
        #expect([UInt8](try Safetensors.encode([(String, Tensor)]())) == [8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32])
        #expect(try Safetensors.decode(Data(expected)).first?.1.floats() == [0, 1, 2, 3, 4, 5])
    }

    @Test("A dtype LayerKit cannot hold is a clear error naming the tensor; skipUnsupported gets the rest")
    func unsupportedDType() throws {
        let error = #expect(throws: SafetensorsError.self) {
            try Safetensors.load(from: try fixtureFile("dt_int16"))
        }
        #expect(error == .unsupportedDType(tensor: "short", dtype: "I16"))
        #expect(error?.description.contains("\"short\"") == true && error?.description.contains("skipUnsupported") == true)
        let rest = try Safetensors.load(from: try fixtureFile("dt_int16"), skipUnsupported: true)
        #expect(rest.map(\.0) == ["x"] && rest[0].1.floats() == [1, 1])
        // numpy's int64 file, once refused whole, now loads as int64.
        let ids = try Safetensors.load(from: try fixtureFile("st_int64"))
        #expect(ids.map(\.0) == ["ids", "x"] && ids[0].1.dtype == .int64 && ids[0].1.ints() == [0, 1, 2])
    }

    @Test("Half-precision corner cases widen exactly: infinities, NaN, subnormals")
    func halfCorners() throws {
        let halves: [UInt16] = [0x7C00, 0xFC00, 0x7E00, 0x0001, 0x8000, 0x3C00, 0x7BFF]
        let bytes = halves.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        let f16 = try Safetensors.decode(image(#"{"h":{"dtype":"F16","shape":[7],"data_offsets":[0,14]}}"#, bytes))[0].1
        let v = f16.floats()
        #expect(v[0] == .infinity && v[1] == -.infinity && v[2].isNaN)
        #expect(v[3] == 0x1p-24 && v[4].bitPattern == (-0.0 as Float).bitPattern && v[5] == 1 && v[6] == 65504)
        let bf = try Safetensors.decode(image(#"{"b":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}}"#, [0x80, 0x3F, 0x80, 0xFF]))[0].1
        #expect(bf.floats() == [1, -.infinity])
    }

    // MARK: Files written here, read by Python

    static let pythonHasSafetensors: Bool = {
        (try? runPython(["-c", "import numpy, safetensors.numpy"]))?.status == 0
    }()

    @Test("A file written here is read back by Python's safetensors.numpy.load_file",
          .enabled(if: SafetensorsTests.pythonHasSafetensors, "needs python3 with numpy and safetensors"))
    func pythonReadsOurFile() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("ours.safetensors")
        let tensors: [(String, Tensor)] = [
            ("z.weight", Tensor.randn([3, 4], generator: Generator(seed: 1))),
            ("a.bias", Tensor.randn([4], dtype: .float64, generator: Generator(seed: 2))),
            ("scalar", Tensor(scalar: -2.5)),
            ("empty", Tensor([Double](), shape: [0])),
            ("nested/empty", Tensor([Double](), shape: [2, 0, 3], dtype: .float64)),
            ("name \"quoted\" \\ é\n", Tensor([1e-40, -0.0, 3.4e38])),
        ]
        let metadata = ["framework": "layerkit", "note": "ünïcode \"quoted\"\t"]
        try Safetensors.save(tensors, to: url, metadata: metadata)

        let script = """
            import json, struct, sys
            from safetensors import safe_open
            from safetensors.numpy import load_file
            path = sys.argv[1]
            tensors = load_file(path)
            with safe_open(path, framework="np") as f:
                metadata = f.metadata()
            raw = open(path, "rb").read()
            header = json.loads(raw[8:8 + struct.unpack("<Q", raw[:8])[0]])
            header.pop("__metadata__", None)
            order = [k for k, v in sorted(header.items(), key=lambda kv: (kv[1]["data_offsets"], kv[0]))]
            print(json.dumps({"order": order, "metadata": metadata, "tensors": {
                k: {"dtype": str(v.dtype), "shape": list(v.shape),
                    "bits": [f"{struct.unpack('<Q', struct.pack('<d', float(x)))[0]:016x}" for x in v.reshape(-1)]}
                for k, v in tensors.items()}}))
            """
        let result = try runPython(["-c", script, url.path])
        try #require(result.status == 0, "python failed: \(result.stderr)")
        let output = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let read = try #require(output["tensors"] as? [String: [String: Any]])

        #expect(output["metadata"] as? [String: String] == metadata)
        #expect(output["order"] as? [String] == tensors.map(\.0), "Python sees the data in the order given")
        #expect(Set(read.keys) == Set(tensors.map(\.0)))
        for (name, tensor) in tensors {
            let entry = try #require(read[name], "\(name) missing in Python")
            #expect(entry["dtype"] as? String == (tensor.dtype == .float64 ? "float64" : "float32"), "\(name)")
            #expect(entry["shape"] as? [Int] == tensor.shape, "\(name)")
            let bits = try #require(entry["bits"] as? [String]).map(doubleFromHex)
            #expect(bits.map(\.bitPattern) == tensor.doubles().map(\.bitPattern), "\(name)")
        }
    }

    // MARK: Round trip here

    @Test("Save then load keeps names, order, dtypes, shapes, bit patterns and metadata")
    func roundTrip() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("round.safetensors")
        let special: [Float] = [.nan, .infinity, -.infinity, -0.0, .leastNonzeroMagnitude, .greatestFiniteMagnitude]
        let tensors: [(String, Tensor)] = [
            ("zeta", Tensor(special)),
            ("alpha", Tensor.randn([64, 33], dtype: .float64, generator: Generator(seed: 3))),
            ("0.weight", Parameter(Tensor.randn([5, 7], generator: Generator(seed: 4)))),
            ("scalar64", Tensor(scalar: .pi, dtype: .float64)),
            ("empty_b", Tensor([Double](), shape: [0, 4])),
            ("empty_a", Tensor([Double](), shape: [0])),
            ("big", Tensor.rand([10_000], generator: Generator(seed: 5))),
        ]
        for metadata in [nil, [:], ["format": "pt", "ключ": "значение", "": "empty key"]] as [[String: String]?] {
            try Safetensors.save(tensors, to: url, metadata: metadata)
            let (loaded, loadedMetadata) = try Safetensors.loadWithMetadata(from: url)
            #expect(loadedMetadata == metadata)
            // Two empty tensors share an offset, so the format cannot order them: they come back by name.
            #expect(loaded.map(\.0) == ["zeta", "alpha", "0.weight", "scalar64", "empty_a", "empty_b", "big"])
            let byName = Dictionary(uniqueKeysWithValues: loaded)
            for (name, tensor) in tensors {
                let back = try #require(byName[name])
                #expect(back.dtype == tensor.dtype && back.shape == tensor.shape, "\(name)")
                #expect(back.doubles().map(\.bitPattern) == tensor.doubles().map(\.bitPattern), "\(name)")
                #expect(back !== tensor && !back.requiresGrad)
            }
        }
    }

    @Test("The dictionary overload writes tensors sorted by name")
    func dictionaryOverload() throws {
        let data = try Safetensors.encode(["b": Tensor([1]), "a": Tensor([2, 3]), "c": Tensor([Double](), shape: [0])])
        #expect(try Safetensors.decode(data).map(\.0) == ["a", "b", "c"])
        #expect(try Safetensors.decode(data).map { $0.1.floats() } == [[2, 3], [1], []])
    }

    @Test("Encoding refuses duplicate and reserved names")
    func encodeErrors() {
        #expect(throws: SafetensorsError.duplicateName("w")) {
            try Safetensors.encode([("w", Tensor([1])), ("w", Tensor([2]))])
        }
        #expect(throws: SafetensorsError.reservedName("__metadata__")) {
            try Safetensors.encode([("__metadata__", Tensor([1]))])
        }
    }

    @Test("Odd but valid headers load as Python's reader loads them")
    func lenientCases() throws {
        let w = #""w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}"#
        let data = floatBytes([1, 2])
        // null metadata, an extra field, surrounding whitespace, an identical duplicate.
        let a = try Safetensors.decodeWithMetadata(image(#"{"__metadata__":null,\#(w)}"#, data))
        #expect(a.metadata == nil && a.tensors[0].1.floats() == [1, 2])
        let extra = #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"extra":[1]}}"#
        #expect(try Safetensors.decode(image(extra, data))[0].1.floats() == [1, 2])
        #expect(try Safetensors.decode(image(" \n{\(w)}\n   ", data)).count == 1)
        #expect(try Safetensors.decode(image("{\(w),\(w)}", data)).count == 1)
        #expect(try Safetensors.decode(image("{}", [])).isEmpty)
        // A slice of a larger Data (non-zero startIndex) decodes the same.
        let padded = Data([9, 9, 9]) + image("{\(w)}", data)
        #expect(try Safetensors.decode(padded.dropFirst(3))[0].1.floats() == [1, 2])
    }

    // MARK: Damage

    struct Damage: Sendable, CustomTestStringConvertible {
        let label: String
        let bytes: [UInt8]
        let expected: SafetensorsError
        var testDescription: String { label }
    }

    /// One damaged file per kind of damage the reader must report, with the exact error.
    static let damages: [Damage] = {
        let eight = floatBytes([1, 2])
        func entry(_ fields: String) -> String { #"{"w":{\#(fields)}}"# }
        let ok = #""dtype":"F32","shape":[2],"data_offsets":[0,8]"#
        func d(_ label: String, _ bytes: [UInt8], _ error: SafetensorsError) -> Damage {
            Damage(label: label, bytes: bytes, expected: error)
        }
        func d(_ label: String, _ header: String, _ data: [UInt8], _ error: SafetensorsError) -> Damage {
            Damage(label: label, bytes: [UInt8](image(header, data)), expected: error)
        }
        return [
            d("empty file", [], .fileTooShort(byteCount: 0)),
            d("shorter than the length prefix", [1, 0, 0, 0, 0], .fileTooShort(byteCount: 5)),
            d("header length beyond the file", lengthPrefix(200) + Array("{}".utf8) + eight,
              .headerBeyondFile(headerByteCount: 200, fileByteCount: 18)),
            d("header length above 100 MB", lengthPrefix(100_000_001) + eight,
              .headerTooLarge(byteCount: 100_000_001)),
            d("header length 2^64 - 1", lengthPrefix(.max), .headerTooLarge(byteCount: .max)),
            d("header not UTF-8", lengthPrefix(4) + [0x7B, 0xFF, 0xFE, 0x7D], .headerNotUTF8),
            d("header a JSON array", "[1, 2]", [], .headerNotObject),
            d("header a JSON string", #""w""#, [], .headerNotObject),
            d("header JSON null", "null", [], .headerNotObject),
            d("entry not an object", #"{"w":[0,8]}"#, eight, .entryNotObject(tensor: "w")),
            d("missing dtype", entry(#""shape":[2],"data_offsets":[0,8]"#), eight,
              .missingField(tensor: "w", field: "dtype")),
            d("missing shape", entry(#""dtype":"F32","data_offsets":[0,8]"#), eight,
              .missingField(tensor: "w", field: "shape")),
            d("missing data_offsets", entry(#""dtype":"F32","shape":[2]"#), eight,
              .missingField(tensor: "w", field: "data_offsets")),
            d("dtype not a string", entry(#""dtype":32,"shape":[2],"data_offsets":[0,8]"#), eight,
              .wrongFieldType(tensor: "w", field: "dtype", expected: "a string")),
            d("shape not an array", entry(#""dtype":"F32","shape":"2","data_offsets":[0,8]"#), eight,
              .wrongFieldType(tensor: "w", field: "shape", expected: "an array of integers")),
            d("shape with a fraction", entry(#""dtype":"F32","shape":[1.5],"data_offsets":[0,8]"#), eight,
              .wrongFieldType(tensor: "w", field: "shape", expected: "an array of integers")),
            d("shape with a boolean", entry(#""dtype":"F32","shape":[true],"data_offsets":[0,8]"#), eight,
              .wrongFieldType(tensor: "w", field: "shape", expected: "an array of integers")),
            d("data_offsets an object", entry(#""dtype":"F32","shape":[2],"data_offsets":{"a":0}"#), eight,
              .wrongFieldType(tensor: "w", field: "data_offsets", expected: "an array of integers")),
            d("unknown dtype", entry(#""dtype":"F33","shape":[2],"data_offsets":[0,8]"#), eight,
              .unknownDType(tensor: "w", dtype: "F33")),
            d("negative dimension", entry(#""dtype":"F32","shape":[-2],"data_offsets":[0,8]"#), eight,
              .negativeDimension(tensor: "w", shape: [-2])),
            d("shape overflowing Int64", entry(#""dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,8]"#),
              eight, .shapeOverflow(tensor: "w")),
            d("bytes overflowing Int64", entry(#""dtype":"F64","shape":[2305843009213693952],"data_offsets":[0,8]"#),
              eight, .shapeOverflow(tensor: "w")),
            d("dimension beyond 2^64", entry(#""dtype":"F32","shape":[18446744073709551616],"data_offsets":[0,8]"#),
              eight, .shapeOverflow(tensor: "w")),
            d("one offset", entry(#""dtype":"F32","shape":[2],"data_offsets":[0]"#), eight,
              .invalidOffsets(tensor: "w", reason: "expected [begin, end], got [0]")),
            d("begin after end", entry(#""dtype":"F32","shape":[2],"data_offsets":[8,0]"#), eight,
              .invalidOffsets(tensor: "w", reason: "begin 8 is after end 0")),
            d("negative offset", entry(#""dtype":"F32","shape":[2],"data_offsets":[-8,0]"#), eight,
              .invalidOffsets(tensor: "w", reason: "[-8, 0] has a negative offset")),
            d("offset beyond 2^64", entry(#""dtype":"F32","shape":[2],"data_offsets":[0,1e30]"#), eight,
              .invalidOffsets(tensor: "w", reason: "an offset does not fit in a 64-bit integer")),
            d("offsets past the data block", entry(#""dtype":"F32","shape":[4],"data_offsets":[0,16]"#), eight,
              .offsetsOutOfRange(tensor: "w", begin: 0, end: 16, dataByteCount: 8)),
            d("overlapping tensors",
              #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#,
              floatBytes([1, 2, 3]), .overlappingOffsets(tensor: "b", previous: "a", begin: 4, previousEnd: 8)),
            d("gap between tensors",
              #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#,
              floatBytes([1, 2, 3]), .gapInData(tensor: "b", expectedBegin: 4, begin: 8)),
            d("gap before the first tensor", entry(#""dtype":"F32","shape":[1],"data_offsets":[4,8]"#), eight,
              .gapInData(tensor: "w", expectedBegin: 0, begin: 4)),
            d("byte count not shape × dtype", entry(#""dtype":"F32","shape":[3],"data_offsets":[0,8]"#), eight,
              .byteCountMismatch(tensor: "w", dtype: "F32", shape: [3], expected: 12, actual: 8)),
            d("trailing bytes no tensor covers", entry(ok), floatBytes([1, 2, 3]),
              .trailingBytes(dataByteCount: 12, indexedByteCount: 8)),
            d("metadata value not a string", #"{"__metadata__":{"k":1},\#(entry(ok).dropFirst())"#, eight,
              .metadataValueNotString(key: "k")),
            d("metadata not an object", #"{"__metadata__":["k"],\#(entry(ok).dropFirst())"#, eight,
              .metadataNotObject),
            d("conflicting duplicate key",
              #"{"w":{"dtype":"U8","shape":[8],"data_offsets":[0,8]},"w":{\#(ok)}}"#, eight, .duplicateKey("w")),
            d("unsupported dtype", entry(#""dtype":"I16","shape":[4],"data_offsets":[0,8]"#), eight,
              .unsupportedDType(tensor: "w", dtype: "I16")),
        ]
    }()

    @Test("Each kind of damage throws its own error", arguments: SafetensorsTests.damages)
    func damage(_ damage: Damage) {
        #expect(throws: damage.expected) { try Safetensors.decode(Data(damage.bytes)) }
    }

    @Test("A damaged file on disk throws the same error as its bytes in memory", arguments: SafetensorsTests.damages)
    func damageOnDisk(_ damage: Damage) throws {
        // `load` reads the file with pread at the header's offsets, not through `decode(Data)`.
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("damaged.safetensors")
        try Data(damage.bytes).write(to: url)
        #expect(throws: damage.expected) { try Safetensors.load(from: url) }
    }

    @Test("Loading a file gives what decoding its bytes gives, for every fixture's dtypes",
          arguments: ["st_numpy", "st_torch", "st_half", "st_int64", "dt_torch", "dt_state", "fno1d_state_c64"])
    func loadEqualsDecode(_ name: String) throws {
        let url = try fixtureFile(name)
        let fromFile = try Safetensors.loadWithMetadata(from: url)
        let fromBytes = try Safetensors.decodeWithMetadata(try Data(contentsOf: url))
        #expect(fromFile.metadata == fromBytes.metadata)
        #expect(fromFile.tensors.map(\.0) == fromBytes.tensors.map(\.0))
        for ((name, a), (_, b)) in zip(fromFile.tensors, fromBytes.tensors) {
            #expect(a.dtype == b.dtype && a.shape == b.shape, "\(name)")
            #expect(a.doubles().map(\.bitPattern) == b.doubles().map(\.bitPattern), "\(name)")
        }
    }

    @Test("Loading a directory is a readFailed error: not a regular file")
    func loadDirectory() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let error = #expect(throws: SafetensorsError.self) { try Safetensors.load(from: directory) }
        guard case .readFailed(let path, let reason) = error else {
            Issue.record("expected readFailed, got \(String(describing: error))")
            return
        }
        #expect(path == directory.path && reason == "not a regular file")
    }

    @Test("Each kind of damage has its own message, naming the tensor")
    func damageMessages() {
        let errors = Set(Self.damages.map(\.expected))
        #expect(Set(errors.map(\.description)).count == errors.count, "messages must tell the damages apart")
        for damage in Self.damages {
            let message = damage.expected.description
            // The named tensor (or key) is the payload itself, or its `tensor:` field.
            guard let payload = Mirror(reflecting: damage.expected).children.first?.value else { continue }
            let name = payload as? String
                ?? Mirror(reflecting: payload).children.first { $0.label == "tensor" }?.value as? String
            if let name { #expect(message.contains("\"\(name)\""), "\(damage.label): \(message)") }
        }
    }

    @Test("Header that is not JSON: truncated, trailing garbage, empty, single quotes, nested 100,000 deep")
    func notJSON() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let headers = [#"{"w": "#, #"{"w":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}} x"#, "", "{'w': 1}",
                       #"{"w":{"dtype":"F32","shape":[0],"data_offsets":[0,0],"x":\#(deep)}}"#]
        for header in headers {
            let error = #expect(throws: SafetensorsError.self) { try Safetensors.decode(image(header, [])) }
            guard case .headerNotJSON(let detail) = error else {
                Issue.record("\(header.prefix(60)): expected headerNotJSON, got \(String(describing: error))")
                continue
            }
            #expect(!detail.isEmpty)
        }
    }

    @Test("Thousands of random and mutated byte strings return or throw SafetensorsError, never crash")
    func fuzz() throws {
        var rng = SplitMix64(seed: 20261124)
        let seeds: [[UInt8]] = try [
            [UInt8](Data(contentsOf: fixtureFile("st_numpy"))),
            [UInt8](Data(contentsOf: fixtureFile("st_torch"))),
            [UInt8](Safetensors.encode([("a", Tensor([1, 2, 3])), ("b", Tensor([4], dtype: .float64))], metadata: ["k": "v"])),
        ]
        let jsonish = Array(#"0123456789-+.eE[]{}",: tfn\"#.utf8)
        var outcomes: [String: Int] = [:]
        for iteration in 0..<4000 {
            var bytes = seeds[iteration % seeds.count]
            switch iteration % 5 {
            case 0:  // pure noise, sometimes behind a plausible length prefix
                bytes = (0..<rng.below(80)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                if rng.below(2) == 0 { bytes = lengthPrefix(UInt64(rng.below(bytes.count + 8))) + bytes }
            case 1:  // flip a few bytes anywhere
                for _ in 0..<(1 + rng.below(4)) { bytes[rng.below(bytes.count)] = UInt8(truncatingIfNeeded: rng.next()) }
            case 2:  // JSON-shaped edits inside the header
                let headerEnd = 8 + Int(bytes[0]) + Int(bytes[1]) << 8
                for _ in 0..<(1 + rng.below(3)) { bytes[8 + rng.below(headerEnd - 8)] = jsonish[rng.below(jsonish.count)] }
            case 3:  // truncate or extend
                if rng.below(2) == 0 { bytes.removeLast(rng.below(bytes.count + 1)) } else {
                    bytes += (0..<(1 + rng.below(16))).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                }
            default:  // a wrong header length
                let length = UInt64(Int(bytes[0]) + Int(bytes[1]) << 8)
                let candidates: [UInt64] = [0, 1, length - 1, length + 1, length + 8, UInt64(bytes.count), .max, rng.next()]
                bytes.replaceSubrange(0..<8, with: lengthPrefix(candidates[rng.below(candidates.count)]))
            }
            do {
                let tensors = try Safetensors.decode(Data(bytes))
                for (_, t) in tensors { #expect(t.count == t.shape.reduce(1, *)) }
                outcomes["decoded", default: 0] += 1
            } catch let error as SafetensorsError {
                outcomes[Mirror(reflecting: error).children.first?.label ?? "\(error)", default: 0] += 1
            } catch {
                Issue.record("a non-SafetensorsError escaped: \(error)")
            }
        }
        // The mutations reach deep into validation, not just the first check.
        #expect(outcomes["decoded", default: 0] > 0, "\(outcomes)")
        #expect(outcomes.count >= 12, "distinct outcomes: \(outcomes)")
    }

    // MARK: Atomic writes

    @Test("Saving into a missing directory throws and leaves nothing behind")
    func saveIntoMissingDirectory() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let missing = directory.appendingPathComponent("missing")
        let url = missing.appendingPathComponent("w.safetensors")
        let error = #expect(throws: SafetensorsError.self) { try Safetensors.save([("w", Tensor([1]))], to: url) }
        guard case .writeFailed(let path, _) = error else {
            Issue.record("expected writeFailed, got \(String(describing: error))")
            return
        }
        #expect(path == url.path)
        #expect(!FileManager.default.fileExists(atPath: missing.path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }

    @Test("save writes each tensor from its storage: the file is byte for byte encode's image")
    func saveEqualsEncode() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("all.safetensors")
        let g = Generator(seed: 7)
        let tensors: [(String, Tensor)] = [
            ("f32", Tensor.randn([3, 5], generator: g)), ("f64", Tensor.randn([4], dtype: .float64, generator: g)),
            ("empty", Tensor.zeros([0, 3])), ("i64", Tensor([-1, 2, 1 << 40], dtype: .int64)),
            ("u8", Tensor([0, 255], dtype: .uint8)), ("bool", Tensor([1, 0, 1], dtype: .bool)),
            ("scalar", Tensor(scalar: 2.5)), ("c64", Tensor.randn([2, 3, 2], generator: g)),
            ("big", Tensor.randn([300, 1000], generator: g)),
        ]
        try Safetensors.save(tensors, to: url, metadata: ["format": "pt"], complex: ["c64"])
        #expect(try Data(contentsOf: url) == Safetensors.encode(tensors, metadata: ["format": "pt"], complex: ["c64"]))
        let dictionary = Dictionary(uniqueKeysWithValues: tensors)
        try Safetensors.save(dictionary, to: url)
        #expect(try Data(contentsOf: url) == Safetensors.encode(dictionary))
    }

    @Test("An existing file is replaced whole, and no temporary file is left")
    func replaceExisting() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("w.safetensors")
        try Data(repeating: 0xAB, count: 100_000).write(to: url)
        let tensors = [("w", Tensor([1, 2, 3]))]
        try Safetensors.save(tensors, to: url)
        #expect(try Data(contentsOf: url) == Safetensors.encode(tensors))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["w.safetensors"])
    }

    @Test("A failed save leaves the existing file untouched and removes its temporary file")
    func failedSaveKeepsOldFile() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("w.safetensors")
        try Safetensors.save([("old", Tensor([7]))], to: url)
        let before = try Data(contentsOf: url)
        #expect(throws: SafetensorsError.duplicateName("x")) {
            try Safetensors.save([("x", Tensor([1])), ("x", Tensor([2]))], to: url)
        }
        #expect(try Data(contentsOf: url) == before)

        // The rename itself fails when the target is a non-empty directory.
        let blocker = directory.appendingPathComponent("dir.safetensors")
        try FileManager.default.createDirectory(at: blocker, withIntermediateDirectories: false)
        try Data([1]).write(to: blocker.appendingPathComponent("keep"))
        let error = #expect(throws: SafetensorsError.self) { try Safetensors.save([("w", Tensor([1]))], to: blocker) }
        if case .writeFailed = error {} else { Issue.record("expected writeFailed, got \(String(describing: error))") }
        #expect(FileManager.default.fileExists(atPath: blocker.appendingPathComponent("keep").path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == ["dir.safetensors", "w.safetensors"])
        #expect(try Data(contentsOf: url) == before)
    }

    @Test("Loading a missing file is a readFailed error naming the path")
    func loadMissing() throws {
        let url = URL(fileURLWithPath: "/nonexistent/layerkit/w.safetensors")
        let error = #expect(throws: SafetensorsError.self) { try Safetensors.load(from: url) }
        guard case .readFailed(let path, _) = error else {
            Issue.record("expected readFailed, got \(String(describing: error))")
            return
        }
        #expect(path == url.path && error?.description.contains(url.path) == true)
    }
}

// MARK: Helpers

/// A committed `.safetensors` fixture.
func fixtureFile(_ name: String) throws -> URL {
    try #require(Bundle.module.url(forResource: name, withExtension: "safetensors", subdirectory: "Fixtures"),
                 "fixture \(name).safetensors is missing")
}

/// A float64 from its bit pattern in hex, as the fixtures store values (Foundation's JSON
/// number parsing on Linux can be a few ulps off, so exact values travel as bits).
private func doubleFromHex(_ hex: String) -> Double {
    Double(bitPattern: UInt64(hex, radix: 16) ?? 0x7FF8_0000_0000_0BAD)
}

/// A file image: length prefix, `header` as UTF-8 (unpadded), then `data`.
private func image(_ header: String, _ data: [UInt8]) -> Data {
    Data(lengthPrefix(UInt64(header.utf8.count)) + Array(header.utf8) + data)
}

private func lengthPrefix(_ n: UInt64) -> [UInt8] {
    (0..<8).map { UInt8(truncatingIfNeeded: n >> (8 * $0)) }
}

private func floatBytes(_ values: [Float]) -> [UInt8] {
    values.flatMap { v in (0..<4).map { UInt8(truncatingIfNeeded: v.bitPattern >> (8 * $0)) } }
}

func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("layerkit-st-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Runs `executable` (looked up on `PATH`) with `arguments`; the status and the output as text.
func runProcess(_ executable: String, _ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [executable] + arguments
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
}

/// Runs Python with `arguments` — `$LAYERKIT_PYTHON` when set (e.g. a virtualenv with
/// safetensors), else `python3` from `PATH`; stdout and stderr as text.
func runPython(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
    try runProcess(ProcessInfo.processInfo.environment["LAYERKIT_PYTHON"] ?? "python3", arguments)
}

/// A small seeded generator for the fuzz tests (SplitMix64).
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { n <= 0 ? 0 : Int(next() % UInt64(n)) }
}
