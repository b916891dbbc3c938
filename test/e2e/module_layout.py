"""Reads a .tsr module's layout (runtime/schema/module.fbs) without the
FlatBuffers package: each target's code (target, kernel object and PTX
segments) and the segments, so that a test can tell weights from code and
take the PTX out. Only what the tests need: no verification (the runtime
does that)."""
import struct

# Field ids (declaration order) in module.fbs.
MODULE_TARGET, MODULE_KERNEL_OBJECT, MODULE_SEGMENTS = 2, 5, 6
MODULE_CUDA_PTX, MODULE_OTHER_TARGETS = 9, 11
CODE_TARGET, CODE_KERNEL_OBJECT, CODE_CUDA_PTX = 0, 2, 3


class _Table:
    def __init__(self, data, pos):
        self.data, self.pos = data, pos
        vtable = pos - struct.unpack_from("<i", data, pos)[0]
        size = struct.unpack_from("<H", data, vtable)[0]
        self.fields = [struct.unpack_from("<H", data, vtable + 4 + 2 * i)[0]
                       for i in range((size - 4) // 2)]

    def _offset(self, field):
        return self.fields[field] if field < len(self.fields) else 0

    def int32(self, field, default):
        off = self._offset(field)
        return struct.unpack_from("<i", self.data, self.pos + off)[0] if off else default

    def _target(self, field):
        off = self._offset(field)
        if not off:
            return None
        at = self.pos + off
        return at + struct.unpack_from("<I", self.data, at)[0]

    def string(self, field):
        at = self._target(field)
        if at is None:
            return ""
        length = struct.unpack_from("<I", self.data, at)[0]
        return self.data[at + 4:at + 4 + length].decode()

    def vector(self, field):
        """(element start, count), (0, 0) when absent."""
        at = self._target(field)
        return (0, 0) if at is None else (at + 4, struct.unpack_from("<I", self.data, at)[0])

    def tables(self, field):
        start, count = self.vector(field)
        out = []
        for i in range(count):
            at = start + 4 * i
            out.append(_Table(self.data, at + struct.unpack_from("<I", self.data, at)[0]))
        return out


def read(path):
    """{'targets': [{'target', 'kernel_object', 'cuda_ptx'}...] (the primary
    first), 'segments': [(offset, size)...], 'data': the file's bytes}."""
    with open(path, "rb") as f:
        data = f.read()
    root = _Table(data, 4 + struct.unpack_from("<I", data, 4)[0])  # after the size prefix
    start, count = root.vector(MODULE_SEGMENTS)
    segments = [struct.unpack_from("<QQ", data, start + 16 * i) for i in range(count)]
    targets = [{"target": root.string(MODULE_TARGET),
                "kernel_object": root.int32(MODULE_KERNEL_OBJECT, 0),
                "cuda_ptx": root.int32(MODULE_CUDA_PTX, -1)}]
    for code in root.tables(MODULE_OTHER_TARGETS):
        targets.append({"target": code.string(CODE_TARGET),
                        "kernel_object": code.int32(CODE_KERNEL_OBJECT, -1),
                        "cuda_ptx": code.int32(CODE_CUDA_PTX, -1)})
    return {"targets": targets, "segments": segments, "data": data}


def weight_segments(layout):
    """The segments that hold no target's code: the weights."""
    code = set()
    for target in layout["targets"]:
        code.add(target["kernel_object"])
        if target["cuda_ptx"] >= 0:
            code.add(target["cuda_ptx"])
    return [s for i, s in enumerate(layout["segments"]) if i not in code]


def ptx(layout):
    """The PTX text of the module's CUDA code, or None."""
    for target in layout["targets"]:
        if target["cuda_ptx"] >= 0:
            offset, size = layout["segments"][target["cuda_ptx"]]
            return layout["data"][offset:offset + size].rstrip(b"\0").decode()
    return None
