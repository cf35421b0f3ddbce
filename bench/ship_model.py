"""Copy a finished run's model into models/weights/ with its model card.

    .venv/bin/python bench/ship_model.py runs/mel2 --data data/folk --name default \\
        --title "Segue's default melody model" --why "..."

Evaluates the model on the held-out test split (teacher-forced and sampled accuracy, KL, ELBO), runs
the attribute table, and writes models/weights/NAME.safetensors and NAME.md.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import torch

from segue.models.inference import LatentModel
from segue.models.training.evaluate import attribute_report, evaluate_model, model_card

WEIGHTS = Path(__file__).resolve().parents[1] / "models" / "weights"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("run", type=Path)
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--name", required=True)
    ap.add_argument("--title", required=True)
    ap.add_argument("--why", required=True)
    ap.add_argument("--windows", type=int, default=4096)
    args = ap.parse_args()
    torch.set_num_threads(2)
    source = args.run / "model.safetensors"
    model = LatentModel.load(source, device="cpu")
    evaluation = evaluate_model(model, args.data, "test", args.windows)
    card = model_card(model, Path(f"{args.name}.safetensors"), evaluation, args.title, args.why)
    table = attribute_report(model, args.data, "test", 512)
    card += "\n## Attribute vectors\n\nEach vector shifts held-out windows' codes; the decoded windows' " \
            "attribute, averaged, per amount:\n\n" + table + "\n"
    card += ("\n## Reproduce\n\n```\n" + f"segue train --config {model.config.name} --data {args.data} "
             f"--out {args.run} ...  # see the training facts in the checkpoint (`segue info --model`)\n"
             f"python bench/ship_model.py {args.run} --data {args.data} --name {args.name} ...\n```\n")
    WEIGHTS.mkdir(exist_ok=True)
    shutil.copyfile(source, WEIGHTS / f"{args.name}.safetensors")
    (WEIGHTS / f"{args.name}.md").write_text(card)
    print(card)


if __name__ == "__main__":
    main()
