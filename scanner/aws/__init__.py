"""Collect the live AWS side of an Airflow-on-Aurora deployment as resources.

Collection is split into independent *units* (account x region x service) whose results are plain
JSON and merge into one snapshot, so an org-wide scan can fan them out (e.g. as Airflow mapped
tasks) and a CLI can run them in a thread pool. See ``scanner/aws/README.md``.

Public API (importing this package never imports boto3; only running a unit does):

- ``scanner.aws.session``: ``SessionOptions``, ``SessionFactory``
- ``scanner.aws.units``: ``CollectionUnit``, ``UnitResult``, ``Snapshot``, ``plan_units``,
  ``run_unit``, ``run_units``, ``merge``
- ``scanner.aws.collect``: ``collect_snapshot`` (resolve account, plan, run, merge in one call)
- ``scanner.aws.snapshot``: ``write_snapshot``, ``read_snapshot``, ``load_snapshot``, ``SnapshotError``
- ``scanner.aws.notices``: ``gap_notices`` (gaps as ``scanner.findings.Notice``)
"""
