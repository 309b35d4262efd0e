"""The AWS snapshot file: merged unit results as versioned, deterministic JSON.

Format (``scanner/aws/snapshot.schema.json``; documented in ``scanner/aws/README.md``)::

    {"format": "airguard-aws-snapshot", "version": 1, "created_by": "airguard 0.1.0",
     "created_at": "2026-01-01T02:00:00Z", "accounts": [...], "regions": [...], "services": [...],
     "units": [{"unit": {...}, "resources": [...], "gaps": [...], "api_calls": {...}}, ...]}

Keys are sorted, units sorted by (account, region, service), resources by id, gaps by operation, so two
nightly snapshots differ only where the account did. ``created_at`` is the only timestamp; per-unit
timings are left out unless asked for (``include_timings=True``).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from scanner import safeio
from scanner.aws.units import Snapshot, UnitResult, merge
from scanner.compact import Interner
from scanner.model import AwsIdentity, Resource, Source
from scanner.resources.values import iso

FORMAT = "airguard-aws-snapshot"
VERSION = 1
SCHEMA_PATH = Path(__file__).with_name("snapshot.schema.json")


class SnapshotError(Exception):
    """A snapshot file that cannot be used; the message says why (no traceback needed)."""


def snapshot_document(snapshot: Snapshot, *, include_timings: bool = False) -> dict[str, Any]:
    units = []
    for result in snapshot.units:
        entry: dict[str, Any] = {
            "unit": result.unit.model_dump(mode="json"),
            "resources": sorted(result.resources, key=lambda r: str(r.get("id"))),
            "gaps": [gap.model_dump(mode="json") for gap in sorted(result.gaps, key=lambda g: g.sort_key())],
            "api_calls": dict(sorted(result.api_calls.items())),
        }
        if include_timings:
            entry["http_requests"] = dict(sorted(result.http_requests.items()))
            entry["duration_seconds"] = result.duration_seconds
        units.append(entry)
    return {
        "format": FORMAT,
        "version": VERSION,
        "created_by": snapshot.created_by,
        "created_at": snapshot.created_at,
        "accounts": snapshot.accounts,
        "regions": snapshot.regions,
        "services": snapshot.services,
        "units": units,
    }


def dumps_snapshot(snapshot: Snapshot, *, include_timings: bool = False) -> str:
    document = snapshot_document(snapshot, include_timings=include_timings)
    return json.dumps(document, sort_keys=True, indent=1, ensure_ascii=False) + "\n"


def write_snapshot(
    path: str | os.PathLike[str],
    results: Snapshot | Iterable[UnitResult | dict[str, Any]],
    *,
    created_at: datetime | str | None = None,
    include_timings: bool = False,
) -> Snapshot:
    """Write unit results (or a merged snapshot) to `path` atomically; returns the snapshot written."""
    snapshot = results if isinstance(results, Snapshot) else merge(results)
    if created_at is not None:
        stamp = created_at if isinstance(created_at, str) else iso(created_at)
        snapshot = snapshot.model_copy(update={"created_at": stamp})
    elif snapshot.created_at is None:
        snapshot = snapshot.model_copy(update={"created_at": iso(datetime.now(timezone.utc))})
    text = dumps_snapshot(snapshot, include_timings=include_timings)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return snapshot


@lru_cache(maxsize=1)
def _validator() -> Any:
    """The schema compiled into plain checks (`scanner.aws.schema_check`): jsonschema's own validator took
    62 % of a 50,000-security-group snapshot scan."""
    from scanner.aws.schema_check import Validator

    return Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


# Problems collected before the message is written: the first (by path) is shown, the rest counted.
MAX_PROBLEMS = 1000


def validate_document(document: Any, where: str = "snapshot") -> None:
    """Raise SnapshotError unless `document` is a snapshot this version of airguard reads."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        found = document.get("format") if isinstance(document, dict) else type(document).__name__
        raise SnapshotError(
            f"{where}: not an airguard AWS snapshot (format is {found!r}, expected {FORMAT!r})"
        )
    version = document.get("version")
    if version != VERSION:
        raise SnapshotError(
            f"{where}: snapshot version {version!r} is not supported (this airguard reads "
            f"version {VERSION}); re-create it with `airguard aws snapshot`"
        )
    errors = []
    for error in _validator().errors(document):
        errors.append(error)
        if len(errors) > MAX_PROBLEMS:
            break
    if errors:
        path, message = min(errors, key=lambda error: [(0, part, "") if isinstance(part, int) else (1, 0, str(part))
                                                       for part in error[0]])
        location = "/".join(str(part) for part in path) or "(top level)"
        count = f"{MAX_PROBLEMS}+" if len(errors) > MAX_PROBLEMS else str(len(errors) - 1)
        more = f" (and {count} more problems)" if len(errors) > 1 else ""
        raise SnapshotError(f"{where}: invalid snapshot at {location}: {_short(message)}{more}")


