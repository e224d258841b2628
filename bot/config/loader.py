"""Loading a configuration: the YAML file read safely, converted, validated, and every problem
reported at once in one ``ConfigError``."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bot.config.convert import build
from bot.config.sections import Config
from bot.config.validate import follows_from, validate, validate_editor
from bot.safe_yaml import Located, YamlProblem, read_yaml_file


class ConfigError(Exception):
    """Every problem found in a configuration, each with its key path."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


def config_from_mapping(data: Mapping[Any, Any], environ: Mapping[str, str]) -> Config:
    problems: list[str] = []
    knowledge = data.get("knowledge")
    mapped = {key: value for key, value in data.items() if key != "knowledge"}
    if knowledge is not None:
        if isinstance(knowledge, Mapping) and set(knowledge) <= {"path"}:
            mapped["knowledge_path"] = knowledge.get("path") or ""
        else:
            problems.append("knowledge: expected a mapping with only 'path'")
    if "knowledge_path" in data:
        problems.append("knowledge_path: unknown key (did you mean 'knowledge.path'?)")
    config: Config = build(Config, mapped, "", problems)
    checks: list[str] = []
    validate(config, environ, checks)
    if config.editor is not None:
        validate_editor(config.editor, checks)
    problems += [check for check in checks if not follows_from(check, problems)]
    if problems:
        raise ConfigError(problems)
    return config


def load_config(path: str | Path, environ: Mapping[str, str]) -> Config:
    """Read and validate a config file; raise ConfigError naming every problem.

    The file is read with ``bot.safe_yaml`` (size, depth and alias limits; any encoding
    problem named with its line); a key given twice is a problem, not "the last one wins".
    """
    try:
        node = read_yaml_file(Path(path))
    except YamlProblem as problem:
        where = f"line {problem.line}: " if problem.line else ""
        raise ConfigError([f"{where}{problem.english}"]) from None
    if node is None:
        return config_from_mapping({}, environ)
    if not isinstance(node.value, dict):
        raise ConfigError(["expected a mapping at the top level"])
    problems: list[str] = []
    data = _plain(node, "", problems)
    try:
        config = config_from_mapping(data, environ)
    except ConfigError as error:
        problems += error.problems
    if problems:
        raise ConfigError(problems)
    return config


def _plain(node: Located, path: str, problems: list[str]) -> Any:
    """Plain values from located ones; a repeated key is reported with its line."""
    if isinstance(node.value, list):
        return [_plain(item, f"{path}[{n}]", problems) for n, item in enumerate(node.value)]
    if not isinstance(node.value, dict):
        return node.value
    prefix = f"{path}." if path else ""
    for key, line in node.duplicates:
        problems.append(
            f"{prefix}{key}: given twice (again on line {line}); keep one, nothing is merged"
        )
    return {key: _plain(value, f"{prefix}{key}", problems) for key, value in node.value.items()}
