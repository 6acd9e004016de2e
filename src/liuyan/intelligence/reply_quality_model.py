"""Weights of the reply-quality model (intelligence/reply_quality.py), written by
`bench/reply_quality.py --fit` from the rows of tests/intelligence/labels/reply_quality.csv not set aside.
Refit rather than edit."""

INTERCEPT = -2.4118
WEIGHTS: dict[str, float] = {
    "new_content": 1.4322,
    "unanswered": -0.6272,
    "perfunctory": -1.6009,
    "sends_elsewhere": -0.7919,
    "promise_only": -1.0684,
    "no_result": -1.0283,
    "asks": -0.2443,
    "message_length": -0.8322,
}
MEANS: dict[str, float] = {
    "new_content": 3.4819,
    "unanswered": 0.6454,
    "perfunctory": 0.1064,
    "sends_elsewhere": 0.0845,
    "promise_only": 0.3885,
    "no_result": 0.0186,
    "asks": 1.0709,
    "message_length": 0.7692,
}
