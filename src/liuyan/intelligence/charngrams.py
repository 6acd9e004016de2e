"""Character n-gram TF-IDF rows computed with numpy, the same as a fitted
`TfidfVectorizer(analyzer="char", lowercase=True, sublinear_tf=True, norm="l2")` gives, several times faster.

scikit-learn counts n-grams in a Python loop, one string and one dictionary lookup per n-gram: on the
messages of train_domains.csv (about 300 characters, some 900 n-grams each) that loop was most of a
prediction. Here every character of a batch becomes its index in the vocabulary's alphabet (1…A, 0 for a
character no term contains), an n-gram becomes the integer whose base-(A+1) digits are its characters, and
the whole batch's n-grams are looked up at once by binary search in the vocabulary's sorted keys.
"""

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize


class CharNgramTfidf:
    """The vocabulary, IDF weights and settings of a fitted character TfidfVectorizer, as arrays."""

    def __init__(self, vectorizer: TfidfVectorizer):
        if vectorizer.analyzer != "char" or not vectorizer.lowercase or vectorizer.norm != "l2":
            raise ValueError("only a lowercasing, l2-normalising character TfidfVectorizer can be compiled")
        terms = list(vectorizer.vocabulary_)
        alphabet = sorted({character for term in terms for character in term})
        self.codepoints = np.array([ord(character) for character in alphabet], dtype=np.int64)
        self.base = len(alphabet) + 1
        self.min_n, self.max_n = vectorizer.ngram_range
        if self.base**self.max_n >= 2**63:
            raise ValueError("too many distinct characters for 64-bit n-gram keys")
        digit = {character: i + 1 for i, character in enumerate(alphabet)}
        keys = np.empty(len(terms), dtype=np.int64)
        for i, term in enumerate(terms):
            key = 0
            for character in term:
                key = key * self.base + digit[character]
            keys[i] = key
        columns = np.fromiter(vectorizer.vocabulary_.values(), dtype=np.int32, count=len(terms))
        order = np.argsort(keys)
        self.keys, self.columns = keys[order], columns[order]
        self.n_features = len(terms)
        self.sublinear_tf = vectorizer.sublinear_tf
        self.idf = vectorizer.idf_.astype(np.float32) if vectorizer.use_idf else None
        self.dtype = vectorizer.dtype

    def counts(self, texts: list[str]) -> sparse.csr_matrix:
        """Occurrences of each vocabulary n-gram, one row per text."""
        texts = [text.lower() for text in texts]
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        total = int(lengths.sum())
        codepoints = np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
        slot = np.minimum(np.searchsorted(self.codepoints, codepoints), len(self.codepoints) - 1)
        digits = np.where(self.codepoints[slot] == codepoints, slot + 1, 0)
        row_of = np.repeat(np.arange(len(texts)), lengths)
        room = np.repeat(lengths, lengths) - (
            np.arange(total) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        )
        keys = np.zeros(total, dtype=np.int64)
        known = np.ones(total, dtype=bool)
        rows, columns = [], []
        for n in range(1, self.max_n + 1):
            # keys[i] is now the n-gram starting at i; `room` says how many characters are left in its text
            following = np.zeros(total, dtype=np.int64)
            following[: total - n + 1] = digits[n - 1 :]
            keys = keys * self.base + following
            known &= following > 0
            if n < self.min_n:
                continue
            candidates = np.flatnonzero(known & (room >= n))
            found = np.minimum(np.searchsorted(self.keys, keys[candidates]), len(self.keys) - 1)
            hit = self.keys[found] == keys[candidates]
            rows.append(row_of[candidates[hit]])
            columns.append(self.columns[found[hit]])
        rows, columns = np.concatenate(rows), np.concatenate(columns)
        matrix = sparse.csr_matrix(
            (np.ones(len(rows), dtype=self.dtype), (rows, columns)), shape=(len(texts), self.n_features)
        )
        matrix.sum_duplicates()
        return matrix

    def transform(self, texts: list[str]) -> sparse.csr_matrix:
        """TF-IDF rows of `texts`, as the vectorizer's `transform` gives them."""
        matrix = self.counts(texts)
        if not texts:
            return matrix
        if self.sublinear_tf:
            np.log(matrix.data, out=matrix.data)
            matrix.data += 1
        if self.idf is not None:
            matrix.data *= self.idf[matrix.indices]
        return normalize(matrix, norm="l2", copy=False)
