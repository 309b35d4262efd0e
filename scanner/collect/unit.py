"""One file's collection as a plain, JSON-serialisable outcome.

The same outcome is what the file cache stores (`scanner.collect.filecache`) and what worker processes
return (`scanner.collect.parallel`), so a cached, a parallel and an in-process scan merge identical data.
An outcome holds the file's resources and notices, whether its text is a scan source (for snippets and
suppression comments), whether it counts as scanned, and its secrets: in memory as values
(``secrets``), in the cache only as positions in the file's text (``secret_spans``: each
`scanner.collect.secret_spans` span, then the path and line it was read at), re-read on a hit.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scanner import gcpause, safeio
from scanner.collect import filecache, one_file, secret_spans
from scanner.compact import Interner
from scanner.context import ScanContext
from scanner.findings import Notice
from scanner.model import AwsIdentity, FileLocation, Resource, Source
from scanner.secrets import LITERAL, Redactor, classify
from scanner.source import SourceFile

Outcome = dict[str, Any]
Share = Callable[[str, str], str]   # a table of shared strings' setdefault


class RecordingRedactor(Redactor):
    """A redactor that also remembers what was registered, so the main scan can register it again."""

    DEFER_FILING = True   # one file's: it seldom reads a text, so forms are made only if it does

    def __init__(self) -> None:
        super().__init__()
        self.recorded: list[tuple[str, str | None, int | None]] = []

    def register(self, value: Any, path: str | None = None, line: int | None = None) -> None:
        super().register(value, path, line)
        if value is not None and classify(str(value)) == LITERAL:
            self.recorded.append((str(value), path, line))


def text_for(kind: str, data: bytes) -> str:
    """The text a collector of `kind` reads from these bytes (the same decoding, without notices)."""
    if kind == "python":
        from scanner.collect.pycode import decode_text

        return decode_text(data)[0]
    return safeio.decode_text(data)


def run_file(root: Path, path: Path, relative: str, kind: str, data: bytes) -> Outcome:
    """Collect one file into a fresh context and return what it produced."""
    fctx = ScanContext(root=root, redactor=RecordingRedactor())
    try:
        if kind == "python":
            from scanner.collect import pycode

            with gcpause.analysing():   # its cyclic garbage collected, if this process's collector is paused
                resources = pycode.collect_bytes(fctx, path, relative, data)
        else:
            source = one_file.source_from_bytes(fctx, path, relative, data)
            resources = [] if source is None else one_file.collect_source_file(fctx, source, kind)
        for resource in resources:
            resource.check()   # a collector's bug fails this file, not the scan's evaluation
        dumps = [resource.to_json() for resource in resources]   # attribute values made JSON: may fail too
    except (Exception, RecursionError, MemoryError) as exc:
        dumps = []
        fctx.notice("internal-error", f"airguard could not analyse this file ({type(exc).__name__}); "
                    "it was skipped (run with AIRGUARD_DEBUG=1 to see why)", relative)
        if os.environ.get("AIRGUARD_DEBUG"):
            raise
    redactor = fctx.redactor
    assert isinstance(redactor, RecordingRedactor)
    return {
        "resources": dumps,
        "notices": [n.to_json() for n in fctx.notices],
        "source": relative in fctx.sources,
        "scanned": fctx.files_scanned,
        "secrets": [list(item) for item in redactor.recorded],
    }


def to_payload(outcome: Outcome, text: str) -> bytes | None:
    """The cacheable form as the cache stores it (`filecache.encode`): secrets as where they are read back
    from `text` (`secret_spans`); None if one cannot be, or the outcome must not be cached."""
    # each secret as where it is read back from the text (`secret_spans`), then where it was read (path, line)
    places = secret_spans.locate_all(text, [(value, line) for value, _, line in outcome["secrets"]])
    if places is None:
        return None  # a secret that cannot be read back from the text: the file is never cached
    spans = [[*place, path, line] for place, (_, path, line) in zip(places, outcome["secrets"])]
    if any(notice.get("kind") == "internal-error" for notice in outcome["notices"]):
        return None  # a failure may be transient (memory): try again next time
    entry = {key: outcome[key] for key in ("resources", "notices", "source", "scanned")}
    entry["secret_spans"] = spans
    payload = filecache.encode(entry)
    for value, _, _ in outcome["secrets"]:
        forms = {value, json.dumps(value)[1:-1]}   # as written in the payload's JSON (ASCII, escaped)
        if any(len(form) >= Redactor.MIN_EXACT and form.encode("utf-8") in payload for form in forms):
            return None  # belt and braces: a secret value must never reach the cache
    return payload


# An outcome is made by airguard itself: in this process, in a worker process of this scan, or read back
# from the file cache, whose entries carry an integrity digest (`scanner.collect.filecache`). So its models
# are built from the dumps as they are; a dump of the wrong shape still fails on a missing key, as a corrupt
# one.


def _location(item: dict[str, Any] | None, share: Share) -> FileLocation | None:
    if item is None:
        return None
    path = item["path"]
    return FileLocation(share(path, path), item["start_line"], item["start_column"], item["end_line"],
                        item["end_column"])


def _resource(item: dict[str, Any], intern: Interner, share: Share) -> Resource:
    """A `Resource` from its JSON dump (`Resource.to_json`), its strings shared with the rest of the scan
    (`intern` for values of any type; `share`, the same table's setdefault, for a field that is a string:
    the type test and call of `intern` were a fifth of merging an outcome)."""
    source = item["source"]
    aws = source["aws"]
    if aws is not None:
        aws = AwsIdentity(intern(aws["arn"]), intern(aws["account"]), intern(aws["region"]))
    locations = {}
    for path, location in item["locations"].items():
        locations[share(path, path)] = _location(location, share)
    identifier, kind, name = item["id"], item["type"], item["name"]
    return Resource(share(identifier, identifier), share(kind, kind), share(name, name), intern(item["attributes"]),
                    Source(_location(source["file"], share), aws), locations)


def parse(outcome: Outcome, text: str | None, strings: dict[str, str] | None = None) \
        -> tuple[list[Resource], list[Notice], list[tuple[str, Any, Any]]]:
    """Typed resources, notices and secrets of an outcome; raises on a malformed (corrupt) one. `strings`: the
    scan's table of shared strings (`ScanContext.strings`)."""
    table: dict[str, str] = {} if strings is None else strings
    intern, share = Interner(table), table.setdefault
    resources = [_resource(item, intern, share) for item in outcome["resources"]]
    notices = [Notice(**item) for item in outcome["notices"]]   # its own dump (`Notice.to_json`)
    if "secrets" in outcome:
        found = [(str(value), path, line) for value, path, line in outcome["secrets"]]
    else:
        found = []
        for *place, path, line in outcome["secret_spans"]:
            if text is None:
                raise ValueError("secret spans without a text")
            found.append((secret_spans.read_back(text, place), path, line))
    if not isinstance(outcome["source"], bool) or not isinstance(outcome["scanned"], int):
        raise TypeError("malformed outcome")
    return resources, notices, found


