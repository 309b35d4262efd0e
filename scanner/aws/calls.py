"""Guarded AWS calls: a failure becomes a gap in the unit's recorder and the unit carries on.

Collectors call AWS only through `call`, `paginate` and `pages`. Each catches any exception of
the call (botocore's ClientError, connection errors, timeouts, parser errors), records a gap naming
the operation and the resource types it feeds, and returns what it got: ``None`` for a single call,
the items of the pages read so far for a paginated one. The one exception that passes through is
`DeadlineExceeded`: the unit is out of time, and `run_unit` turns that into the unit's gap.

Pagination is bounded: at most ``recorder.limits.max_pages`` pages, and a pagination token the
service already gave ends it (a loop); both keep the pages read and record a gap.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from functools import cache
from typing import Any

from scanner.aws.deadline import DeadlineExceeded, PaginationLoop, TooManyPages
from scanner.aws.recorder import UnitRecorder

_MODEL_LOCK = threading.Lock()
_botocore_session: Any = None


def operation_name(client: Any, method: str) -> str:
    """``rds:DescribeDBClusters`` for (an rds client, "describe_db_clusters")."""
    service = client.meta.service_model.service_name
    api_name = client.meta.method_to_api_mapping.get(method, method)
    return f"{service}:{api_name}"


def call(
    recorder: UnitRecorder, client: Any, method: str, resource_types: Iterable[str], **params: Any
) -> dict[str, Any] | None:
    """One API call; its response without ResponseMetadata, or None after recording a gap."""
    try:
        response = getattr(client, method)(**params)
    except DeadlineExceeded:
        raise
    except Exception as error:  # noqa: BLE001 - every failure of a call is a gap, never a crash
        recorder.record_gap(operation_name(client, method), error, resource_types)
        return None
    response.pop("ResponseMetadata", None)
    return response


def pages(
    recorder: UnitRecorder,
    client: Any,
    method: str,
    resource_types: Iterable[str],
    page_size: int | None = None,
    **params: Any,
) -> tuple[list[dict[str, Any]], bool]:
    """Every page of a paginated operation, and whether all of them were read."""
    read: list[dict[str, Any]] = []
    seen: set[str] = set()
    try:
        paginator = client.get_paginator(method)
        tokens = output_tokens(client, method)
        config = {"PageSize": page_size} if page_size else {}
        for page in paginator.paginate(**params, PaginationConfig=config):
            page.pop("ResponseMetadata", None)
            read.append(page)
            token = _next_token(page, tokens)
            if token is None:
                continue
            if token in seen:
                raise PaginationLoop(len(read))
            seen.add(token)
            if len(read) >= recorder.limits.max_pages:
                raise TooManyPages(len(read))
    except DeadlineExceeded:
        raise
    except Exception as error:  # noqa: BLE001 - keep the pages read so far
        recorder.record_gap(operation_name(client, method), error, resource_types)
        return read, False
    return read, True


def output_tokens(client: Any, method: str) -> tuple[tuple[str, ...], str | None]:
    """The JMESPath expressions of the pagination token(s) a page of `method` carries, and of its
    "more results" flag if it has one (botocore's paginator model)."""
    service = client.meta.service_model.service_name
    return _output_tokens(service, client.meta.method_to_api_mapping.get(method, method))


@cache
def _output_tokens(service: str, operation: str) -> tuple[tuple[str, ...], str | None]:
    global _botocore_session
    with _MODEL_LOCK:
        if _botocore_session is None:
            import botocore.session

            _botocore_session = botocore.session.get_session()
        config = _botocore_session.get_paginator_model(service).get_paginator(operation)
    tokens = config.get("output_token") or ()
    more = config.get("more_results")
    return ((tokens,) if isinstance(tokens, str) else tuple(tokens)), (more if isinstance(more, str) else None)


def _next_token(page: dict[str, Any], tokens: tuple[tuple[str, ...], str | None]) -> str | None:
    """The page's pagination token(s) as one comparable text; None on the last page (as botocore decides)."""
    import jmespath

    expressions, more = tokens
    if more is not None and not jmespath.search(more, page):
        return None
    values = [jmespath.search(expression, page) for expression in expressions]
    if all(value is None for value in values):
        return None
    return json.dumps(values, sort_keys=True, default=str)


def paginate(
    recorder: UnitRecorder,
    client: Any,
    method: str,
    result_key: str,
    resource_types: Iterable[str],
    page_size: int | None = None,
    **params: Any,
) -> list[dict[str, Any]]:
    """The items under `result_key` of every page read (partial after a failure, with a gap)."""
    read, _ = pages(recorder, client, method, resource_types, page_size=page_size, **params)
    return [item for page in read for item in (page.get(result_key) or [])]
