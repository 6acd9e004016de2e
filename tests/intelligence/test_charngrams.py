"""The numpy character n-gram TF-IDF gives exactly what scikit-learn's vectorizer gives."""

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from liuyan.intelligence.charngrams import CharNgramTfidf

CORPUS = [
    "小区门口的路灯坏了一个月，晚上出行很不方便",
    "学校周边道路拥堵，接送孩子困难",
    "ABC物业乱收停车费 abc",
    "路灯坏了",
    "a",
]
QUERIES = [
    "路灯坏了一个月，请尽快维修",
    "",  # nothing
    "路",  # shorter than a bigram
    "䶵䶶䶷",  # characters no term contains
    "😀路灯😀坏了",  # beyond the basic plane, between known characters
    "ABC 物业",  # upper case folds to lower case as the vectorizer does
    "灯坏了灯坏了灯坏了",  # repeats (sublinear tf)
]


@pytest.mark.parametrize(
    "settings",
    [
        {"ngram_range": (1, 3), "sublinear_tf": True},
        {"ngram_range": (2, 3), "sublinear_tf": False},
        {"ngram_range": (1, 1), "sublinear_tf": True, "use_idf": False},
    ],
)
def test_rows_equal_the_vectorizers(settings):
    vectorizer = TfidfVectorizer(analyzer="char", dtype=np.float32, **settings).fit(CORPUS)
    expected = vectorizer.transform(QUERIES + CORPUS)
    got = CharNgramTfidf(vectorizer).transform(QUERIES + CORPUS)
    assert got.shape == expected.shape
    assert abs(got - expected).max() < 1e-6
    assert got[1].nnz == got[3].nnz == 0


def test_an_empty_batch_and_an_unsupported_vectorizer():
    vectorizer = TfidfVectorizer(analyzer="char").fit(CORPUS)
    assert CharNgramTfidf(vectorizer).transform([]).shape == (0, len(vectorizer.vocabulary_))
    with pytest.raises(ValueError):
        CharNgramTfidf(TfidfVectorizer(analyzer="word").fit(CORPUS))
