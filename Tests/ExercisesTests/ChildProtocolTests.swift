import Foundation
import LayerKit
import Testing
@testable import LayerKitChild

/// The messages between the grader and a child: typed, in safetensors frames, and refused
/// when they are anything else.
@Suite("Grading: the child protocol's frames")
struct ChildProtocolTests {
    @Test("Every request and reply survives its frame, tensors included, with the JSON kinds the Python child reads")
    func roundTrip() throws {
        let x = Tensor([1, -2, 3.5, 4], shape: [2, 2], dtype: .float64)
        let requests: [ChildRequest] = [
            .hello(Hello(signature: .sizes, candidate: "mine", exercise: "tensor-reduction")),
            .build(Build(instance: 3, seed: 7, precision: .float64,
                         arguments: BuildArguments(blocks: [.linear(weight: 0, bias: 1), .relu, .sequential([.freshLinear(4, 4)])],
                                                   count: 2, maker: .freshLinear(4, 4)))),
            .forward(Forward(instance: 3, seed: 1, items: [ForwardItem(input: 0, parameters: ["w": 0])])),
            .parameters(InstanceRef(instance: 3)), .stateDict(InstanceRef(instance: 3)),
            .loadStateDict(LoadState(instance: 3, names: ["weight"])),
            .gradients(Gradients(instance: 3, seed: 2, input: 0, outputGradients: [0, 0])),
        ]
        for request in requests {
            let bytes = try Frame(request, tensors: [x]).encoded()
            let length = try Frame<ChildRequest>.bodyLength(bytes.prefix(8), cap: FrameCap.request)
            #expect(length == bytes.count - 8)
            let decoded = try Frame<ChildRequest>.decode(body: bytes.dropFirst(8))
            #expect(decoded.message == request && decoded.tensors.count == 1 && decoded.tensors[0].doubles() == x.doubles())
        }
        let replies: [ChildReply] = [
            .ready(Ready(language: .python, runtime: "torch")), .built(Built(instance: 1, typeName: "T", makerCalls: 3)),
            .outputs(count: 1), .tensors(names: ["a"]), .loaded,
            .gradients(GradientsReply(parameterNames: ["w"], blockParameterNames: [], items: [GradientItem(input: 0, parameters: [nil], blockParameters: [])])),
            .failed(Failure(.raised, "boom")),
        ]
        for reply in replies {
            let decoded = try Frame<ChildReply>.decode(body: try Frame(reply, tensors: [x]).encoded().dropFirst(8))
            #expect(decoded.message == reply)
        }
        // The JSON form the Python child speaks.
        let json = try #require(String(data: JSONEncoder().encode(ChildReply.outputs(count: 2)), encoding: .utf8))
        #expect(json.contains(#""kind":"outputs""#) && json.contains(#""count":2"#))
    }

    @Test("A length above the cap, bytes that are not safetensors, no message, misnamed tensors or another message type are refused")
    func refusals() throws {
        var huge = Data(count: 8)
        huge.withUnsafeMutableBytes { $0.storeBytes(of: UInt64(1 << 40).littleEndian, as: UInt64.self) }
        #expect(throws: FrameError.tooLarge(length: 1 << 40, cap: FrameCap.reply)) {
            _ = try Frame<ChildReply>.bodyLength(huge, cap: FrameCap.reply)
        }
        func malformed(_ body: Data) -> Bool {
            do { _ = try Frame<ChildReply>.decode(body: body); return false } catch let error as FrameError {
                if case .malformed = error { return true }
                return false
            } catch { return false }
        }
        #expect(malformed(Data("not a frame".utf8)))
        #expect(malformed(try Safetensors.encode([("t0", Tensor([1.0]))])))  // no message
        #expect(malformed(try Safetensors.encode([("weights", Tensor([1.0]))], metadata: ["message": #"{"kind":"loaded","body":{}}"#])))
        #expect(malformed(try Safetensors.encode([], metadata: ["message": #"{"kind":"passed","body":{}}"#])))
        #expect(malformed(try Frame(ChildRequest.parameters(InstanceRef(instance: 0))).encoded().dropFirst(8)))  // a request, not a reply
        let frame = try Frame<ChildReply>.decode(body: try Frame(ChildReply.outputs(count: 1)).encoded().dropFirst(8))
        #expect(throws: FrameError.self) { _ = try frame.tensor(0) }  // it refers to a tensor it does not carry
    }
}
