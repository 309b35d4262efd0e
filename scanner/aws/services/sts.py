"""STS and Organizations, once per account: who the credentials are, and (optionally) which accounts
the organisation holds. Yields no resources; the account id feeds every other unit.
"""

from __future__ import annotations

from typing import Any

from scanner.aws.calls import call, paginate
from scanner.aws.recorder import UnitRecorder
from scanner.aws.session import AwsSession
from scanner.model import Resource


def collect(session: AwsSession, unit: Any, recorder: UnitRecorder) -> list[Resource]:
    """Check that the account can be reached (a gap if not) and learn its id; resources: none."""
    identity = caller_identity(session, recorder)
    if identity is not None and recorder.account is None:
        recorder.account = identity["account"]
    return []


def caller_identity(session: AwsSession, recorder: UnitRecorder) -> dict[str, str] | None:
    """``{"account", "arn", "user_id"}`` of the credentials, or None after recording a gap."""
    client = recorder.attach(session.client("sts"))
    response = call(recorder, client, "get_caller_identity", [])
    if response is None:
        return None
    return {
        "account": str(response.get("Account")),
        "arn": str(response.get("Arn")),
        "user_id": str(response.get("UserId")),
    }


def organization_accounts(session: AwsSession, recorder: UnitRecorder) -> list[dict[str, str]]:
    """Active accounts of the organisation (``organizations:ListAccounts``).

    Only the management account or a delegated administrator may list them: anywhere else, or
    outside an organisation, the call is denied and this returns an empty list (the gap is recorded).
    """
    client = recorder.attach(session.client("organizations"))
    accounts = paginate(recorder, client, "list_accounts", "Accounts", [])
    return sorted(
        (
            {"id": str(a["Id"]), "name": str(a.get("Name", "")), "status": str(a.get("Status", ""))}
            for a in accounts
            if a.get("Id") and a.get("Status", "ACTIVE") == "ACTIVE"
        ),
        key=lambda a: a["id"],
    )
