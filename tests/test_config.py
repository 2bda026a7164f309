"""The config file: the example stays in step with the settings models, and every
mistake names the key and the file."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from pydantic import BaseModel

from tui.config import Config, ConfigError, load_config

ROOT = Path(__file__).resolve().parents[1]


def keys_of(model: type[BaseModel], prefix: str = "") -> set[str]:
    keys = set()
    for name, info in model.model_fields.items():
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            keys |= keys_of(annotation, f"{prefix}{name}.")
        else:
            keys.add(prefix + name)
    return keys


def keys_in(data: dict, prefix: str = "") -> set[str]:
    keys = set()
    for name, value in data.items():
        if isinstance(value, dict):
            keys |= keys_in(value, f"{prefix}{name}.")
        else:
            keys.add(prefix + name)
    return keys


def test_the_example_config_is_valid_and_names_every_key() -> None:
    path = ROOT / "config.example.toml"
    config, used = load_config(path)
    assert used == path
    assert keys_in(tomllib.loads(path.read_text())) == keys_of(Config)


def test_every_setting_is_documented() -> None:
    def undocumented(model: type[BaseModel]) -> list[str]:
        missing = []
        for name, info in model.model_fields.items():
            if not info.description:
                missing.append(name)
            if isinstance(info.annotation, type) and issubclass(info.annotation, BaseModel):
                missing += undocumented(info.annotation)
        return missing

    assert undocumented(Config) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[store]\nurll = "x.db"\n', "unknown key 'store.urll'"),
        ("[store]\nshare_with_group = 3\n", "store.share_with_group: Input should be"),
        ('[stor]\nurl = "x"\n', "unknown key 'stor'"),
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
