"""Shell scripts (`*.sh`, `.envrc`, Dockerfile `RUN` lines): exports and the commands that write credentials.

The text is split into commands and words the way a POSIX shell does (quotes, escapes, line continuations,
comments, `$(...)`, backticks, here-documents), in one pass over the text. Then:

- assignments (`export NAME=value`, `NAME=value cmd`) are environment variables: `AIRFLOW_CONN_*`,
  `AIRFLOW__*`, `AIRFLOW_VAR_*` and plain variables holding secrets (`scanner.collect.envvars.EnvBlock`);
- `airflow connections add ID --conn-uri/--conn-json/--conn-password ...` defines a connection (AG101...);
- `airflow variables set KEY VALUE` a Variable (`scanner.collect.variables`);
- `airflow users create ... --password X` the password of a web UI user (AG202);
- `mysql -pX` / `--password=X` a database password on a command line (AG303);
- a URL with a password in any word (`pip install --index-url https://user:token@...`, `git clone`) and
  `curl -u user:password` a secret (AG302).

A word that is expanded by the shell (`"$PASSWORD"`, `$(aws secretsmanager ...)`) is a reference, never a finding.
"""

from __future__ import annotations

import bisect

from scanner.airflow_config import ConfigBlock, build_config_resources
from scanner.airflow_uri import ConnectionValueError, parse_fields
from scanner.collect import credentials, variables
from scanner.collect.envvars import EnvBlock, is_env_name
from scanner.connections import build_connection, connection_from_value, uris_in_text
from scanner.context import ScanContext
from scanner.model import FileLocation, Resource
from scanner.source import SourceFile, Span

SHELL_SUFFIXES = (".sh", ".bash", ".zsh", ".ksh", ".envrc")
_SEPARATORS = frozenset(";&|()")
_DECLARE = frozenset({"export", "declare", "typeset", "local", "readonly"})
_PREFIX_COMMANDS = frozenset({"sudo", "exec", "command", "time", "nohup", "env"})
_MYSQL_CLIENTS = frozenset({"mysql", "mysqldump", "mysqladmin", "mysqlimport", "mysqlsh", "mysqlpump", "mariadb",
                            "mariadb-dump", "mysqlcheck", "mysqlshow"})
# `airflow connections add` options and the connection field each sets.
_CONN_OPTIONS = {"--conn-type": "conn_type", "--conn-host": "host", "--conn-login": "login",
                 "--conn-password": "password", "--conn-schema": "schema", "--conn-port": "port",
                 "--conn-extra": "extra", "--conn-description": "description"}


def is_shell_script(source: SourceFile) -> bool:
    name = source.name.lower()
    return name.endswith(SHELL_SUFFIXES) or name == ".envrc"


# Plain classes, not dataclasses: every scan of config files imports this module, and a dataclass costs ~3M instructions to create.


class Word:
    """One word of a shell command and where it is in the text."""

    __slots__ = ("end", "expanded", "start", "value")

    def __init__(self, value: str, start: int, end: int, expanded: bool = False) -> None:
        self.value = value  # the word as the shell passes it (quotes removed; expansions kept as written)
        self.start = start  # offset of its first character in the text
        self.end = end  # offset after its last character
        self.expanded = expanded  # holds a `$...` or backtick expansion outside single quotes


class Command:
    """One simple command: its words in order."""

    __slots__ = ("words",)

    def __init__(self, words: list[Word] | None = None) -> None:
        self.words: list[Word] = [] if words is None else words


