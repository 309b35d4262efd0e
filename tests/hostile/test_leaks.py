"""Secrets never reach an output, whatever form they are written in; and masking is by position, so a
password that is also an ordinary word never changes a path, a rule name or a URI scheme."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

from tests.hostile.conftest import GOOD_FINDING, run_hostile

RDS = "db.cluster-abc.eu-west-1.rds.amazonaws.com"


def _cache_text(run) -> str:
    return "\n".join(text for name, text in run.outputs.items() if name.startswith("cache/"))


def test_values_under_names_airflow_masks_are_never_shown(repo: Path) -> None:
    keyfile = {"type": "service_account", "private_key_id": "Keyfile-Id-3131", "client_email": "x@y.iam",
               "private_key": "-----BEGIN PRIVATE KEY-----Keyfile-Pk-3232-----END PRIVATE KEY-----"}
    extra = {"passphrase": "Passphrase-Value-3030", "authorization": "Bearer Auth-Header-3434",
             "keyfile_dict": keyfile, "webhook_url": "https://hooks.example.com/T0/Webhook-Path-3535"}
    export = {"gcp": {"conn_type": "google_cloud_platform", "extra": json.dumps(extra)},
              "ssh": {"conn_type": "ssh", "host": "bastion", "extra": extra}}
    (repo / "connections.json").write_text(json.dumps(export, indent=2))
    (repo / "airflow_settings.yaml").write_text(
        "airflow:\n  connections:\n    - conn_id: sftp\n      conn_type: sftp\n      conn_host: h\n"
        "      conn_extra:\n        passphrase: Passphrase-Yaml-3636\n        private_key: Pk-Yaml-3737-xyz\n")
    run = run_hostile(repo, ".", "--fail-on", "none")
    planted = ["Passphrase-Value-3030", "Auth-Header-3434", "Keyfile-Id-3131", "Keyfile-Pk-3232",
               "Webhook-Path-3535", "Passphrase-Yaml-3636", "Pk-Yaml-3737-xyz"]
    run.assert_clean(*planted)
    assert _cache_text(run)  # the cache was written, and was grepped with the rest
    assert GOOD_FINDING in run.findings()


def test_escaped_and_encoded_forms_are_masked_or_not_shown(repo: Path) -> None:
    escaped = "".join(f"\\u{ord(c):04x}" for c in "Esc-Json-Pw-4040")
    (repo / "export.json").write_text(
        json.dumps({"esc": {"conn_type": "postgres", "host": RDS, "login": "u", "password": "@@"}})
        .replace("@@", escaped) + "\n")
    percent = "".join(f"%{b:02X}" for b in b"Pct-Uri-Pw-4141")
    (repo / "pct.env").write_text(f"AIRFLOW_CONN_PCT=postgres://u:{percent}@{RDS}/db\n")
    hexed = "".join(f"\\x{ord(c):02x}" for c in "Hex-Yaml-Pw-4242")
    (repo / "values.yaml").write_text(
        "connections:\n"
        f"  - id: hexed\n    type: postgres\n    host: {RDS}\n    login: u\n    password: \"{hexed}\"\n"
        f"  - id: folded\n    type: postgres\n    host: {RDS}\n    login: u\n"
        "    password: First-Line-Pw-4343\n      Second-Line-Pw-4444\n"
        f"  - id: quoted\n    type: postgres\n    host: {RDS}\n    login: u\n"
        "    password: \"Quoted-First-4545\n      Quoted-Second-4646\"\n")
    run = run_hostile(repo, ".", "--fail-on", "none")
    planted = ["Esc-Json-Pw-4040", escaped, "Pct-Uri-Pw-4141", percent, quote("Pct-Uri-Pw-4141"),
               "Hex-Yaml-Pw-4242", hexed, "First-Line-Pw-4343", "Second-Line-Pw-4444", "Quoted-First-4545",
               "Quoted-Second-4646"]
    run.assert_clean(*planted)
    findings = run.findings()
    assert {("AG101", "export.json", 1), ("AG101", "pct.env", 1)} <= findings
    assert GOOD_FINDING in findings


def test_a_password_that_is_a_word_changes_no_path_rule_or_scheme(repo: Path) -> None:
    folder = repo / "dbt-postgres-issue"
    folder.mkdir()
    (folder / ".env").write_text(f"AIRFLOW_CONN_PG=postgresql://postgres:postgres@{RDS}:5432/postgres\n")
    run = run_hostile(repo, ".", "--fail-on", "none")
    run.assert_clean()
    assert ("AG101", "dbt-postgres-issue/.env", 1) in run.findings()
    report = run.report()
    pg = [f for f in report["findings"] if f["location"]["path"] == "dbt-postgres-issue/.env"]
    assert {f["location"]["snippet"] for f in pg} == {
        f"AIRFLOW_CONN_PG=postgresql://postgres:****@{RDS}:5432/postgres"}
    sarif = run.outputs["report.sarif"]
    assert '"uri":"dbt-postgres-issue/.env"' in sarif
    assert "dbt-****" not in run.everything()
    assert "****ql://" not in run.everything()


EXPORT_WITH_CUSTOM_FIELD = json.dumps({"partner": {
    "conn_type": "http", "host": "api.partner.example", "login": "u", "password": "Partner-Pw-7171",
    "extra": json.dumps({"partner_ref": "Partner-Ref-Secret-7272", "timeout": 30})}})


def test_names_the_deployment_adds_to_sensitive_var_conn_names_are_never_shown(repo: Path) -> None:
    (repo / "connections.json").write_text(EXPORT_WITH_CUSTOM_FIELD)
    # (its own cache folder: without the setting the value is an ordinary extra, shown and cacheable)
    shown = run_hostile(repo, ".", "--fail-on", "none", env={"AIRGUARD_CACHE_DIR": str(repo.parent / "c0")})
    assert "Partner-Ref-Secret-7272" in shown.everything()
    (repo / "airflow.cfg").write_text("[core]\nsensitive_var_conn_names = partner_ref, billing_code\n")
    hidden = run_hostile(repo, ".", "--fail-on", "none")
    hidden.assert_clean("Partner-Ref-Secret-7272", "Partner-Pw-7171")
    assert _cache_text(hidden)
    assert ("AG101", "connections.json", 1) in hidden.findings()
    (repo / "airflow.cfg").unlink()
    (repo / ".env").write_text("AIRFLOW__CORE__SENSITIVE_VAR_CONN_NAMES=partner_ref\n")
    run_hostile(repo, ".", "--fail-on", "none").assert_clean("Partner-Ref-Secret-7272")
