"""Weights of the reply-quality model (intelligence/reply_quality.py), written by
`bench/reply_quality.py --fit` from the rows of tests/intelligence/labels/reply_quality.csv not set aside.
Refit rather than edit."""

INTERCEPT = -1.3039
WEIGHTS: dict[str, float] = {
    "new_content": 1.2229,
    "unanswered": -0.5864,
    "perfunctory": -2.0145,
    "sends_elsewhere": -0.9685,
    "promise_only": -0.9709,
    "no_result": -1.2285,
    "asks": -0.218,
    "message_length": -1.4018,
}
MEANS: dict[str, float] = {
    "new_content": 3.5102,
    "unanswered": 0.6493,
    "perfunctory": 0.101,
    "sends_elsewhere": 0.1086,
    "promise_only": 0.3914,
    "no_result": 0.0152,
    "asks": 1.0687,
    "message_length": 0.7683,
}
