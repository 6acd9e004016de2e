"""Weights of the reply-quality model (intelligence/reply_quality.py), written by
`bench/reply_quality.py --fit` from the rows of tests/intelligence/labels/reply_quality.csv not set aside.
Refit rather than edit."""

INTERCEPT = -1.8306
WEIGHTS: dict[str, float] = {
    "substance": 6.5298,
    "perfunctory": -3.0544,
    "sends_elsewhere": -1.0492,
    "no_result": -1.7187,
    "actions_done": 0.177,
    "facts_found": 0.1811,
    "promise_only": -0.9006,
    "next_step": 1.3455,
    "relevance": 1.1712,
    "questions": -0.3408,
    "message_length": -2.9808,
}
MEANS: dict[str, float] = {
    "substance": 0.7472,
    "perfunctory": 0.1071,
    "sends_elsewhere": 0.074,
    "no_result": 0.0179,
    "actions_done": 0.2219,
    "facts_found": 0.2551,
    "promise_only": 0.3622,
    "next_step": 0.09,
    "relevance": 0.4877,
    "questions": 0.6412,
    "message_length": 0.7773,
}
