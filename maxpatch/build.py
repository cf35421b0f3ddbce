"""Build Segue's Max for Live devices from the text sources in maxpatch/.

    python maxpatch/build.py [--out maxpatch/build]

Writes, under maxpatch/build/ (git-ignored):

- ``Segue.amxd``: the streaming device, a MIDI effect (ampf 'mmmm'), from ``Segue.maxpat``;
- ``Segue Transform.amxd`` and ``Segue Generate.amxd``: the MIDI Tools of Live 12's clip view, a
  Transformation ('natt') and a Generator ('nagg'), from ``SegueTransform.maxpat`` and
  ``SegueGenerate.maxpat``;

each with, for diffing, its patcher JSON (``*.device.maxpat``) and its bundled code (``*.bundle.js``).
A device's [v8] box gets its code embedded: its main script plus the plain CommonJS modules it
requires, bundled into one script (the tools' with their kind set first), so the device refers to no
file outside itself (Live 12.2+ / Max 9, where [v8] exists).
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import struct
import sys
from pathlib import Path
from typing import NamedTuple

HERE = Path(__file__).resolve().parent
JS = HERE / "js"
SOURCE = HERE / "Segue.maxpat"
MAIN = "segue.js"
MIDI_EFFECT = b"mmmm"
AMXDTYPE_MIDI = 1835887981  # b"mmmm" read as a uint32 (either byte order)
MINIMUM_LIVE_VERSION = "12.2"


class Device(NamedTuple):
    source: str  # the patch in maxpatch/
    main: str  # the [v8] box's script in maxpatch/js/
    type: bytes  # the ampf chunk's device type
    built: str  # the file written
    kind: str | None = None  # a MIDI Tool's kind, set before its code (__segue_kind)

    @property
    def amxdtype(self) -> int:
        """The project's amxdtype: the type tag read as a big-endian uint32, as Max saves it (the
        Transformations of h1data/M4L-MIDI-tool-examples carry 1851880564, b"natt")."""
        return int.from_bytes(self.type, "big")


DEVICES = (
    Device("Segue.maxpat", MAIN, MIDI_EFFECT, "Segue.amxd"),
    Device("SegueTransform.maxpat", "segue_tool.js", b"natt", "Segue Transform.amxd", "transform"),
    Device("SegueGenerate.maxpat", "segue_tool.js", b"nagg", "Segue Generate.amxd", "generate"),
)
REQUIRE = re.compile(r"""req(?:uire)?\(\s*["'](\./[\w-]+)["']\s*\)""")


def module_order(main: str = MAIN) -> list[str]:
    """The modules ``main`` needs, dependencies first (names like ``./device``)."""
    order: list[str] = []

    def visit(name: str, stack: tuple[str, ...]) -> None:
        if name in order:
            return
        if name in stack:
            raise ValueError(f"circular require: {' -> '.join(stack + (name,))}")
        for dep in REQUIRE.findall((JS / f"{name[2:]}.js").read_text(encoding="utf-8")):
            visit(dep, stack + (name,))
        order.append(name)

    for dep in REQUIRE.findall((JS / main).read_text(encoding="utf-8")):
        visit(dep, ())
    return order


def bundle(main: str = MAIN, kind: str | None = None) -> str:
    """One script: every required module wrapped as a CommonJS function, then ``main`` at top
    level (Max calls its functions by name); a MIDI Tool's kind first."""
    parts = ["// Segue device code, bundled by maxpatch/build.py from maxpatch/js/. Do not edit here.",
             *([f"var __segue_kind = {json.dumps(kind)};"] if kind else []),
             "var __segue_modules = {};", "var __segue_cache = {};",
             "function __segue_require(name) {",
             "  if (__segue_cache[name]) return __segue_cache[name].exports;",
             "  var module = { exports: {} };",
             "  __segue_cache[name] = module;",
             "  __segue_modules[name](module, module.exports, __segue_require);",
             "  return module.exports;",
             "}"]
    for name in module_order(main):
        source = (JS / f"{name[2:]}.js").read_text(encoding="utf-8")
        parts.append(f"__segue_modules[{json.dumps(name)}] = function (module, exports, require) {{\n"
                     f"{source}\n}};")
    parts.append((JS / main).read_text(encoding="utf-8"))
    return "\n".join(parts) + "\n"


def device_patcher(source: Path = SOURCE, device: Device = DEVICES[0]) -> dict:
    """The source patch with the [v8] code embedded and the device keys set."""
    patch = json.loads(source.read_text(encoding="utf-8"))
    out = copy.deepcopy(patch)
    p = out["patcher"]
    code = bundle(device.main, device.kind)
    found = 0
    for entry in p["boxes"]:
        b = entry["box"]
        words = str(b.get("text", "")).split()
        if words[:1] == ["v8"] and device.main in words:
            # The keys Max 9 itself writes for a [v8] with embedded code (as in patches saved by
            # Max 9): "filename" "none" on the box, the code in "textfile" with embed 1.
            b["text"] = "v8 @embed 1"
            b["filename"] = "none"
            b["saved_object_attributes"] = {**b.get("saved_object_attributes", {}), "embed": 1, "parameter_enable": 0}
            b["saved_object_attributes"].pop("filename", None)
            b["textfile"] = {"text": code, "filename": "none", "flags": 0, "embed": 1, "autowatch": 1}
            found += 1
    if found != 1:
        raise ValueError(f"expected one [v8 {device.main}] box in {source.name}, found {found}")
    p["minimum_live_version"] = MINIMUM_LIVE_VERSION
    p["dependency_cache"] = []
    p["project"] = {"version": 1, "amxdtype": device.amxdtype, "readonly": 0, "devpathtype": 0, "devpath": ".",
                    "contents": {"patchers": {}}, "searchpath": {}, "detailsvisible": 0, "includepackages": 0}
    return out


def amxd(patcher: dict, device_type: bytes = MIDI_EFFECT) -> bytes:
    payload = json.dumps(patcher, indent="\t", ensure_ascii=False).encode("utf-8") + b"\n\x00"
    return (b"ampf" + struct.pack("<I", 4) + device_type + b"meta" + struct.pack("<I", 4) + b"\x00\x00\x00\x00"
            + b"ptch" + struct.pack("<I", len(payload)) + payload)


def read_amxd(data: bytes) -> list[tuple[str, bytes]]:
    """The chunks of a .amxd: [(tag, body)]."""
    chunks, at = [], 0
    while at < len(data):
        if at + 8 > len(data):
            raise ValueError(f"truncated chunk header at {at}")
        tag = data[at:at + 4].decode("ascii")
        (size,) = struct.unpack("<I", data[at + 4:at + 8])
        body = data[at + 8:at + 8 + size]
        if len(body) != size:
            raise ValueError(f"chunk {tag} wants {size} bytes, has {len(body)}")
        chunks.append((tag, body))
        at += 8 + size
    return chunks


def build(out_dir: Path) -> dict[str, Path]:
    """Every device of DEVICES, built into ``out_dir``: {its source patch's name: the .amxd}."""
    out_dir.mkdir(parents=True, exist_ok=True)
    built = {}
    for device in DEVICES:
        patcher = device_patcher(HERE / device.source, device)
        stem = device.built.removesuffix(".amxd")
        (out_dir / f"{stem}.device.maxpat").write_text(json.dumps(patcher, indent=1, ensure_ascii=False) + "\n",
                                                       encoding="utf-8")
        (out_dir / f"{stem}.bundle.js").write_text(bundle(device.main, device.kind), encoding="utf-8")
        target = out_dir / device.built
        target.write_bytes(amxd(patcher, device.type))
        built[device.source] = target
    return built


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE / "build")
    args = parser.parse_args(argv)
    for target in build(args.out).values():
        print(f"wrote {target} ({target.stat().st_size} bytes; Live {MINIMUM_LIVE_VERSION}+)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
