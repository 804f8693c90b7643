import Foundation
import LayerKit

/// One message on the wire: an 8-byte little-endian length, then a safetensors image whose
/// `__metadata__` holds the message as JSON under `message` and whose tensors are named
/// `t0`, `t1`, … in the order the message refers to them.
///
/// Both sides check what they read: the length against a cap before anything is read, the
/// image with LayerKit's validating safetensors decoder, the names, and the JSON against the
/// message type. A reader never trusts the writer.
public struct Frame<Message: Codable & Sendable> {
    /// The typed header.
    public var message: Message
    /// The tensors it refers to by position.
    public var tensors: [Tensor]

    /// A frame.
    public init(_ message: Message, tensors: [Tensor] = []) {
        self.message = message
        self.tensors = tensors
    }

    /// The bytes on the wire: length prefix and safetensors image.
    public func encoded() throws -> Data {
        let json = String(decoding: try JSONEncoder().encode(message), as: UTF8.self)
        let image = try Safetensors.encode(tensors.enumerated().map { ("t\($0.offset)", $0.element) },
                                           metadata: [Frame.messageKey: json])
        var data = Data(count: 8)
        data.withUnsafeMutableBytes { $0.storeBytes(of: UInt64(image.count).littleEndian, as: UInt64.self) }
        return data + image
    }

    /// The body length announced by an 8-byte prefix, or a ``FrameError`` when it is above `cap`.
    public static func bodyLength(_ prefix: Data, cap: Int) throws -> Int {
        guard prefix.count == 8 else { throw FrameError.truncated }
        let length = prefix.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard length <= UInt64(cap) else { throw FrameError.tooLarge(length: length, cap: cap) }
        return Int(length)
    }

    /// The frame in a body (the bytes after the length prefix).
    public static func decode(body: Data) throws -> Frame {
        let image: (tensors: [(String, Tensor)], metadata: [String: String]?)
        do { image = try Safetensors.decodeWithMetadata(body) } catch {
            throw FrameError.malformed("not a safetensors image: \(error)")
        }
        guard let json = image.metadata?[messageKey] else { throw FrameError.malformed("no message in the metadata") }
        for (i, (name, _)) in image.tensors.enumerated() where name != "t\(i)" {
            throw FrameError.malformed("tensor \(i) is named \(name.debugDescription), expected t\(i)")
        }
        do {
            return Frame(try JSONDecoder().decode(Message.self, from: Data(json.utf8)), tensors: image.tensors.map(\.1))
        } catch {
            throw FrameError.malformed("the message is not a \(Message.self): \(error)")
        }
    }

    /// The metadata key of the JSON message.
    static var messageKey: String { "message" }
}

/// Why bytes read from the other side are not a frame.
public enum FrameError: Error, CustomStringConvertible, Equatable {
    /// The stream ended inside a frame.
    case truncated
    /// The announced length is above the reader's cap.
    case tooLarge(length: UInt64, cap: Int)
    /// The body is not a well-formed message.
    case malformed(String)

    /// The reason, in words.
    public var description: String {
        switch self {
        case .truncated: return "the stream ended inside a message"
        case .tooLarge(let length, let cap): return "a message of \(length) bytes, above the \(cap)-byte cap"
        case .malformed(let why): return "a malformed message: \(why)"
        }
    }
}

/// Caps on what each side reads.
public enum FrameCap {
    /// A reply the grader reads: the largest legitimate one (a gradient check's batch of
    /// outputs) is far below it.
    public static let reply = 64 << 20
    /// A request a child reads.
    public static let request = 256 << 20
}

extension Frame {
    /// A tensor of the frame by index, or a ``FrameError`` when the message names one that is not there.
    public func tensor(_ index: Int) throws -> Tensor {
        guard tensors.indices.contains(index) else {
            throw FrameError.malformed("the message refers to tensor \(index) of \(tensors.count)")
        }
        return tensors[index]
    }
}