def split_commands(text: str) -> list[Command]:
    """Commands and their words, in one pass (each character is looked at a bounded number of times)."""
    commands: list[Command] = []
    current = Command()
    chars: list[str] = []
    start = -1
    expanded = False
    heredocs: list[tuple[str, bool]] = []
    i, size = 0, len(text)

    def end_word(position: int) -> None:
        nonlocal chars, start, expanded
        if start >= 0:
            current.words.append(Word("".join(chars), start, position, expanded))
        chars, start, expanded = [], -1, False

    def end_command() -> None:
        nonlocal current
        if current.words:
            commands.append(current)
        current = Command()

    def begin(position: int) -> None:
        nonlocal start
        if start < 0:
            start = position

    while i < size:
        char = text[i]
        if char == "\\":
            if text.startswith("\n", i + 1):  # line continuation
                i += 2
                continue
            begin(i)
            if i + 1 < size:
                chars.append(text[i + 1])
            i += 2
            continue
        if char == "\n":
            end_word(i)
            end_command()
            i += 1
            if heredocs:
                i = _skip_heredocs(text, i, heredocs)
                heredocs = []
            continue
        if char in " \t\r":
            end_word(i)
            i += 1
            continue
        if char == "#" and start < 0:
            newline = text.find("\n", i)
            i = size if newline < 0 else newline
            continue
        if char in _SEPARATORS:
            end_word(i)
            end_command()
            i += 1
            continue
        if char == "<" and text.startswith("<<", i) and not text.startswith("<<<", i):
            end_word(i)
            delimiter, strip, i = _heredoc_delimiter(text, i + 2)
            if delimiter:
                heredocs.append((delimiter, strip))
            continue
        begin(i)
        if char == "'":
            close = text.find("'", i + 1)
            close = size if close < 0 else close
            chars.append(text[i + 1:close])
            i = close + 1
            continue
        if char == '"':
            i = _double_quoted(text, i + 1, chars)
            if "$" in chars[-1] or "`" in chars[-1]:
                expanded = True
            continue
        if char == "$" or char == "`":
            expanded = True
            end = _expansion_end(text, i)
            chars.append(text[i:end])
            i = end
            continue
        chars.append(char)
        i += 1
    end_word(size)
    end_command()
    return commands


def _skip(text: str, i: int, mode: str) -> int:
    """The offset after the region opened just before `i`: a double-quoted string (`"`), a command
    substitution (`(`), a parameter expansion (`{`), a backtick command (`` ` ``) or a single-quoted
    string (`'`), with whatever nests in it. An explicit stack, each character looked at once: no recursion
    to exhaust and no text read twice, however deep `"$("$("...` nests."""
    stack = [mode]
    size = len(text)
    while i < size and stack:
        top, char = stack[-1], text[i]
        if top == "'":
            if char == "'":
                stack.pop()
            i += 1
            continue
        if char == "\\":
            i += 2
            continue
        if top == "`":
            if char == "`":
                stack.pop()
            i += 1
            continue
        if char == "$" and text.startswith(("$(", "${"), i):
            stack.append(text[i + 1])
            i += 2
            continue
        if char == "`":
            stack.append("`")
        elif top == '"':
            if char == '"':
                stack.pop()
        elif char in "'\"":
            stack.append(char)
        elif top == "(" and char == "(":
            stack.append("(")
        elif (top == "(" and char == ")") or (top == "{" and char == "}"):
            stack.pop()
        i += 1
    return min(i, size)


def _double_quoted(text: str, i: int, chars: list[str]) -> int:
    """Read a double-quoted string from `i` (after the quote); append its content (escapes of `"`, `\\`,
    `$`, `` ` `` and newlines resolved; expansions kept as written); return the offset after it."""
    end = _skip(text, i, '"')
    closed = end <= len(text) and text[end - 1:end] == '"' and end > i
    content = text[i:end - 1] if closed else text[i:end]
    if "\\" in content:
        parts: list[str] = []
        index = 0
        while index < len(content):
            char = content[index]
            if char == "\\" and content[index + 1:index + 2] in ('"', "\\", "$", "`", "\n"):
                if content[index + 1] != "\n":
                    parts.append(content[index + 1])
                index += 2
                continue
            parts.append(char)
            index += 1
        content = "".join(parts)
    chars.append(content)
    return end


def _expansion_end(text: str, i: int) -> int:
    """The offset after the expansion starting at `i`: `$(...)`, `$((...))`, `${...}`, `` `...` ``, `$NAME`."""
    size = len(text)
    if text[i] == "`":
        return _skip(text, i + 1, "`")
    nxt = text[i + 1:i + 2]
    if nxt in ("(", "{"):
        return _skip(text, i + 2, nxt)
    end = i + 1
    if end < size and (text[end].isdigit() or text[end] in "?$!#*@-"):
        return end + 1
    while end < size and (text[end].isalnum() or text[end] == "_"):
        end += 1
    return end


def _heredoc_delimiter(text: str, i: int) -> tuple[str, bool, int]:
    size = len(text)
    strip = text.startswith("-", i)
    if strip:
        i += 1
    while i < size and text[i] in " \t":
        i += 1
    begin = i
    while i < size and text[i] not in " \t\n;&|<>()":
        i += 1
    return text[begin:i].strip("'\""), strip, i


def _skip_heredocs(text: str, i: int, heredocs: list[tuple[str, bool]]) -> int:
    """Skip the bodies of the here-documents opened on the line that just ended."""
    size = len(text)
    for delimiter, strip in heredocs:
        while i < size:
            newline = text.find("\n", i)
            end = size if newline < 0 else newline
            line = text[i:end]
            i = end + 1
            if (line.lstrip("\t") if strip else line) == delimiter:
                break
    return min(i, size)


