"""Where a sampled server spent its time: a summary of py-spy's raw (collapsed stack) output.

    .venv/bin/python -m bench.profile_summary var/profiles/sqlite-get-one.txt [--top 10]

Three views, each in percent of all samples of working threads (`Runner.run` is the event
loop's own C code: uvloop, httptools, socket I/O): self time by package (the library
or our own module a sample's innermost frame is in), self time by function, and the inclusive
time of our own functions (`app/`), each function counted once per stack.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

# Leaves that are a thread waiting, not working (py-spy's idle detection misses them).
IDLE = frozenset({"Condition.wait", "Event.wait", "_worker", "WorkerThread.run"})
_FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")


def _parse(frame: str) -> tuple[str, str]:
    """(function, file) of one frame `function (file:line)`."""
    found = _FRAME.match(frame.strip())
    if found is None:
        return frame.strip(), "?"
    return found.group("function"), found.group("file")


def package(file: str) -> str:
    """`sqlalchemy`, `pydantic_core`, `app.assessments`, `json`... of a source file.

    py-spy names a file by its path under the `sys.path` entry it came from
    (`fastapi/routing.py`, `asyncio/runners.py`, `app/logs.py`) or by its full path.
    """
    path = file.replace("\\", "/")
    for marker in ("site-packages/", "/lib/python3.11/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    parts = [p for p in path.split("/") if p]
    if not parts:
        return "?"
    if parts[0] == "app" and len(parts) > 2:
        return f"app.{parts[1]}"
    if len(parts) == 1:
        return parts[0].removesuffix(".py")
    return parts[0]


def _short(function: str, file: str) -> str:
    path = file.replace("\\", "/")
    for marker in ("site-packages/", "/lib/python3.11/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{function} ({path})"


def summarise(path: Path, top: int = 10) -> str:
    """The three views of one raw profile, `top` lines each."""
    by_package: Counter[str] = Counter()
    by_function: Counter[str] = Counter()
    ours: Counter[str] = Counter()
    total = 0
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_parse(f) for f in stack.split(";") if f]
        if not frames:
            continue
        function, file = frames[-1]
        if function in IDLE:
            continue  # a thread-pool worker waiting for work
        total += count
        by_package[package(file)] += count
        by_function[_short(function, file)] += count
        seen = {_short(f, p) for f, p in frames if package(p).startswith("app")}
        seen.discard("")
        for name in seen:
            ours[name] += count
    if total == 0:
        return "(no samples)"
    lines = [f"{total} samples"]
    for title, counter in (
        ("self time by package", by_package),
        ("self time by function", by_function),
        ("inclusive time of app/ functions", ours),
    ):
        lines.append(f"  {title}:")
        for name, count in counter.most_common(top):
            lines.append(f"    {100 * count / total:5.1f}%  {name}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("profiles", nargs="+", type=Path)
    parser.add_argument("--top", type=int, default=10)
    args = parser.parse_args()
    for profile in args.profiles:
        print(f"== {profile}")
        print(summarise(profile, args.top))


if __name__ == "__main__":
    main()
