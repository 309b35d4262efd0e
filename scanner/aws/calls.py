"""Guarded AWS calls: a failure becomes a gap in the unit's recorder and the unit carries on.

Collectors call AWS only through `call`, `paginate` and `pages`. Each catches any exception of
the call (botocore's ClientError, connection errors, timeouts, parser errors), records a gap naming
the operation and the resource types it feeds, and returns what it got: ``None`` for a single call,
the items of the pages read so far for a paginated one.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from scanner.aws.recorder import UnitRecorder


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
    try:
        paginator = client.get_paginator(method)
        config = {"PageSize": page_size} if page_size else {}
        for page in paginator.paginate(**params, PaginationConfig=config):
            page.pop("ResponseMetadata", None)
            read.append(page)
    except Exception as error:  # noqa: BLE001 - keep the pages read so far
        recorder.record_gap(operation_name(client, method), error, resource_types)
        return read, False
    return read, True


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
