"""The child side of `layerkit grade` for a PyTorch answer file.

    python3 -I -B layerkit_child.py ANSWER.py

Speaks the protocol of LayerKit's Swift child (Sources/LayerKitChild): on its standard input
and output, frames of an 8-byte little-endian length and a safetensors image whose
`__metadata__["message"]` is the JSON message ({"kind": ..., "body": ...}) and whose tensors,
named t0, t1, ..., are the ones the message refers to by position.

It only computes: it builds the answer, runs it, and returns outputs, gradients (torch's
autograd), parameters and state dicts. It decides nothing; the grader judges every number
in its own process. Before any of the answer's code runs, the channel moves to private
descriptors: standard input becomes /dev/null and standard output goes to standard error,
so what the answer prints is captured as its output and never read as a message.
"""

import collections
import importlib.util
import json
import os
import struct
import sys
import traceback

REQUEST_CAP = 256 << 20

# safetensors dtype names <-> torch dtypes (filled once torch is imported).
DTYPES = {}


def take_channel():
    """Moves the channel off stdin/stdout; returns (read, write) file objects."""
    channel_in = os.fdopen(os.dup(0), "rb", buffering=0)
    channel_out = os.fdopen(os.dup(1), "wb", buffering=0)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return channel_in, channel_out


def read_exactly(stream, count):
    data = bytearray()
    while len(data) < count:
        chunk = stream.read(count - len(data))
        if not chunk:
            if not data:
                return None
            raise EOFError("the stream ended inside a message")
        data += chunk
    return bytes(data)


def decode_frame(body):
    """(message, tensors) from a safetensors image."""
    import torch
    (header_length,) = struct.unpack("<Q", body[:8])
    header = json.loads(body[8:8 + header_length].decode("utf-8"))
    message = json.loads(header.pop("__metadata__")["message"])
    data = body[8 + header_length:]
    entries = sorted(header.items(), key=lambda item: item[1]["data_offsets"][0])
    tensors = []
    for index, (name, entry) in enumerate(entries):
        if name != "t%d" % index:
            raise ValueError("tensor %d is named %r" % (index, name))
        begin, end = entry["data_offsets"]
        dtype = DTYPES[entry["dtype"]]
        raw = bytearray(data[begin:end])
        tensor = torch.frombuffer(raw, dtype=dtype) if raw else torch.empty(0, dtype=dtype)
        tensors.append(tensor.reshape(entry["shape"]).clone())
    return message, tensors


def tensor_bytes(tensor):
    flat = tensor.detach().cpu().contiguous().reshape(-1)
    try:
        return flat.numpy().tobytes()
    except Exception:  # torch without numpy
        return bytes(flat.view(__import__("torch").uint8).tolist())