def merge(ctx: ScanContext, path: Path, relative: str, text: str | None, outcome: Outcome,
          parsed: tuple[list[Resource], list[Notice], list[tuple[str, Any, Any]]]) -> list[Resource]:
    """Add a file's outcome to the scan: sources, notices, secrets, count; return its resources."""
    resources, notices, found = parsed
    if outcome["source"]:
        assert text is not None
        ctx.sources[relative] = SourceFile(path=relative, absolute=path, text=text)
    ctx.notices.extend(notices)
    for value, secret_path, line in found:
        # the redactor keys each place read by its path: the scan's one copy of it, not the outcome's
        ctx.secret(value, _shared_path(ctx, secret_path) if type(secret_path) is str else secret_path, line)
    ctx.files_scanned += outcome["scanned"]
    return resources


def _shared_path(ctx: ScanContext, relative: str) -> str:
    """The file's path as the scan's table of shared strings holds it: the one object its source, its
    resources' locations and its redactor entries all point at (the outcome repeats it as its own copy)."""
    return ctx.strings.setdefault(relative, relative)


_CORRUPT = (KeyError, TypeError, ValueError, IndexError, AssertionError, AttributeError)


def restore(ctx: ScanContext, path: Path, relative: str, kind: str, data: bytes,
            entry: Outcome, text: str | None = None) -> list[Resource] | None:
    """Merge a cache hit; None when the entry is corrupt (then it is a miss). `text`: the file's text when
    the caller has it (a worker process read the file), else decoded from `data`."""
    relative = _shared_path(ctx, relative)
    try:
        if text is None and (entry["source"] or entry["secret_spans"]):
            text = text_for(kind, data)
        parsed = parse(entry, text, ctx.strings)
    except _CORRUPT:
        return None
    return merge(ctx, path, relative, text, entry, parsed)


def absorb(ctx: ScanContext, path: Path, relative: str, kind: str, data: bytes, outcome: Outcome,
           cache: Any, key: str | None, text: str | None = None) -> list[Resource]:
    """Merge a freshly computed outcome, storing it in the cache first when there is one (`text` as in
    `restore`)."""
    relative = _shared_path(ctx, relative)
    if text is None and (outcome["source"] or outcome["secrets"] or key is not None):
        text = text_for(kind, data)
    if cache is not None and key is not None and text is not None:
        payload = to_payload(outcome, text)
        if payload is not None:
            cache.put(key, payload)
    return merge(ctx, path, relative, text, outcome, parse(outcome, text, ctx.strings))


def collect_one(ctx: ScanContext, path: Path, relative: str, kind: str, data: bytes, cache: Any) -> list[Resource]:
    """One file, in this process: from the cache when its bytes are known, else collected (and stored)."""
    key = cache.key(kind, relative, data) if cache is not None else None
    if key is not None:
        entry = cache.get(key)
        if entry is not None:
            restored = restore(ctx, path, relative, kind, data, entry)
            if restored is not None:
                return restored
    return absorb(ctx, path, relative, kind, data, run_file(ctx.root, path, relative, kind, data), cache, key)
