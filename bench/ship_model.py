"""Copy a finished run's model into models/weights/ with its model card.

    .venv/bin/python bench/ship_model.py runs/mel2 --data data/folk --name default \\
        --title "Segue's default melody model" --why "..." [--calibrate] [--extra "text"]

Evaluates the model on the held-out test split (teacher-forced and sampled accuracy, KL, ELBO),
with --calibrate first calibrates its knobs on the data's training and validation splits (as
`segue attributes --fit`), then writes the knob and attribute tables, the quality figures
(reconstruction at fidelity 1 and 8, interpolation, samples against the data), and
models/weights/NAME.safetensors and NAME.md. --extra adds text (what was tried) before Reproduce.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import numpy as np
import torch

from segue.models.inference import LatentModel
from segue.models.training import knobs, quality
from segue.models.training.evaluate import attribute_report, evaluate_model, model_card
from segue.models.training.windows import load_windows

WEIGHTS = Path(__file__).resolve().parents[1] / "models" / "weights"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("run", type=Path)
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--name", required=True)
    ap.add_argument("--title", required=True)
    ap.add_argument("--why", required=True)
    ap.add_argument("--windows", type=int, default=4096)
    ap.add_argument("--calibrate", action="store_true")
    ap.add_argument("--tune-windows", type=int, default=256,
                    help="validation windows each knob's length is chosen on (fewer: faster, noisier)")
    ap.add_argument("--report-windows", type=int, default=512,
                    help="test windows of the attribute and quality tables")
    ap.add_argument("--extra", default="", help="Markdown for the card: what was tried, what worked")
    args = ap.parse_args()
    torch.set_num_threads(2)
    source = args.run / "model.safetensors"
    model = LatentModel.load(source, device="cpu")
    kind, bars = model.representation.kind, model.window_bars
    if args.calibrate:
        train_w = load_windows(args.data, kind, bars, "train")
        pick = np.sort(np.random.default_rng(0).permutation(len(train_w))[:32768])
        valid = np.asarray(load_windows(args.data, kind, bars, "valid")[:args.tune_windows])
        vectors, scales, rows = knobs.calibrate(model, np.asarray(train_w[pick]), valid)
        knobs.install(model, vectors, scales, rows)
        source = model.save(args.run / "model-calibrated.safetensors")
    evaluation = evaluate_model(model, args.data, "test", args.windows)
    card = model_card(model, Path(f"{args.name}.safetensors"), evaluation, args.title, args.why)
    if args.calibrate:
        card += ("\n## Knobs\n\nCalibrated on the training and validation splits (docs/training.md, "
                 "Attribute vectors):\n\n" + knobs.calibration_table(rows) + "\n")
    table = attribute_report(model, args.data, "test", args.report_windows)
    card += "\n## Attribute vectors\n\nEach vector shifts held-out windows' codes; the decoded windows' " \
            "attribute per amount, decoded as the engine decodes a knob's bars:\n\n" + table + "\n"
    test = np.asarray(load_windows(args.data, kind, bars, "test")[:args.report_windows])
    card += "\n## Quality (test split)\n\n" + quality_section(model, test) + "\n"
    if args.extra:
        card += "\n" + args.extra.strip() + "\n"
    card += ("\n## Reproduce\n\n```\n" + f"segue train --config {model.config.name} --data {args.data} "
             f"--out {args.run} ...  # see the training facts in the checkpoint (`segue info --model`)\n"
             f"python bench/ship_model.py {args.run} --data {args.data} --name {args.name} ...\n```\n")
    WEIGHTS.mkdir(exist_ok=True)
    shutil.copyfile(source, WEIGHTS / f"{args.name}.safetensors")  # the calibrated copy, with --calibrate
    (WEIGHTS / f"{args.name}.md").write_text(card)
    print(card)


def quality_section(model: LatentModel, windows: np.ndarray) -> str:
    lines = ["| reconstruction | exact | token accuracy | note F1 |", "|---|---|---|---|"]
    for c in (1, 8):
        r = quality.reconstruction(model, windows, c)
        lines.append(f"| {'argmax' if c == 1 else f'{c} candidates'} | {r.exact:.3f} | {r.token_accuracy:.3f} "
                     f"| {r.note_f1:.3f} |")
    m = quality.interpolation(model, windows)
    lines += ["", f"Morphs between {m.pairs} pairs, {m.steps} steps: distance from A rises along the morph "
              f"(Spearman) {m.away_from_a:+.2f}; largest jump between neighbouring steps {m.largest_jump:.2f} "
              f"(1 - note F1); the first step decodes to A exactly in {m.first_is_a:.0%} of pairs.", "",
              "| statistic | test windows | prior samples (temperature 0.5) |", "|---|---|---|"]
    data, samples = quality.sample_statistics(model, windows)
    lines += [f"| {k} | {data[k][0]:.3f} ± {data[k][1]:.3f} | {samples[k][0]:.3f} ± {samples[k][1]:.3f} |"
              for k in data]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