def encode_frame(message, tensors):
    names = {dtype: name for name, dtype in DTYPES.items()}
    header, blobs, offset = {"__metadata__": {"message": json.dumps(message)}}, [], 0
    for index, tensor in enumerate(tensors):
        blob = tensor_bytes(tensor)
        header["t%d" % index] = {"dtype": names[tensor.dtype], "shape": list(tensor.shape),
                                 "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    image = struct.pack("<Q", len(text)) + text + b"".join(blobs)
    return struct.pack("<Q", len(image)) + image


# The folder of the answer file: frames there are the learner's; paths are shown relative to it.
ANSWER_FOLDER = None


def last_lines(limit=12):
    """The exception and the learner's own frames of its traceback (the grader's and torch's
    frames left out), paths relative to the submission."""
    kind, error, tb = sys.exc_info()
    frames = traceback.extract_tb(tb)
    if ANSWER_FOLDER:
        own = [f for f in frames if os.path.abspath(f.filename).startswith(ANSWER_FOLDER + os.sep)]
        frames = own or ([] if isinstance(error, SyntaxError) else frames[-1:])
    lines = []
    for frame in frames:
        name = os.path.relpath(frame.filename, ANSWER_FOLDER) if ANSWER_FOLDER and frame.filename.startswith(ANSWER_FOLDER) else frame.filename
        lines.append('File "%s", line %s, in %s' % (name, frame.lineno, frame.name))
        if frame.line:
            lines.append("    " + frame.line.strip())
    lines += [line.rstrip() for line in traceback.format_exception_only(kind, error)]
    text = "\n".join(lines[-limit:])
    return text.replace(ANSWER_FOLDER + os.sep, "") if ANSWER_FOLDER else text


class Refused(Exception):
    """A request the child answers with a failure of this kind."""

    def __init__(self, kind, message):
        super().__init__(message)
        self.kind = kind


def failed(kind, text):
    return {"kind": "failed", "body": {"kind": kind, "message": text}}, []


class Server:
    def __init__(self, answer, signature):
        self.answer = answer
        self.signature = signature
        self.instances = {}

    def block(self, spec, tensors, dtype):
        import torch
        from torch import nn
        kind = spec["kind"]
        if kind == "relu":
            return nn.ReLU()
        if kind == "sequential":
            return nn.Sequential(*[self.block(b, tensors, dtype) for b in spec.get("blocks") or []])
        if spec.get("weight") is not None:
            weight = tensors[spec["weight"]]
            bias = tensors[spec["bias"]] if spec.get("bias") is not None else None
            layer = nn.Linear(weight.shape[1], weight.shape[0], bias=bias is not None, dtype=dtype)
            with torch.no_grad():
                layer.weight.copy_(weight)
                if bias is not None:
                    layer.bias.copy_(bias)
            return layer
        return nn.Linear(spec["inFeatures"], spec["outFeatures"], dtype=dtype)

    def build(self, body, tensors):
        import torch
        from torch import nn
        torch.manual_seed(body["seed"] % (1 << 63))
        dtype = torch.float64 if body["precision"] == "float64" else torch.float32
        arguments = body["arguments"]
        blocks = [self.block(b, tensors, dtype) for b in arguments.get("blocks") or []]
        calls = [0]
        maker = arguments.get("maker")

        def make_block():
            calls[0] += 1
            return self.block(maker, tensors, dtype)

        sizes = arguments.get("sizes") or []
        calls_by_signature = {
            "blocks": lambda: self.answer(*blocks),
            "pair": lambda: self.answer(blocks[0], blocks[1]),
            "countAndMaker": lambda: self.answer(arguments.get("count", 0), make_block),
            "noArguments": lambda: self.answer(),
            "sizes": lambda: self.answer(sizes[0], sizes[1]),
        }
        try:
            module = calls_by_signature[self.signature]()
        except Exception:
            raise Refused("raised", "building the layer raised:\n" + last_lines())
        if not isinstance(module, nn.Module):
            raise Refused("unusable", "answer(...) returned %s, not a torch.nn.Module" % type(module).__name__)
        if body["precision"] == "float64":
            module = module.double()
        self.instances[body["instance"]] = (module, blocks)
        return {"kind": "built", "body": {"instance": body["instance"], "typeName": type(module).__name__,
                                          "makerCalls": calls[0]}}, []

    def instance(self, number):
        if number not in self.instances:
            raise Refused("badRequest", "no instance %d" % number)
        return self.instances[number]

    @staticmethod
    def output(value, what):
        import torch
        if not isinstance(value, torch.Tensor):
            raise Refused("unusable", "%s returned %s, not a tensor" % (what, type(value).__name__))
        return torch.view_as_real(value) if value.is_complex() else value

    def forward(self, body, tensors):
        import torch
        module, _ = self.instance(body["instance"])
        parameters = dict(module.named_parameters())
        torch.manual_seed(body["seed"] % (1 << 63))
        outputs = []
        for item in body["items"]:
            saved = []
            with torch.no_grad():
                for name, index in sorted(item.get("parameters", {}).items()):
                    if name not in parameters:
                        raise Refused("badRequest", "no parameter %s" % name)
                    saved.append((parameters[name], parameters[name].detach().clone()))
                    parameters[name].copy_(tensors[index])
                try:
                    y = self.output(module(tensors[item["input"]]), "forward")
                except Refused:
                    raise
                except Exception:
                    raise Refused("raised", "forward raised:\n" + last_lines())
                finally:
                    for parameter, value in saved:
                        parameter.copy_(value)
            outputs.append(y.detach())
        return {"kind": "outputs", "body": {"count": len(outputs)}}, outputs

    def named(self, pairs):
        names, tensors = [], []
        for name, tensor in pairs:
            names.append(name)
            tensor = tensor.detach()
            tensors.append(__import__("torch").view_as_real(tensor) if tensor.is_complex() else tensor)
        return {"kind": "tensors", "body": {"names": names}}, tensors

    def load_state(self, body, tensors):
        module, _ = self.instance(body["instance"])
        if len(body["names"]) != len(tensors):
            raise Refused("badRequest", "%d names for %d tensors" % (len(body["names"]), len(tensors)))
        try:
            module.load_state_dict(collections.OrderedDict(zip(body["names"], tensors)), strict=True)
        except Exception as error:
            raise Refused("raised", "%s: %s" % (type(error).__name__, error))
        return {"kind": "loaded", "body": {}}, []

    def gradients(self, body, tensors):
        import torch
        module, blocks = self.instance(body["instance"])
        named = list(module.named_parameters())
        block_named = [("%d.%s" % (b, name), p) for b, block in enumerate(blocks) for name, p in block.named_parameters()]
        torch.manual_seed(body["seed"] % (1 << 63))
        out, items = [], []

        def add(tensor):
            if tensor is None:
                return None
            out.append(tensor.detach().clone())
            return len(out) - 1

        for seed_index in body["outputGradients"]:
            seed = tensors[seed_index]
            x = tensors[body["input"]].detach().clone()
            if x.is_floating_point():
                x.requires_grad_(True)
            for _, p in named + block_named:
                p.grad = None
            try:
                with torch.enable_grad():
                    y = self.output(module(x), "forward")
                    if tuple(y.shape) != tuple(seed.shape):
                        raise Refused("unusable", "the output's shape %s is not the output gradient's %s"
                                      % (list(y.shape), list(seed.shape)))
                    if y.requires_grad:
                        y.backward(seed.to(y.dtype))
            except Refused:
                raise
            except Exception:
                raise Refused("raised", "forward or backward raised:\n" + last_lines())
            items.append({"input": add(x.grad), "parameters": [add(p.grad) for _, p in named],
                          "blockParameters": [add(p.grad) for _, p in block_named]})
        return {"kind": "gradients", "body": {"parameterNames": [n for n, _ in named],
                                              "blockParameterNames": [n for n, _ in block_named],
                                              "items": items}}, out

    def handle(self, message, tensors):
        kind, body = message["kind"], message["body"]
        if kind == "build":
            return self.build(body, tensors)
        if kind == "forward":
            return self.forward(body, tensors)
        if kind == "parameters":
            return self.named(self.instance(body["instance"])[0].named_parameters())
        if kind == "stateDict":
            return self.named(self.instance(body["instance"])[0].state_dict().items())
        if kind == "loadStateDict":
            return self.load_state(body, tensors)
        if kind == "gradients":
            return self.gradients(body, tensors)
        raise Refused("badRequest", "unknown request %s" % kind)


def load(path):
    """The answer file's `answer`, or a Refused("load" or "noAnswer", ...) saying why not."""
    global ANSWER_FOLDER
    directory = os.path.dirname(os.path.abspath(path))
    ANSWER_FOLDER = directory
    sys.path.insert(0, directory)  # a folder submission's other files import
    try:
        spec = importlib.util.spec_from_file_location("answer_file", path)
        module = importlib.util.module_from_spec(spec)
        sys.modules["answer_file"] = module
        spec.loader.exec_module(module)
    except BaseException:
        raise Refused("load", "the file does not load:\n" + last_lines(8))
    if not hasattr(module, "answer"):
        raise Refused("noAnswer", "nothing is named `answer`: add one line naming your layer, e.g. `answer = MyLinear`")
    if not callable(module.answer):
        raise Refused("load", "`answer` is a %s, not a callable returning the layer (e.g. `answer = MyLinear`)"
                      % type(module.answer).__name__)
    return module.answer


def main():
    channel_in, channel_out = take_channel()
    path = sys.argv[1]
    server = None
    # torch first, before anything of the answer: a failure here is the grader's environment's.
    try:
        import torch
        torch.set_num_threads(1)
        broken = None
    except BaseException:
        broken = "the grader's Python cannot import torch in the sandbox (check --python-memory-limit and that the learner user can read the interpreter):\n" + last_lines()
    while True:
        prefix = read_exactly(channel_in, 8)
        if prefix is None:
            return 0
        (length,) = struct.unpack("<Q", prefix)
        if length > REQUEST_CAP:
            return 70
        body = read_exactly(channel_in, length)
        if not DTYPES and not broken:
            DTYPES.update({"F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16,
                           "I64": torch.int64, "I32": torch.int32, "U8": torch.uint8, "BOOL": torch.bool})
        if broken:
            channel_out.write(encode_frame({"kind": "failed", "body": {"kind": "environment", "message": broken}}, []))
            continue
        message, tensors = decode_frame(body)
        try:
            if message["kind"] == "hello":
                server = Server(load(path), message["body"]["signature"])
                runtime = "torch %s, Python %s" % (torch.__version__, sys.version.split()[0])
                reply = {"kind": "ready", "body": {"language": "python", "runtime": runtime}}, []
            elif server is None:
                reply = failed("badRequest", "no answer loaded: hello first")
            else:
                reply = server.handle(message, tensors)
        except Refused as refused:
            reply = failed(refused.kind, str(refused))
        except Exception:
            reply = failed("raised", last_lines())
        sys.stderr.flush()
        try:
            channel_out.write(encode_frame(*reply))
        except Exception:
            channel_out.write(encode_frame(*failed("unusable", "the reply cannot be encoded:\n" + last_lines())))


if __name__ == "__main__":
    sys.exit(main())
