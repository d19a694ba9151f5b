"""Text field types shared by the domains' schemas, written so that the contract's regex dialect
(ECMA-262, what clients and fuzzers check against) and the server's (Rust, pydantic-core) agree."""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

# What `strip_whitespace` removes (Unicode White_Space), spelled out: ECMA-262's `\s` leaves out
# U+0085 and adds U+FEFF, so `\S` would let the contract accept names the server strips to "".
_WHITESPACE = r"\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
NOT_BLANK = f"[^{_WHITESPACE}]"

# A name or title: surrounding whitespace is dropped, and something must remain.
Name = Annotated[
    str,
    StringConstraints(min_length=1, max_length=200, strip_whitespace=True, pattern=NOT_BLANK),
]
