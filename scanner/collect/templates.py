"""Templated YAML (Helm chart `templates/`, Jinja): YAML only once rendered.

`detemplate` replaces every template action (`{{ ... }}`, `{% ... %}`, `{# ... #}`) by a reference
(`${TEMPLATE}`, which `scanner.secrets.classify` reads as one) and blanks lines that hold nothing but
actions (`{{- if ... }}`, `{{- end }}`, `{{- include ... | nindent 4 }}`), keeping every line where it
is. What the chart writes literally (a password typed into a template) is still read and judged; what it
fills in from values is not a literal. One pass over the text: an action's end is searched for once, Go
string literals inside an action (`{{ "{{ .x }}" }}`) are skipped.
"""

from __future__ import annotations

PLACEHOLDER = "${TEMPLATE}"
_OPENERS = {"{{": "}}", "{%": "%}", "{#": "#}"}


def is_templated(text: str) -> bool:
    return "{{" in text or "{%" in text


def _action_end(text: str, start: int, closer: str) -> int:
    """Offset after the action opened at `start`, skipping quoted strings inside a Go action; the end of
    the text when it never closes."""
    index, size = start + 2, len(text)
    while index < size:
        char = text[index]
        if char in "\"`" and closer == "}}":
            close = index + 1
            while close < size and text[close] != char and text[close] != "\n":
                close += 2 if char == '"' and text[close] == "\\" else 1
            index = close + 1
            continue
        if text.startswith(closer, index):
            return index + 2
        index += 1
    return size


def _actions(text: str) -> list[tuple[int, int]]:
    """(start, end) of every template action, in order."""
    found: list[tuple[int, int]] = []
    position = 0
    while (brace := text.find("{", position)) >= 0:
        opener = text[brace:brace + 2]
        if opener not in _OPENERS:
            position = brace + 1
            continue
        end = _action_end(text, brace, _OPENERS[opener])
        found.append((brace, end))
        position = end
    return found


def detemplate(text: str) -> str:
    actions = _actions(text)
    if not actions:
        return text
    # which lines hold something besides actions and blanks (judged on the text between the actions)
    content: set[int] = set()
    line, position = 0, 0
    placed: list[tuple[int, int]] = []  # (line of the action's start, line of its end)
    for start, end in [*actions, (len(text), len(text))]:
        gap = text[position:start]
        for index, piece in enumerate(gap.split("\n")):
            if index:
                line += 1
            if piece.strip():
                content.add(line)
        if start < len(text):
            first = line
            line += text.count("\n", start, end)
            placed.append((first, line))
        position = end
    parts: list[str] = []
    position = 0
    for (start, end), (first, last) in zip(actions, placed):
        parts.append(text[position:start])
        alone = first not in content and last not in content
        parts.append(("" if alone else PLACEHOLDER) + "\n" * text.count("\n", start, end))
        position = end
    parts.append(text[position:])
    return "".join(parts)
