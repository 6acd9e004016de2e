"""Weights of the reply-quality model (intelligence/reply_quality.py), written by
`bench/reply_quality.py --fit` from the rows of tests/intelligence/labels/reply_quality.csv not set aside.
Refit rather than edit."""

INTERCEPT = -1.8196
WEIGHTS: dict[str, float] = {
    "substance": 2.1933,
    "perfunctory": -1.7208,
    "sends_elsewhere": -1.0314,
    "actions_done": 1.2102,
    "facts_found": 0.7547,
    "promise_only": -0.308,
    "relevance": 1.7112,
}
MEANS: dict[str, float] = {
    "substance": 0.7218,
    "perfunctory": 0.1389,
    "sends_elsewhere": 0.0648,
    "actions_done": 0.2083,
    "facts_found": 0.2685,
    "promise_only": 0.3519,
    "relevance": 0.4716,
}
