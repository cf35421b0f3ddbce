"""Training: data, the trainer, its metrics, sweeps and evaluation.

    windows.py     cut, split by piece, de-duplicate, store and load training windows
    scores.py      a music21 score -> a 4/4 melody NoteSequence
    corpus.py      music21's corpus: the collections Segue uses and their licences
    dataset.py     build_dataset: sources, workers, summary, manifest
    trainer.py     train (Magenta's recipe), resumable state, attribute vectors
    metrics.py     losses and metrics as Magenta defines them
    sweep_file.py  a W&B sweep file -> Sweep, every problem reported at once
    sweep.py       running a sweep with Optuna
    evaluate.py    held-out evaluation, attribute effects, the model card

Nothing at the root of ``segue.models`` imports this package at import time. music21, optuna and
tqdm are imported where they are used.
"""
