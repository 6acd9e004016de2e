"""The one text normaliser."""

import re
import unicodedata

# Python's \s already takes in the full-width space (U+3000) and the no-break space (U+00A0).
_SPACE = re.compile(r"\s+")


def normalise_text(text: str | None, *, fold_width: bool = False) -> str:
    """Every run of whitespace (tabs, line breaks, full-width and no-break spaces) as one space, ends
    trimmed; None as "".

    `fold_width` first folds full-width and other compatibility forms to their plain ones (NFKC: "ＡＢＣ１２"
    → "ABC12"): for text a model or a comparison reads, where both forms must count as the same; text
    kept or shown as typed (an imported title, a reply being scored) keeps its forms.
    """
    text = text or ""
    if fold_width:
        text = unicodedata.normalize("NFKC", text)
    return _SPACE.sub(" ", text).strip()
