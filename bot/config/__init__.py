"""Configuration: frozen dataclasses, loaded from YAML and the environment.

A leaf package: it imports nothing from the rest of the bot but ``bot.safe_yaml``.
``load_config`` has no side effects beyond reading the config file and secret files, and
reports every problem at once in a single ``ConfigError`` with the key path of each.

Its modules, each with one reason to change: ``sections`` (the dataclasses and defaults),
``secrets`` ({env:}/{file:} references, reading and checking them), ``convert`` (YAML values
to those types), ``validate`` (value rules) and ``loader`` (file in, ``Config`` or every
problem out). Everything other modules use is importable from ``bot.config``.
"""

from __future__ import annotations

from bot.config.loader import ConfigError, config_from_mapping, load_config
from bot.config.secrets import Secret, SecretRef, resolve_secret
from bot.config.sections import (
    AdminConfig,
    AssistantConfig,
    Config,
    EditorConfig,
    EditorUserConfig,
    FloodConfig,
    LoggingConfig,
    MatchingConfig,
    MatrixConfig,
    PrivacyConfig,
    StorageConfig,
    TeamsAppConfig,
    TeamsConfig,
    TeamsWebhookConfig,
    WebConfig,
)

__all__ = [
    "AdminConfig",
    "AssistantConfig",
    "Config",
    "ConfigError",
    "EditorConfig",
    "EditorUserConfig",
    "FloodConfig",
    "LoggingConfig",
    "MatchingConfig",
    "MatrixConfig",
    "PrivacyConfig",
    "Secret",
    "SecretRef",
    "StorageConfig",
    "TeamsAppConfig",
    "TeamsConfig",
    "TeamsWebhookConfig",
    "WebConfig",
    "config_from_mapping",
    "load_config",
    "resolve_secret",
]
