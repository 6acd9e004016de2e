"""The types of the API's input fields (bodies, query and path parameters), each checked by the board's
one rule for its kind of input (liuyan/inputs.py). Every text field of an input schema is a `Line` or a
`Text` (tests/api/test_hostile_input.py holds every operation to that)."""

from datetime import date, datetime
from typing import Annotated

from django.core.exceptions import ValidationError
from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

from liuyan import inputs


def _plain(check):
    def validate(text: str) -> str:
        try:
            check(text)
        except ValidationError as error:
            raise PydanticCustomError("forbidden_character", error.messages[0]) from None
        return text

    return validate


def _in_range(value: date) -> date:
    try:
        inputs.check_day(value)
    except ValueError as error:
        raise PydanticCustomError("date_out_of_range", str(error)) from None
    return value


# One line (titles, names, codes, search words): no control characters, no line breaks.
# A region's code (inputs.REGION_CODE) as a schema pattern.
REGION_CODE = f"^{inputs.REGION_CODE.pattern}$"

Line = Annotated[str, AfterValidator(_plain(inputs.check_line))]
# Several lines (a message, a reply, a reason): line breaks and tabs allowed, other control characters not.
Text = Annotated[str, AfterValidator(_plain(inputs.check_text))]
# A day or a moment the board can count with (inputs.FIRST_DAY–LAST_DAY).
Day = Annotated[date, AfterValidator(_in_range)]
Moment = Annotated[datetime, AfterValidator(_in_range)]
# An object's id: a larger number than the database holds names nothing (and breaks `id IN (…)`).
Id = Annotated[int, Field(ge=1, le=inputs.MAX_ID)]
# A page of a list: its offset must stay a number the database takes.
MAX_PAGE = 100_000
PageNumber = Annotated[int, Field(ge=1, le=MAX_PAGE)]
