"""Dockerfiles: `ENV` and `ARG` are environment variables baked into the image (its history keeps a
build argument's default too), `RUN` lines are shell commands.

`ENV AIRFLOW__WEBSERVER__SECRET_KEY=...` is Airflow configuration (AG202), `ARG PIP_EXTRA_INDEX_URL=https://
user:token@...` a secret in a URL (AG302), `RUN mysql -p...` a password on a command line (AG303). The
instructions are read with their line continuations and quotes; everything else in the file is blanked
so that offsets, lines and columns stay those of the file.
"""

from __future__ import annotations

from scanner.collect import shell
from scanner.collect.envvars import is_env_name
from scanner.context import ScanContext
from scanner.filekinds import is_dockerfile  # noqa: F401 - importable from here
from scanner.model import Resource
from scanner.source import SourceFile, Span


def _instructions(text: str) -> list[tuple[str, int, int]]:
    """(instruction, offset of its arguments, offset of its end) with continuation lines joined; comment
    lines inside an instruction are skipped as Docker skips them."""
    found: list[tuple[str, int, int]] = []
    position, size = 0, len(text)
    while position < size:
        newline = text.find("\n", position)
        line_end = size if newline < 0 else newline
        line = text[position:line_end]
        stripped = line.lstrip()
        if not stripped or stripped.startswith("#"):
            position = line_end + 1
            continue
        indent = len(line) - len(stripped)
        word_end = indent
        while word_end < len(line) and not line[word_end].isspace():
            word_end += 1
        instruction = line[indent:word_end].upper()
        args_start = position + word_end
        end = line_end
        while text[position:end].rstrip("\r \t").endswith("\\") and end < size:  # continuation
            position = end + 1
            newline = text.find("\n", position)
            end = size if newline < 0 else newline
        found.append((instruction, args_start, end))
        position = end + 1
    return found


def collect(ctx: ScanContext, source: SourceFile) -> list[Resource]:
    text = source.text
    masked = [c if c in "\n" else " " for c in text]
    legacy: list[tuple[str, str, int, int]] = []
    for instruction, start, end in _instructions(text):
        if instruction not in ("ENV", "ARG", "RUN"):
            continue
        body = text[start:end]
        first = body.strip().split(None, 1)
        if instruction == "ENV" and first and "=" not in first[0] and len(first) == 2 and is_env_name(first[0]):
            # `ENV NAME value`: the rest of the instruction is the value
            legacy.append((first[0], first[1].strip(), start, end))
            continue
        for offset in range(start, end):
            if text[offset] != "\n":
                masked[offset] = text[offset]
        # a comment line inside the instruction is no part of it
        line_start = start
        while line_start < end:
            line_end = text.find("\n", line_start)
            line_end = end if line_end < 0 or line_end > end else line_end
            if text[line_start:line_end].lstrip().startswith("#") and line_start > start:
                for offset in range(line_start, line_end):
                    masked[offset] = " "
            line_start = line_end + 1
    script = shell._Script(ctx, source, "dockerfile")
    masked_text = "".join(masked)
    script.index(masked_text)
    for name, value, start, end in legacy:
        span = script.span(start, end)
        script.env.add(name, value.strip("'\""), Span(span.line, 1, span.end_line, span.end_column), plain=True)
    return script.run(masked_text)
