"""Text field types shared by the domains' schemas, written so that the contract's regex dialect
(ECMA-262, what clients and fuzzers check against) and the server's rules agree."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints
from pydantic_core import PydanticCustomError

from app.text_guard import CONTROL_CHARACTERS, refuse_control_characters

# What `strip_whitespace` removes (Unicode White_Space), spelled out: ECMA-262's `\s` leaves out
# U+0085 and adds U+FEFF, so `\S` would let the contract accept names the server strips to "".
WHITESPACE = r"\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
NOT_BLANK = f"[^{WHITESPACE}]"
_INNER = f"[^{WHITESPACE}{CONTROL_CHARACTERS}]"
# What the server accepts, as one pattern for clients: whitespace around it (stripped), at least
# one character that is neither whitespace nor control, and no control character inside.
NAME_PATTERN = f"^[{WHITESPACE}]*{_INNER}(?:[^{CONTROL_CHARACTERS}]*{_INNER})?[{WHITESPACE}]*$"

NAME_MAX_LENGTH = 200


def _at_most_name_length(value: Any) -> Any:
    # As the contract's maxLength means it: of the text as sent, before whitespace is stripped.
    if isinstance(value, str) and len(value) > NAME_MAX_LENGTH:
        raise PydanticCustomError(
            "string_too_long",
            "String should have at most {max_length} characters",
            {"max_length": NAME_MAX_LENGTH},
        )
    return value


# A name or title: one line of printable text; it ends up in e-mail subjects, CSV cells and page
# titles. Surrounding whitespace is dropped, something must remain, control characters are refused.
Name = Annotated[
    str,
    StringConstraints(min_length=1, max_length=NAME_MAX_LENGTH, strip_whitespace=True),
    BeforeValidator(_at_most_name_length),
    AfterValidator(refuse_control_characters),
    Field(json_schema_extra={"pattern": NAME_PATTERN}),
]