# ------------------------------------------------------------------ what the commands say

class _Script:
    def __init__(self, ctx: ScanContext, source: SourceFile, origin: str, line_offset: int = 0) -> None:
        self.ctx = ctx
        self.source = source
        self.origin = origin
        self.text_starts: list[int] = []
        self.line_offset = line_offset
        self.env = EnvBlock(ctx, source, origin, source.path, Span(1, 1, max(len(source.lines), 1), 1))
        self.users = ConfigBlock(origin=origin, location=source.location(1), name=f"{source.path}#airflow-cli")
        self.resources: list[Resource] = []
        self.consumed: set[int] = set()  # words read as a connection already (`--conn-uri`)

    def span(self, start: int, end: int) -> Span:
        line = bisect.bisect_right(self.text_starts, start)
        end_line = bisect.bisect_right(self.text_starts, max(start, end - 1))
        column = start - self.text_starts[line - 1] + 1
        end_column = max(end - self.text_starts[end_line - 1], 1)
        return Span(line + self.line_offset, column, end_line + self.line_offset, end_column)

    def location(self, word: Word) -> FileLocation:
        return self.source.span_location(self.span(word.start, word.end))

    def located(self, word: Word, needle: str) -> FileLocation:
        """Where `needle` is written inside `word` (its first line when not found as written)."""
        span = self.span(word.start, word.end)
        found = self.source.find(span, [needle])
        return found or self.source.location(span.line, span.column, span.line, span.column)

    def index(self, text: str) -> None:
        self.text_starts = [0]
        position = text.find("\n")
        while position >= 0:
            self.text_starts.append(position + 1)
            position = text.find("\n", position + 1)

    def run(self, text: str) -> list[Resource]:
        if not self.text_starts:
            self.index(text)
        for command in split_commands(text):
            self.command(command)
        found = self.resources + self.env.finish() + build_config_resources(self.ctx, self.users)
        return credentials.dedupe(found)

    def command(self, command: Command) -> None:
        words = command.words
        index = 0
        declaring = False
        while index < len(words):
            word = words[index]
            if word.value in _DECLARE and index == 0:
                declaring = True
                index += 1
                continue
            name, sep, value = word.value.partition("=")
            if sep and is_env_name(name) and word.value.startswith(name + "="):
                self.assignment(word, name, value)
                index += 1
                continue
            if declaring and word.value.startswith("-"):
                index += 1
                continue
            break
        if declaring:
            return
        args = words[index:]
        while args and args[0].value in _PREFIX_COMMANDS:  # `sudo -E mysql ...`, `env A=b airflow ...`
            args = args[1:]
            while args and (args[0].value.startswith("-") or
                            ("=" in args[0].value and is_env_name(args[0].value.partition("=")[0]))):
                args = args[1:]
        if not args:
            return
        program = args[0].value.rsplit("/", 1)[-1]
        if program == "airflow" and len(args) >= 3:
            group, action = args[1].value, args[2].value
            if group == "connections" and action == "add":
                self.connection(args[3:])
            elif group == "variables" and action == "set":
                self.variable(args[3:])
            elif group == "users" and action == "create":
                self.user(args[3:])
        if program in _MYSQL_CLIENTS:
            self.mysql(args[1:])
        if program == "curl":
            self.curl(args[1:])
        consumed = self.consumed
        for word in args:
            if word.expanded or "://" not in word.value or id(word) in consumed:
                continue
            for offset, uri in uris_in_text(word.value, with_password_only=True):  # `psql "postgresql://u:pw@h/db"`
                line = self.span(word.start, word.end).line
                resource = connection_from_value(
                    self.ctx, f"uri@{self.source.path}:{line}", uri, origin=self.origin,
                    location=self.located(word, uri),
                    locator=lambda needles, w=word: self.source.find(self.span(w.start, w.end), needles))
                if resource is not None:
                    self.resources.append(resource)
            for _, _, password in credentials.urls_with_password(word.value):
                self.resources.append(credentials.resource(
                    self.ctx, credentials.SECRET, password, self.located(word, password),
                    f"password in a URL given to {program}"))

    def assignment(self, word: Word, name: str, value: str) -> None:
        span = self.span(word.start, word.end)
        value_start = word.start + len(name) + 1
        self.env.add(name, value, span, self.span(min(value_start, word.end), word.end) if value else span,
                     plain=True)

    # `airflow connections add ID --conn-uri URI | --conn-json JSON | --conn-type T --conn-password P ...`
    def connection(self, args: list[Word]) -> None:
        options, positional = _options(args, {"--conn-uri", "--conn-json", *_CONN_OPTIONS})
        if not positional:
            return
        conn_id = positional[0].value
        for option in ("--conn-uri", "--conn-json"):
            if option in options:
                word, value = options[option]
                self.consumed.add(id(word))
                if word.expanded and "${" not in value and "$" in value and "://" not in value:
                    return
                location = self.location(word)
                resource = connection_from_value(self.ctx, conn_id, value, origin=self.origin, location=location,
                                                 locator=lambda needles, w=word: self.source.find(
                                                     self.span(w.start, w.end), needles))
                if resource is not None:
                    self.resources.append(resource)
                    self.resources.extend(credentials.connection_login_key(self.ctx, resource))
                return
        fields = {name: options[option][1] for option, name in _CONN_OPTIONS.items() if option in options}
        if not fields:
            return
        try:
            parsed = parse_fields(fields, strict_port=False)
        except ConnectionValueError:
            return
        exact = {name: self.location(options[option][0]) for option, name in _CONN_OPTIONS.items()
                 if option in options and name in ("password", "login", "host")}
        first = min((options[o][0] for o in options), key=lambda w: w.start)
        resource = build_connection(self.ctx, conn_id, parsed, origin=self.origin, definition="fields",
                                    location=self.location(first), field_locations=exact)
        self.resources.append(resource)
        self.resources.extend(credentials.connection_login_key(self.ctx, resource))

    # `airflow variables set [-j] KEY VALUE`
    def variable(self, args: list[Word]) -> None:
        positional = [word for word in args if not word.value.startswith("-")]
        if len(positional) < 2:
            return
        key, value = positional[0], positional[1]
        if value.expanded:
            return
        location = self.location(value)
        self.resources.extend(variables.variable(
            self.ctx, key.value, value.value, location, origin=self.origin,
            locator=lambda needles: self.source.find(self.span(value.start, value.end), needles),
            via=f"airflow variables set {key.value}"))

    # `airflow users create --username U --password P ...`
    def user(self, args: list[Word]) -> None:
        options, _ = _options(args, {"--password", "-p", "--username", "-u"})
        password = options.get("--password") or options.get("-p")
        if password is None or password[0].expanded:
            return
        username = (options.get("--username") or options.get("-u") or (None, "user"))[1]
        self.users.add("webserver_user", f"{username}.password", password[1], self.location(password[0]),
                       secret=True)

    # `mysql -pSECRET` / `--password=SECRET`: a password on a command line (visible in `ps`)
    def mysql(self, args: list[Word]) -> None:
        for word in args:
            value = None
            if word.value.startswith("--password="):
                value = word.value[len("--password="):]
            elif word.value.startswith("-p") and len(word.value) > 2 and not word.value.startswith("--"):
                value = word.value[2:]
            if value and not word.expanded and not credentials.is_placeholder(value):
                self.resources.append(credentials.resource(
                    self.ctx, credentials.SHELL_PASSWORD, value, self.located(word, value),
                    "mysql client password on the command line"))

    # `curl -u user:password` / `--user user:password`
    def curl(self, args: list[Word]) -> None:
        for index, word in enumerate(args[:-1]):
            if word.value in ("-u", "--user", "--proxy-user"):
                value = args[index + 1]
                _user, sep, password = value.value.partition(":")
                if sep and password and not value.expanded and not credentials.is_placeholder(password):
                    self.resources.append(credentials.resource(
                        self.ctx, credentials.SECRET, password, self.located(value, password),
                        "curl --user password"))


def _options(args: list[Word], known: set[str]) -> tuple[dict[str, tuple[Word, str]], list[Word]]:
    """`--opt value` / `--opt=value` for the `known` options, and the positional words."""
    options: dict[str, tuple[Word, str]] = {}
    positional: list[Word] = []
    index = 0
    while index < len(args):
        word = args[index]
        name, sep, value = word.value.partition("=")
        if sep and name in known:
            options[name] = (word, value)
        elif word.value in known and index + 1 < len(args):
            options[word.value] = (args[index + 1], args[index + 1].value)
            index += 1
        elif not word.value.startswith("-"):
            positional.append(word)
        index += 1
    return options, positional


def collect(ctx: ScanContext, source: SourceFile, origin: str = "shell") -> list[Resource]:
    return _Script(ctx, source, origin).run(source.text)
