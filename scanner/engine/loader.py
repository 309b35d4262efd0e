"""Load rule files: YAML, validated by `schemas/rule.schema.json`, then by pydantic, into `Rule`s.

Problems are collected for every file and raised together as `RuleLoadError`, each naming the file
and the place in it (line and the path inside the document). Validated rules are cached by content
hash, so a warm start neither parses YAML nor imports jsonschema or pydantic.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scanner import __version__, digests, safeio
from scanner.engine.conditions import ConditionError, compile_condition, rule_regex
from scanner.engine.rule import Rule, rule_from_data, rule_json, validate_rule

if TYPE_CHECKING:
    from scanner.doctree import Node

# Rules from the rule cache need neither the YAML reader (`scanner.doctree`) nor the resource registry: both
# are imported by the functions that parse and check rule files.

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schemas" / "rule.schema.json"
RULE_CACHE_FORMAT = 3   # `rule_json`, with "tests" as JSON text (`_cached_json`)


class RuleLoadError(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def builtin_rules_dir() -> Path:
    """Inside an installed wheel the rules live in the package; in a checkout, beside it."""
    package = Path(__file__).resolve().parent.parent
    shipped = package / "builtin_rules"
    if shipped.is_dir():
        return shipped
    return package.parent / "rules"


def rule_files(directory: Path) -> list[Path]:
    """The rule files under `directory`: YAML files outside any rule's fixture folder, in path order."""
    return [Path(path) for path in _rule_paths(str(directory))]


def _rule_paths(directory: str) -> list[str]:
    """`rule_files` as strings: one walk that does not enter fixture folders (run on every start: the built-in
    rules' folders hold more fixture files than rules), without a Path per file and folder (those were half
    the cost of listing and reading the built-in rules, ~2M instructions of every start)."""
    found = []
    for folder, subfolders, names in os.walk(directory):
        rules = [name for name in names
                 if name.endswith((".yml", ".yaml")) and os.path.isfile(os.path.join(folder, name))]
        # a rule's fixture folder is named like its rule file without the suffix, beside it (Semgrep keeps a rule
        # and its test target side by side): `rules/connections/AG101-connection-literal-password/`
        subfolders[:] = [name for name in subfolders if f"{name}.yaml" not in rules and f"{name}.yml" not in rules]
        found += [os.path.join(folder, name) for name in rules]
    return sorted(found, key=_path_order)


def _path_order(path: str) -> list[str]:
    """The order of `sorted()` over Path objects (part by part, case-folded where the system folds case): the
    order rule files are hashed and reported in."""
    return os.path.normcase(path).split(os.sep)


def fixture_dir(rule: Rule) -> Path | None:
    """The folder of files a rule's fixtures live in, or None."""
    path = rule_file(rule)
    folder = path.with_suffix("") if path is not None else None
    return folder if folder is not None and folder.is_dir() else None


def rule_file(rule: Rule) -> Path | None:
    """The file `rule` was loaded from (None for a rule built in code)."""
    path = _RULE_FILES.get((rule.origin, rule.source_path))
    return None if path is None else Path(path)


_RULE_FILES: dict[tuple[str, str], str] = {}


class _RuleFile:
    """One rule file as read: where it is, what messages call it, built-in or user, and its text. (A plain
    class: every scan imports this module, and a dataclass costs ~3M instructions to create.)"""

    __slots__ = ("label", "origin", "path", "text")

    def __init__(self, path: str, label: str, origin: str, text: str) -> None:
        self.path = path
        self.label = label  # what messages call the file
        self.origin = origin
        self.text = text


def _cache_dir() -> Path | None:
    from scanner.cachedir import cache_dir

    return cache_dir()


