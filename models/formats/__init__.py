"""Foreign checkpoint formats: Magenta.js folders and Python Magenta's TensorFlow checkpoints.

    tf_bundle.py    TF V2 tensor bundles, read with numpy and the standard library (no Segue import)
    magenta_tf.py   Python Magenta's MusicVAE checkpoints -> Segue
    tf_names.py     Magenta's TensorFlow variable names <-> Segue's modules, shared by both
    magenta_js.py   Magenta.js folders: read, write, quantise

Nothing at the root of ``segue.models`` imports this package at import time; ``segue.models.loading``
picks a loader for a path.
"""