def _short(message: str, limit: int = 300) -> str:
    """A message quotes the value it is about: a huge one is cut (the error is one line)."""
    return message if len(message) <= limit else message[:limit] + "..."


def load_snapshot(path: str | os.PathLike[str]) -> Snapshot:
    """Read and check a snapshot file."""
    return parse_snapshot(read_snapshot_text(path), str(path))


def read_snapshot_text(path: str | os.PathLike[str]) -> str:
    """A snapshot file's text; `SnapshotError` with a one-line message when it cannot be read."""
    try:
        return safeio.read_bytes(path, safeio.SNAPSHOT_CAP).decode("utf-8")
    except safeio.ReadRefused as error:
        raise SnapshotError(f"cannot read snapshot {path}: {error.message.removeprefix('cannot read file: ')}") \
            from None
    except UnicodeDecodeError:
        raise SnapshotError(f"cannot read snapshot {path}: not UTF-8") from None


def parse_snapshot(text: str, where: str) -> Snapshot:
    """Check a snapshot's text (`where` names it in messages) and load it."""
    try:
        document = json.loads(text)
    except (ValueError, RecursionError) as error:
        if not isinstance(error, json.JSONDecodeError):  # huge integers, nesting past the recursion limit
            raise SnapshotError(f"{where}: not JSON ({type(error).__name__})") from None
        raise SnapshotError(
            f"{where}: not JSON (line {error.lineno}, column {error.colno}: {error.msg})"
        ) from None
    validate_document(document, where)
    try:
        units = [UnitResult.model_validate(entry) for entry in document["units"]]
    except ValidationError as error:
        first = error.errors()[0]
        location = ".".join(str(part) for part in first.get("loc", ()))
        raise SnapshotError(f"{where}: invalid unit result at {location}: {first.get('msg')}") from None
    return Snapshot(created_by=document["created_by"], created_at=document.get("created_at"), units=units)


def parse_snapshot_resources(text: str, where: str) -> tuple[Snapshot, list[Resource] | None]:
    """`parse_snapshot` for a scan, in a fraction of its memory: the snapshot, whose units keep their gaps and
    calls but not their resource dicts, and its resources as `Snapshot.resources()` gives them.

    The text is read resource by resource (`_Cursor`): each is checked against the schema's resource
    definition and built as soon as it is read, with one copy of each string, and its dict let go; the rest of
    the document is checked whole, its unit resource lists left empty. The schema puts nothing on a resource
    list but its items, so the verdict is the whole document's. A text this reader does not take (not JSON, not
    valid, a repeated key where it reads member by member, ...) is read by `parse_snapshot`, whose errors are
    the ones raised; the resources are then None (built from the snapshot as before)."""
    try:
        streamed = _stream_snapshot(text)
    except (_Decline, ValueError, RecursionError, ValidationError):
        streamed = None
    if streamed is None:
        return parse_snapshot(text, where), None
    return streamed


class _Decline(Exception):
    """The text is not one `_stream_snapshot` takes (`parse_snapshot` decides about it)."""


_WHITESPACE = json.decoder.WHITESPACE.match  # what `json.loads` skips between tokens


