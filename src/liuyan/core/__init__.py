"""What every app shares, below all of them: the errors an action answers with, time helpers and the
one text normaliser. It imports no app of the project."""
