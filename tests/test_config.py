"""The config file: the example stays in step with the settings models, and every
mistake names the key and the file."""

from __future__ import annotations

import re
import tomllib
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel

from cli.config import Config, ConfigError, load_config

ROOT = Path(__file__).resolve().parents[1]


def _section(annotation: object) -> type[BaseModel] | None:
    """The settings model of a section: `X`, `X | None` or `list[X]` (`[[x]]`)."""
    for candidate in (annotation, *typing.get_args(annotation)):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def keys_of(model: type[BaseModel], prefix: str = "") -> set[str]:
    keys = set()
    for name, info in model.model_fields.items():
        section = _section(info.annotation)
        if section is not None:
            keys |= keys_of(section, f"{prefix}{name}.")
        else:
            keys.add(prefix + name)
    return keys


def keys_in(data: dict, model: type[BaseModel], prefix: str = "") -> set[str]:
    """The keys of a TOML document, walked beside the settings models (a table that is
    a free-form setting, like the SLA week, is one key); an array of tables counts the
    keys of them all."""
    keys = set()
    for name, value in data.items():
        info = model.model_fields.get(name)
        section = _section(info.annotation) if info is not None else None
        tables = value if isinstance(value, list) else [value]
        if section is not None and all(isinstance(t, dict) for t in tables):
            for table in tables:
                keys |= keys_in(table, section, f"{prefix}{name}.")
        else:
            keys.add(prefix + name)
    return keys


def test_the_example_config_is_valid_and_names_every_key(tmp_path: Path) -> None:
    path = ROOT / "config.example.toml"
    config, used = load_config(path)
    assert used == path
    # A setting that is off by default (retention) ships commented out ("#key = …"):
    # named all the same, and valid once turned on.
    assert config.lifecycle.retention_days is None
    turned_on = tmp_path / "config.toml"
    turned_on.write_text(re.sub(r"(?m)^#(?=[a-z_]+ = )", "", path.read_text()))
    assert load_config(turned_on)[0].lifecycle.retention_days == 1095
    named = keys_in(tomllib.loads(turned_on.read_text()), Config)
    # A section takes one of the four ways to a secret (a second is an error): naming
    # one in a section names them all there (the [[mailbox]] examples show each).
    for section in {k.rpartition(".")[0] for k in named}:
        if any(f"{section}.{way}" in named for way in SECRET_WAYS):
            named |= {f"{section}.{way}" for way in SECRET_WAYS}
    assert named == keys_of(Config)
    assert {f"mailbox.{way}" for way in SECRET_WAYS} <= keys_in(tomllib.loads(
        path.read_text()), Config)


SECRET_WAYS = ("password_command", "password_file", "password_env", "oauth2_token_command")


def test_every_setting_is_documented() -> None:
    def undocumented(model: type[BaseModel]) -> list[str]:
        missing = []
        for name, info in model.model_fields.items():
            if not info.description:
                missing.append(name)
            section = _section(info.annotation)
            if section is not None:
                missing += undocumented(section)
        return missing

    assert undocumented(Config) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[store]\nurll = "x.db"\n', "unknown key 'store.urll'"),
        ("[store]\nshare_with_group = 3\n", "store.share_with_group: Input should be"),
        ('[stor]\nurl = "x"\n', "unknown key 'stor'"),
        ('[ui]\nlanguage = "se"\n', "ui.language: Input should be 'sv' or 'en'"),
        ('[ui]\nlanguage = "English"\n', "ui.language: Input should be 'sv' or 'en'"),
        ('[ui]\nlanguge = "en"\n', "unknown key 'ui.languge'"),
        ("[store\n", "not valid TOML"),
    ],
)
def test_a_broken_config_names_the_key_and_the_file(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(path) in str(err.value)
    assert expected in str(err.value)


def test_a_named_config_that_is_missing_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such config file"):
        load_config(tmp_path / "nope.toml")


def test_the_environment_names_the_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[store]\nurl = "/x/y.db"\n')
    monkeypatch.setenv("CASEDESK_CONFIG", str(path))
    config, used = load_config(None)
    assert used == path
    assert config.store.url == "/x/y.db"


def test_no_config_at_the_default_place_means_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CASEDESK_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "nothing-here"))
    config, used = load_config(None)
    assert used is None
    assert config.store.url is None


def test_a_value_of_the_wrong_type_is_not_guessed(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[store]\nshare_with_group = "yes"\n')
    with pytest.raises(ConfigError, match="store.share_with_group: Input should be"):
        load_config(path)


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_ui_language_is_sv_or_en(tmp_path: Path, language: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f'[ui]\nlanguage = "{language}"\n')
    config, _ = load_config(path)
    assert config.ui.language == language


def test_without_a_ui_language_the_locale_decides(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[store]\nurl = "x.db"\n')
    config, _ = load_config(path)
    assert config.ui.language is None  # the TUI asks the locale (tui.words.use)