class _Cursor:
    """Reads a JSON text member by member where the caller asks (`members`, `items`) and decodes the values it
    skips over with `json`'s own decoder, so each value is what `json.loads` makes of it. Anything but a plain
    object or array where one is asked for, a repeated key, or text after the document raises `_Decline`."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self._decode = json.JSONDecoder().raw_decode

    def _take(self, char: str) -> bool:
        self.pos = _WHITESPACE(self.text, self.pos).end()
        if self.text.startswith(char, self.pos):
            self.pos += 1
            return True
        return False

    def _need(self, char: str) -> None:
        if not self._take(char):
            raise _Decline

    def value(self) -> Any:
        self.pos = _WHITESPACE(self.text, self.pos).end()
        value, self.pos = self._decode(self.text, self.pos)
        return value

    def members(self) -> Iterator[str]:
        """The keys of the object here; the caller reads each key's value (`value`, `members`, `items`)."""
        self._need("{")
        if self._take("}"):
            return
        seen: set[str] = set()
        while True:
            self._need('"')
            key, self.pos = json.decoder.scanstring(self.text, self.pos)
            if key in seen:  # json.loads keeps the last value: not worth following here
                raise _Decline
            seen.add(key)
            self._need(":")
            yield key
            if self._take("}"):
                return
            self._need(",")

    def item_values(self, strings: dict[str, str]) -> Iterator[Any]:
        """The items of the array here, decoded: as `items` and `value` give them, with one object per
        distinct string (`strings`, as `scanner.compact.Interner` shares them). Where the text allows, items
        are decoded a run at a time (`_run`): one `json` call shares the keys of all its items and a hook
        shares their string values in place, where an item decoded alone is copied by the interner (a third
        of a 50,000-security-group snapshot's reading went to those copies)."""
        intern = Interner(strings)
        decode_run = json.JSONDecoder(object_hook=_string_sharer(strings)).raw_decode
        self._need("[")
        if self._take("]"):
            return
        opened = self.pos
        marker: str | None = None  # what ends an item and starts the next, once two items were seen
        runs = True  # False once a run could not be read: the rest of this array is read item by item
        while True:
            # a run looks for markers no further ahead than a few times what the array has held so far: a
            # search to the end of the text in each of many short arrays was quadratic (an array whose last
            # separator does not recur scanned the rest of the file)
            window = 4 * (self.pos - opened) + 256
            run = self._run(marker, decode_run, window) if marker is not None and runs else None
            if run is not None:
                yield from run
            else:
                if marker is not None:
                    runs = False  # no marker ahead, or not whole items before it
                yield intern(self.value())
            end = self.pos
            if self._take("]"):
                return
            self._need(",")
            if marker is None:
                # `}` + what stands between two object items + `{`: in write_snapshot's layout only items are
                # followed by it (anything nested in an item is indented further)
                following = _WHITESPACE(self.text, self.pos).end()
                if self.text[end - 1] == "}" and self.text.startswith("{", following):
                    marker = "}" + self.text[end:following] + "{"
                else:
                    runs = False

    # Items decoded in one call (`_run`): a few hundred KB of text at a time.
    RUN = 256

    def _run(self, marker: str, decode: Callable[[str, int], tuple[Any, int]], window: int) -> list[Any] | None:
        """The next items, up to the `RUN`th `marker` within `window` characters ahead or the end of the array,
        decoded as one array; None (nothing read) when there is no marker there or the text up to it is not
        whole items.

        Sound whatever the text: the decoder reads left to right, so when `[` + the text up to a marker's `}`
        + `]` decodes as an array, the array here holds exactly those items up to there (the last one ends
        with that `}`: an object, which needs nothing after it to end), or, when that array ends before the
        `]` added, those items and then its own end (markers found past it, in a later array)."""
        start = _WHITESPACE(self.text, self.pos).end()
        end, limit = start, start + window
        for _ in range(self.RUN):
            found = self.text.find(marker, end, limit)
            if found < 0:
                break
            end = found + 1
        if end == start:
            return None
        piece = "[" + self.text[start:end] + "]"
        try:
            values, stop = decode(piece, 0)
        except (ValueError, RecursionError):  # not whole items: in another layout markers stand inside items
            return None
        if type(values) is not list or not values:
            return None
        # piece[i] is text[start + i - 1]: the array's `]` is piece[stop - 1], the one added or the text's own
        self.pos = start + stop - 2 if stop < len(piece) else end
        return values

    def items(self) -> Iterator[int]:
        """The indexes of the array here; the caller reads each item."""
        self._need("[")
        if self._take("]"):
            return
        index = 0
        while True:
            yield index
            index += 1
            if self._take("]"):
                return
            self._need(",")

    def end(self) -> None:
        if _WHITESPACE(self.text, self.pos).end() != len(self.text):
            raise _Decline


