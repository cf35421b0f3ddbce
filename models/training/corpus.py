"""music21's bundled corpus: the collections Segue trains on and what their licences say.

``CORPUS_LICENCES`` holds Segue's reading of each collection's licence (written into every
dataset's manifest by ``segue.models.training.dataset``); ``UNKNOWN_LICENCE`` is what a collection
Segue has not reviewed gets. ``FOLK_COLLECTIONS`` is the commercial-safe folk set,
``EXTRA_PD_PIECES`` single public-domain pieces, ``MELODY_SOURCES`` both.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "CORPUS_LICENCES",
    "EXTRA_PD_PIECES",
    "FOLK_COLLECTIONS",
    "FOLK_WITH_ESSEN",
    "MELODY_SOURCES",
    "UNKNOWN_LICENCE",
    "CorpusLicence",
]


@dataclass(frozen=True)
class CorpusLicence:
    commercial_ok: bool
    note: str


_SEE_LICENCE = (
    "No licence file in the folder; music21's corpus/license.txt says each work is out of "
    "copyright in the US or licensed for use, and that some encodings carry restrictions "
    "(none is stated for this collection)."
)

CORPUS_LICENCES: dict[str, CorpusLicence] = {
    "oneills1850": CorpusLicence(
        True,
        "Tunes from O'Neill's Music of Ireland (Chicago, 1903), out of copyright in the US; "
        "ABC transcriptions by volunteers named in the files (Z: lines). " + _SEE_LICENCE,
    ),
    "ryansMammoth": CorpusLicence(
        True,
        "Tunes from Ryan's Mammoth Collection of Fiddle Tunes (Boston, 1883), out of copyright "
        "in the US; ABC by contributors named in the files (Z: lines). " + _SEE_LICENCE,
    ),
    "airdsAirs": CorpusLicence(
        True,
        "Tunes from James Aird's Selection of Scotch, English, Irish and Foreign Airs "
        "(Glasgow, 1778-1803), out of copyright; ABC by Jack Campin (2009). " + _SEE_LICENCE,
    ),
    "miscFolk": CorpusLicence(
        True,
        "Colonial and Civil War American fife tunes and Bruce & Stokoe's Northumbrian "
        "Minstrelsy (1882), out of copyright; ABC by Jack Campin. " + _SEE_LICENCE,
    ),
    "nottingham-dataset": CorpusLicence(
        True,
        "Two tunes (X:80, X:81) from the Nottingham Music Database (traditional tunes, ABC). "
        + _SEE_LICENCE,
    ),
    "leadSheet/fosterBrownHair.mxl": CorpusLicence(
        True, "Stephen Foster, Jeanie with the Light Brown Hair (1854); the file's rights line says "
        "'Public Domain'.",
    ),
    "liliuokalani/aloha_oe.mxl": CorpusLicence(
        True, "Liliuokalani, Aloha Oe (1884): 'Now, Public Domain; Encoding by MSAC, CC0' (rights line).",
    ),
    "lusitano/allor_che_ignuda.mxl": CorpusLicence(
        True, "Vicente Lusitano (16th c.); 'Copyright 2022 Michael Scott Asato Cuthbert: released as "
        "CC0/Public Domain' (rights line).",
    ),
    "joplin/maple_leaf_rag.mxl": CorpusLicence(
        True, "Scott Joplin, Maple Leaf Rag (1899), out of copyright; no restriction stated in the file. "
        + _SEE_LICENCE,
    ),
    "mozart/k545": CorpusLicence(
        True, "Mozart, piano sonata K. 545 (1788), out of copyright; no restriction stated. " + _SEE_LICENCE,
    ),
    "cpebach/h186.mxl": CorpusLicence(
        True, "C. P. E. Bach, H. 186, out of copyright; no restriction stated. " + _SEE_LICENCE,
    ),
    "corelli/opus3no1": CorpusLicence(
        True, "Corelli, trio sonata op. 3 no. 1 (1689); encoding '(c) 2014, Creative Commons License "
        "(CC-BY)': credit the encoders when redistributing the data (the model card does).",
    ),
    "schumann_robert/dichterliebe_no2.xml": CorpusLicence(
        True, "Robert Schumann, Dichterliebe no. 2 (1840), out of copyright; no restriction stated. "
        + _SEE_LICENCE,
    ),
    "schumann_robert/opus48no2.mxl": CorpusLicence(
        True, "Robert Schumann, op. 48 no. 2 (1840), out of copyright; no restriction stated. " + _SEE_LICENCE,
    ),
    "handel/rinaldo": CorpusLicence(
        True, "Handel, Rinaldo (1711), out of copyright; no restriction stated. " + _SEE_LICENCE,
    ),
    "weber/concertino_clarinet.mxl": CorpusLicence(
        True, "Weber, Clarinet Concertino (1811); 'Released to Public Domain in 1998' (rights line).",
    ),
    "essenFolksong": CorpusLicence(
        False,
        "NON-COMMERCIAL ONLY: corpus/essenFolksong/license.txt says the legal status of the "
        "Essen database is unclear and that Ewa Dahlig-Turek gave 'permission for "
        "non-commercial distribution and use of these files in music21'; ABC by Seymour Schlien.",
    ),
}
UNKNOWN_LICENCE = CorpusLicence(
    False,
    "Not reviewed by Segue: read music21's corpus/license.txt and the licences embedded in the "
    "files before any commercial use.",
)

FOLK_COLLECTIONS = ("oneills1850", "ryansMammoth", "airdsAirs", "miscFolk", "nottingham-dataset")
FOLK_WITH_ESSEN = FOLK_COLLECTIONS + ("essenFolksong",)
# Songs and pieces beyond fiddle tunes whose encodings say they are free to use (single files of
# the corpus, named collection/file). Kept out on purpose: bach (the chorales), essenFolksong, and
# every string quartet (beethoven, haydn, mozart's quartets, schumann_robert/opus41): they are how
# Segue tests generalisation. Also out: palestrina (John Miller's licence reserves derivative
# formats), monteverdi (Ut Orpheus copyright), josquin (GPL encodings), trecento (edition copyright).
EXTRA_PD_PIECES = (
    "leadSheet/fosterBrownHair.mxl",
    "liliuokalani/aloha_oe.mxl",
    "lusitano/allor_che_ignuda.mxl",
    "joplin/maple_leaf_rag.mxl",
    "mozart/k545",
    "cpebach/h186.mxl",
    "corelli/opus3no1",
    "schumann_robert/dichterliebe_no2.xml",
    "schumann_robert/opus48no2.mxl",
    "handel/rinaldo",
    "weber/concertino_clarinet.mxl",
)
MELODY_SOURCES = FOLK_COLLECTIONS + EXTRA_PD_PIECES
