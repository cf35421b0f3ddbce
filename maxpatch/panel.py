"""Draw a device's panel from its patch's presentation layout: docs/device-panel.png (Segue.maxpat),
docs/miditools.png (the two MIDI Tools, one under the other).

    python maxpatch/panel.py [--out docs/device-panel.png] [--scale 2]
    python maxpatch/panel.py --patch maxpatch/SegueTransform.maxpat --patch maxpatch/SegueGenerate.maxpat \
        --out docs/miditools.png

Every box with ``presentation`` is drawn at its ``presentation_rect``, in the style of its class,
showing only what Max draws for it: a live.dial its short name and value, a live.numbox its value,
a live.menu / umenu its item, a live.tab its items, a live.text its text, a live.button a circle,
a pictslider (the XY pad) its field and knob, a textedit its field, a comment its text (a caption the
device's code fills is blank until then). Names beside number boxes and
menus are comments in the patch, so they appear here exactly as on the device. The picture follows
the patch whenever the layout changes.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

HERE = Path(__file__).resolve().parent
HEIGHT = 169  # a Live device's height in pixels (a MIDI Tool's is its patch's openrect)
BG, PANEL, INK, DIM, ACCENT, FIELD = "#1e1e1e", "#3a3a3a", "#e6e6e6", "#9a9a9a", "#ffb000", "#2a2a2a"


NOTE_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")


def _font(size: int) -> ImageFont.ImageFont:
    for name in ("DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "Arial.ttf"):
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return ImageFont.load_default()


def height_of(patch: dict) -> int:
    rect = patch["patcher"].get("openrect") or [0, 0, 0, 0]
    return int(rect[3]) if rect[3] else HEIGHT


def render(patch: dict, scale: int = 2) -> Image.Image:
    p = patch["patcher"]
    width, height = int(p.get("devicewidth", 560)), height_of(patch)
    img = Image.new("RGB", (width * scale, height * scale), BG)
    d = ImageDraw.Draw(img)
    small = _font(8 * scale)
    d.rectangle([0, 0, width * scale - 1, height * scale - 1], fill=PANEL)
    for entry in p["boxes"]:
        b = entry["box"]
        if not b.get("presentation"):
            continue
        x, y, w, h = (v * scale for v in b["presentation_rect"])
        v = b.get("saved_attribute_attributes", {}).get("valueof", {})
        label = v.get("parameter_shortname", "")
        initial = (v.get("parameter_initial") or [0])[0]
        cls = b["maxclass"]
        if cls == "live.dial":
            r = min(w, h - 14 * scale) / 2 - scale
            cx, cy = x + w / 2, y + 10 * scale + r
            d.text((x + w / 2, y), label, fill=INK, font=small, anchor="ma")
            d.arc([cx - r, cy - r, cx + r, cy + r], 135, 405, fill=DIM, width=2 * scale)
            lo, hi = v.get("parameter_mmin", 0), v.get("parameter_mmax", 1)
            frac = (initial - lo) / (hi - lo) if hi > lo else 0
            d.arc([cx - r, cy - r, cx + r, cy + r], 135, 135 + 270 * max(frac, 0.01), fill=ACCENT, width=2 * scale)
            ang = math.radians(135 + 270 * frac)
            d.line([cx, cy, cx + r * math.cos(ang), cy + r * math.sin(ang)], fill=INK, width=scale)
            d.text((cx, y + h), f"{initial:g}", fill=DIM, font=small, anchor="md")
        elif cls in ("live.numbox", "live.menu", "umenu"):
            d.rectangle([x, y, x + w, y + h], fill=FIELD, outline=DIM)
            if cls == "live.menu":
                shown = v["parameter_enum"][int(initial)]
            elif cls == "umenu":
                shown = (b.get("items") or [""])[0]
            elif v.get("parameter_unitstyle") == 8:  # a MIDI note, named as Live names it (C-2 .. G8)
                shown = f"{NOTE_NAMES[int(initial) % 12]}{int(initial) // 12 - 2}"
            else:
                shown = f"{initial:g}"
            d.text((x + 3 * scale, y + h / 2), str(shown) + (" ▾" if cls != "live.numbox" else ""), fill=INK,
                   font=small, anchor="lm")
        elif cls == "live.tab":
            items = v.get("parameter_enum", [])
            step = w / max(1, len(items))
            for k, item in enumerate(items):
                box = [x + k * step, y, x + (k + 1) * step - scale, y + h]
                d.rectangle(box, fill=ACCENT if k == int(initial) else FIELD, outline=DIM)
                d.text(((box[0] + box[2]) / 2, y + h / 2), item, fill=BG if k == int(initial) else INK,
                       font=small, anchor="mm")
        elif cls in ("live.text", "live.button"):
            if cls == "live.button":
                d.ellipse([x, y, x + w, y + h], fill=FIELD, outline=ACCENT, width=scale)
            else:  # a toggle shows "texton" when on, "text" when off; a button its text
                shown = b.get("texton", "") if b.get("mode") == 1 and int(initial) == 1 else b.get("text", "")
                d.rectangle([x, y, x + w, y + h], fill=FIELD, outline=ACCENT, width=scale)
                d.text((x + w / 2, y + h / 2), shown, fill=INK, font=small, anchor="mm")
        elif cls == "pictslider":  # a 2-D pad: its background and its knob where the values put it
            d.rectangle([x, y, x + w, y + h], fill=FIELD, outline=DIM)
            lo_x, hi_x = b.get("leftvalue", 0), b.get("rightvalue", 127)
            top, bottom = b.get("topvalue", 127), b.get("bottomvalue", 0)
            kx = x + w * (0 - lo_x) / ((hi_x - lo_x) or 1)
            ky = y + h * (0 - top) / ((bottom - top) or 1)
            r = 4 * scale
            kx, ky = min(max(kx, x + r), x + w - r), min(max(ky, y + r), y + h - r)
            d.ellipse([kx - r, ky - r, kx + r, ky + r], fill=ACCENT)
        elif cls == "textedit":  # a text field: its text (empty until typed in)
            d.rectangle([x, y, x + w, y + h], fill=FIELD, outline=DIM)
            d.text((x + 3 * scale, y + h / 2), b.get("text", ""), fill=INK, font=small, anchor="lm")
        elif cls == "comment":
            font = _font(int(b.get("fontsize", 10) * scale))
            if b.get("textjustification") == 1:
                d.text((x + w / 2, y + h / 2), b.get("text", ""), fill=INK, font=font, anchor="mm")
            else:
                d.text((x + scale, y + h / 2), b.get("text", ""), fill=INK, font=font, anchor="lm")
    return img


def stacked(images: list[Image.Image], gap: int) -> Image.Image:
    """Panels one under the other, ``gap`` pixels apart."""
    out = Image.new("RGB", (max(i.width for i in images), sum(i.height for i in images) + gap * (len(images) - 1)), BG)
    y = 0
    for image in images:
        out.paste(image, (0, y))
        y += image.height + gap
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patch", type=Path, action="append", help="a patch (again for another, drawn below it)")
    parser.add_argument("--out", type=Path, default=HERE.parent / "docs" / "device-panel.png")
    parser.add_argument("--scale", type=int, default=2)
    args = parser.parse_args(argv)
    patches = args.patch or [HERE / "Segue.maxpat"]
    image = stacked([render(json.loads(p.read_text(encoding="utf-8")), args.scale) for p in patches], 8 * args.scale)
    image.save(args.out, optimize=True)
    print(f"wrote {args.out} ({image.width}x{image.height})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