def load_rules(extra_dirs: list[Path] | None = None, use_cache: bool = True, label_root: Path | None = None) -> list[Rule]:
    """The built-in rules and those in `extra_dirs`, sorted by id. From the rule cache when these exact files
    were loaded before; else built-in rules matching the shipped stamp skip the schema pass; `use_cache=False`
    checks every file in full (no cache, no stamp)."""
    files: list[_RuleFile] = builtin_files()
    problems: list[str] = []
    for directory in extra_dirs or []:
        if not directory.is_dir():
            problems.append(f"{directory}: rule folder does not exist")
            continue
        for path in rule_files(directory):
            label = _label(path, label_root)
            try:
                text = safeio.read_bytes(path, safeio.RULE_FILE_CAP, [safeio.real_path(directory)]).decode("utf-8")
            except safeio.ReadRefused as exc:
                problems.append(f"{label}: {exc.message}")
                continue
            except UnicodeDecodeError:
                problems.append(f"{label}: cannot read rule file (not UTF-8)")
                continue
            files.append(_RuleFile(str(path), label, "user", text))
    if problems:
        raise RuleLoadError(problems)

    for rule_file in files:
        _RULE_FILES[(rule_file.origin, rule_file.label)] = rule_file.path
    digest = digests.sha256(__version__.encode())
    digest.update(SCHEMA_PATH.read_bytes())
    for rule_file in files:
        digest.update(rule_file.label.encode() + b"\0" + rule_file.text.encode() + b"\0")
    cache_file = None
    cache = _cache_dir() if use_cache else None
    if cache is not None:
        cache_file = cache / f"rules-{RULE_CACHE_FORMAT}-{digest.hexdigest()[:24]}.json"
        try:
            cached = json.loads(cache_file.read_text("utf-8"))
            return [rule_from_data(item) for item in cached]
        except (OSError, ValueError, KeyError, TypeError):
            pass

    builtin = [f for f in files if f.origin == "builtin"]
    if use_cache and stamp_digest(builtin) == shipped_stamp():
        rules = _load_stamped(builtin)
        rules = sorted([*rules, *_validate_all([f for f in files if f.origin != "builtin"], rules)],
                       key=lambda r: r.id)
    else:
        rules = _validate_all(files)
    if cache_file is not None:
        try:
            cache_file.parent.mkdir(parents=True, exist_ok=True)
            text = json.dumps([_cached_json(r) for r in rules])
            tmp = cache_file.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(text, "utf-8")
            os.replace(tmp, cache_file)
        except (OSError, TypeError, ValueError):  # a value JSON cannot hold (a YAML date): loaded, not cached
            pass
    return rules


def _cached_json(rule: Rule) -> dict[str, Any]:
    """A rule as the rule cache holds it: `rule_json`, with its tests as JSON text inside, read back as text and
    decoded only if a caller reads them (`Rule.tests`): a scan never does, and decoding them was ~8M
    instructions of every start."""
    cached = rule_json(rule)
    cached["tests"] = json.dumps(cached["tests"])
    return cached