def _string_sharer(strings: dict[str, str]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A `json` object hook that replaces each string value of an object (and of the lists in it) by the one
    object in `strings` equal to it, in place. The decoder calls it on each object as it ends, innermost
    first, so every list is seen once: by the object that holds it. Sharing saves memory and changes no value:
    a list whose first item is an object is not walked (its strings, if any, stay copies)."""
    one = strings.setdefault

    def share_list(values: list[Any]) -> None:
        for index, value in enumerate(values):
            kind = type(value)
            if kind is str:
                values[index] = one(value, value)
            elif kind is list:
                share_list(value)

    def share(members: dict[str, Any]) -> dict[str, Any]:
        for key, value in members.items():  # replacing a value leaves the keys, and the iteration, alone
            kind = type(value)
            if kind is str:
                members[key] = one(value, value)
            # a list of objects (links, rules) holds no string of its own: its objects were shared already
            elif kind is list and value and type(value[0]) is not dict:
                share_list(value)
        return members

    return share


def _resource(item: dict[str, Any]) -> Resource:
    """`Resource.from_json(item)` for an item the schema's resource definition accepts, whose types it has
    checked (strings, an attributes object, a source with an AWS identity and no file, no locations), built
    directly. `item` is freshly decoded (or copied by `scanner.compact.Interner`): its attributes are the
    resource's own."""
    aws = item["source"]["aws"]
    identity = AwsIdentity(aws["arn"], aws.get("account"), aws.get("region"))
    return Resource(item["id"], item["type"], item["name"], item["attributes"], Source(aws=identity))


def _stream_snapshot(text: str) -> tuple[Snapshot, list[Resource]] | None:
    """What `parse_snapshot_resources` returns, or None when the document is not a valid snapshot."""
    from scanner.aws.services.cloudtrail import TRAIL
    from scanner.aws.units import merge_resources

    cursor, strings = _Cursor(text), {}
    valid_resource = _validator().predicate("#/$defs/resource")
    document: dict[str, Any] = {}
    models: list[list[Resource]] = []  # per unit
    trails: list[list[dict[str, Any]]] = []  # per unit, for the CloudTrail summaries
    for key in cursor.members():
        if key != "units":
            document[key] = cursor.value()
            continue
        document["units"] = []
        for _ in cursor.items():
            entry: dict[str, Any] = {}
            unit_models: list[Resource] = []
            unit_trails: list[dict[str, Any]] = []
            for member in cursor.members():
                if member != "resources":
                    entry[member] = cursor.value()
                    continue
                entry["resources"] = []
                for item in cursor.item_values(strings):
                    if not valid_resource(item):
                        return None
                    unit_models.append(_resource(item))
                    if item.get("type") == TRAIL:
                        unit_trails.append(item)
            document["units"].append(entry)
            models.append(unit_models)
            trails.append(unit_trails)
    strings.clear()  # every resource is read: the table goes before what follows adds to the peak
    cursor.end()
    if document.get("format") != FORMAT or document.get("version") != VERSION or not _validator().is_valid(document):
        return None
    units = [UnitResult.model_validate(entry) for entry in document["units"]]
    summarised = [unit.model_copy(update={"resources": unit_trails}) if unit_trails else unit
                  for unit, unit_trails in zip(units, trails, strict=True)]
    resources = merge_resources(models, summarised)
    return Snapshot(created_by=document["created_by"], created_at=document.get("created_at"), units=units), resources


def read_snapshot(path: str | os.PathLike[str]) -> tuple[list[Resource], list[dict[str, Any]]]:
    """The resources (sorted by id) and gaps (as dicts) of a snapshot file."""
    snapshot = load_snapshot(path)
    return snapshot.resources(), [gap.model_dump(mode="json") for gap in snapshot.gaps()]