def _label(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    return path.name


# The built-in rule set as the test suite validated it: the digest of the schema and every built-in rule file
# (`stamp_digest`), written by `python scripts/stamp_rules.py` and checked by tests/test_rules.py. When the
# shipped files match it, a start with no rule cache (a CI runner, a fresh install) loads them without the
# JSON Schema pass (importing jsonschema and validating 42 files cost ~0.3 s); user rules are always validated.
STAMP_PATH = "validated.sha256"


def stamp_digest(builtin: list[_RuleFile]) -> str:
    """The digest a stamp records: the rule schema and each built-in rule file's label and text."""
    digest = digests.sha256(SCHEMA_PATH.read_bytes())
    for rule_file in sorted(builtin, key=lambda f: f.label):
        digest.update(b"\0" + rule_file.label.encode() + b"\0" + rule_file.text.encode())
    return digest.hexdigest()


def shipped_stamp() -> str | None:
    """The digest recorded beside the built-in rules, or None."""
    try:
        lines = (builtin_rules_dir() / STAMP_PATH).read_text("utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    values = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    return values[0] if len(values) == 1 else None


def builtin_files() -> list[_RuleFile]:
    """The built-in rule files as `load_rules` reads them."""
    builtin = str(builtin_rules_dir())
    files = []
    for path in _rule_paths(builtin):
        label = "rules/" + path[len(builtin) + 1:].replace(os.sep, "/")
        with open(path, encoding="utf-8") as handle:
            files.append(_RuleFile(path, label, "builtin", handle.read()))
    return files


def _load_stamped(files: list[_RuleFile]) -> list[Rule]:
    """Built-in rule files whose digest matches the stamp: parsed and validated by pydantic into `Rule`s, without the schema, condition and duplicate checks they passed when stamped."""
    from scanner.doctree import yaml_loader

    loader = yaml_loader()  # the loader class doctree parses with (imports PyYAML)
    import yaml

    return [validate_rule({**yaml.load(f.text, Loader=loader), "origin": f.origin, "source_path": f.label})
            for f in files]


def _validate_all(files: list[_RuleFile], loaded: list[Rule] | None = None) -> list[Rule]:
    """Every file checked against the schema and the engine (ids and names unique, also among `loaded`
    rules); all problems raised together."""
    if not files:
        return []
    import jsonschema  # imported only when rules change: it is slow to import

    from scanner.doctree import DocumentError, parse_yaml
    from scanner.resources import REGISTRY

    resource_types = REGISTRY.descriptions()  # every type a rule may name
    schema = json.loads(SCHEMA_PATH.read_text("utf-8"))
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    problems: list[str] = []
    rules: list[Rule] = []
    seen_ids: dict[str, str] = {rule.id: rule.source_path for rule in loaded or []}
    seen_names: dict[str, str] = {rule.name: rule.source_path for rule in loaded or []}
    for rule_file in files:
        label = rule_file.label
        try:
            documents = parse_yaml(rule_file.text)
        except DocumentError as exc:
            problems.append(f"{label}:{exc.line or 1}:{exc.column or 1}: {exc.message}")
            continue
        if len(documents) != 1:
            problems.append(f"{label}:1: a rule file holds exactly one rule (found {len(documents)} documents)")
            continue
        tree = documents[0]
        data = tree.plain()
        old_forms = old_condition_forms(data.get("condition"), ["condition"]) if isinstance(data, dict) else []
        if old_forms:
            problems += [f"{label}:{_line_of(tree, path)}: {_pointer(path)}: {message}" for path, message in old_forms]
            continue
        errors = sorted(validator.iter_errors(data), key=lambda e: (list(e.absolute_path), e.message))
        if errors:
            for error in errors[:10]:
                problems.append(f"{label}:{_line_of(tree, list(error.absolute_path))}: "
                                f"{_pointer(error.absolute_path)}: {_schema_message(error)}")
            continue
        rule_id = data["id"]
        if rule_id in seen_ids:
            problems.append(f"{label}:{_line_of(tree, ['id'])}: duplicate rule id {rule_id} "
                            f"(already defined in {seen_ids[rule_id]})")
            continue
        if data["name"] in seen_names:
            problems.append(f"{label}:{_line_of(tree, ['name'])}: duplicate rule name {data['name']} "
                            f"(already defined in {seen_names[data['name']]})")
            continue
        if data["resource"] not in resource_types:
            problems.append(f"{label}:{_line_of(tree, ['resource'])}: /resource: unknown resource type "
                            f"'{data['resource']}' (known: {', '.join(sorted(resource_types))})")
            continue
        failed = False
        for position, required in enumerate(data.get("requires") or []):
            if required not in resource_types:
                problems.append(f"{label}:{_line_of(tree, ['requires', position])}: /requires/{position}: unknown "
                                f"resource type '{required}'")
                failed = True
        for path, message in _check_condition(data["condition"], ["condition"], data.get("parameters", {})):
            problems.append(f"{label}:{_line_of(tree, path)}: {_pointer(path)}: {message}")
            failed = True
        for kind in ("fail", "pass"):
            for index, example in enumerate(data["tests"][kind]):
                example_type = example.get("type")
                if example_type is not None and example_type not in resource_types:
                    path = ["tests", kind, index, "type"]
                    problems.append(f"{label}:{_line_of(tree, path)}: {_pointer(path)}: unknown resource type "
                                    f"'{example_type}'")
                    failed = True
        if failed:
            continue
        seen_ids[rule_id] = label
        seen_names[data["name"]] = label
        rules.append(validate_rule({**data, "origin": rule_file.origin, "source_path": label}))
    if problems:
        raise RuleLoadError(problems)
    return sorted(rules, key=lambda r: r.id)


def _subconditions(condition: dict[str, Any], path: list[Any]) -> list[tuple[Any, list[Any]]]:
    """The conditions directly inside `condition`, each with its path."""
    inner: list[tuple[Any, list[Any]]] = []
    for key in ("all", "any", "not", "some", "every", "none"):
        value = condition.get(key)
        if isinstance(value, list):
            inner += [(item, path + [key, index]) for index, item in enumerate(value)]
        elif isinstance(value, dict):
            inner.append((value, path + [key]))
    return inner


_OLD_QUANTIFIERS = {"any": "some", "all": "every"}


def old_condition_forms(condition: Any, path: list[Any]) -> list[tuple[list[Any], str]]:
    """Forms of the rule language before `all`/`any` meant only AND/OR (airguard 0.x), each with the form to
    write instead: refused rather than read, since the same word meant two things."""
    problems: list[tuple[list[Any], str]] = []
    if not isinstance(condition, dict):
        return problems
    quantified = "relation" if "relation" in condition else "items" if "items" in condition else None
    if quantified is not None:
        for old, new in _OLD_QUANTIFIERS.items():
            if old in condition:
                message = (f"'{old}:' beside '{quantified}:' is a quantifier in the old rule language; write '{new}:' "
                           f"({{{quantified}: {condition[quantified]}, {new}: ...}}): 'all'/'any' now only combine "
                           f"conditions (AND/OR)")
                problems.append((path + [old], message))
    op, value = condition.get("op"), condition.get("value")
    if op in ("truthy", "falsy"):
        form = "op: is, value: true" if op == "truthy" else "op: is_not, value: true"
        other = "not_empty" if op == "truthy" else "empty"
        message = (f"op '{op}' is gone: for a boolean write '{form}' (a missing attribute is not true); for text or "
                   f"a list that must be set, 'op: {other}'")
        problems.append((path + ["op"], message))
    if op in ("equals", "not_equals") and isinstance(value, bool):
        form = f"op: {'is' if op == 'equals' else 'is_not'}, value: {str(value).lower()}"
        problems.append((path + ["op"], f"a boolean is tested with '{form}' ('{op}' would also take 1 and 0)"))
    if op in ("in", "not_in") and isinstance(value, list) and any(isinstance(item, bool) for item in value):
        message = f"a boolean is tested with 'op: is' / 'op: is_not', not '{op}' (it would also take 1 and 0)"
        problems.append((path + ["value"], message))
    for item, item_path in _subconditions(condition, path):
        problems += old_condition_forms(item, item_path)
    return problems


def _check_condition(condition: Any, path: list[Any], parameters: dict[str, Any]) -> list[tuple[list[Any], str]]:
    """Checks the schema cannot express: regexes compile, parameters exist."""
    problems: list[tuple[list[Any], str]] = []
    if not isinstance(condition, dict):
        return problems
    for item, item_path in _subconditions(condition, path):
        problems += _check_condition(item, item_path, parameters)
    if "op" in condition:
        value = condition.get("value")
        if isinstance(value, dict) and set(value) == {"param"} and value["param"] not in parameters:
            problems.append((path + ["value"], f"unknown parameter '{value['param']}'"))
        if condition["op"] in ("matches", "not_matches") and isinstance(value, str):
            try:
                rule_regex(value, bool(condition.get("ignore_case", False)))
            except ConditionError as exc:
                problems.append((path + ["value"], str(exc)))
    if not path[1:]:
        try:
            compile_condition(condition)
        except ConditionError as exc:
            problems.append((path, str(exc)))
    return problems


def _pointer(path: Any) -> str:
    parts = [str(p) for p in path]
    return "/" + "/".join(parts) if parts else "/"


def _line_of(tree: Node, path: list[Any]) -> int:
    node = tree
    for part in path:
        if node.is_map and str(part) in node.value:
            node = node.value[str(part)]
        elif node.is_list and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            break
    return node.line


def _schema_message(error: Any) -> str:
    if error.validator == "oneOf" and error.context:
        # Say what the closest alternative wanted rather than "is not valid under any of the schemas".
        best = min(error.context, key=lambda e: (len(list(e.absolute_path)), e.message))
        return f"not a valid condition ({best.message})" if "condition" in str(list(error.absolute_path)) \
            else best.message
    if error.validator == "additionalProperties":
        return error.message.replace("Additional properties are not allowed", "unknown key(s)")
    return error.message
