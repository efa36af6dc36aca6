"""Client configuration (file, environment, arguments) and the choice of token store."""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail, null
from keyring.errors import KeyringLocked, PasswordDeleteError

from client import ClientConfig, ConfigError, load_config
from client.config import TokenStoreChoice
from client.credentials import (
    SERVICE,
    EnvironmentStore,
    FileStore,
    KeyringStore,
    MemoryStore,
    StoreChoice,
    choose_store,
)

A = "https://a.example.org"
B = "https://b.example.org"

def fail_keyring() -> KeyringBackend:
    return fail.Keyring()  # type: ignore[no-untyped-call]


# --- load_config: sources and precedence -------------------------------------------------


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    return tmp_path / "config.toml"


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    path = tmp_path / "corp-ca.pem"
    path.write_text("-----BEGIN CERTIFICATE-----\n", encoding="utf-8")
    return path


def test_defaults_without_a_file(tmp_path: Path) -> None:
    config = load_config(tmp_path / "absent.toml", environ={})
    assert config == ClientConfig()
    assert (config.server, config.token, config.token_store, config.retries) == (
        None, None, "auto", 2)


def test_values_come_from_the_file(config_file: Path, bundle: Path) -> None:
    config_file.write_text(
        'server = "https://change.example.org/"\n'
        "retries = 4\ntimeout = 30.5\nconnect_timeout = 2\n"
        'token_store = "file"\n'
        f'ca_bundle = "{bundle}"\n'
        'theme = "textual-dark"\n'
        "[keys]\nquit = \"ctrl+q\"\n", encoding="utf-8")
    config = load_config(config_file, environ={})
    assert config.server == "https://change.example.org"  # trailing slash dropped
    assert (config.retries, config.timeout, config.connect_timeout) == (4, 30.5, 2.0)
    assert config.token_store == "file"
    assert config.ca_bundle == bundle
    assert config.keys == {"quit": "ctrl+q"} and config.theme == "textual-dark"


def test_environment_overrides_the_file_and_arguments_override_both(
        config_file: Path, bundle: Path, tmp_path: Path) -> None:
    other_bundle = tmp_path / "other.pem"
    other_bundle.write_text("x", encoding="utf-8")
    config_file.write_text('server = "https://file.example.org"\ntoken_store = "file"\n'
                           f'ca_bundle = "{bundle}"\nretries = 5\n', encoding="utf-8")
    environ = {"CHALLENGE_SERVER": "https://env.example.org",
               "CHALLENGE_TOKEN_STORE": "memory", "CHALLENGE_TOKEN": "tok-env",
               "CHALLENGE_CA_BUNDLE": str(other_bundle)}
    from_env = load_config(config_file, environ=environ)
    assert from_env.server == "https://env.example.org"
    assert from_env.token_store == "memory" and from_env.token == "tok-env"
    assert from_env.ca_bundle == other_bundle
    assert from_env.retries == 5  # not in the environment: the file's value stays

    from_args = load_config(config_file, environ=environ, server="http://arg.example.org",
                            token_store="keyring", retries=0, token=None)
    assert from_args.server == "http://arg.example.org"
    assert from_args.token_store == "keyring" and from_args.retries == 0
    assert from_args.token == "tok-env"  # None means "not given", not "no token"


def test_empty_environment_values_do_not_override(config_file: Path) -> None:
    config_file.write_text('server = "https://file.example.org"\n', encoding="utf-8")
    config = load_config(config_file, environ={"CHALLENGE_SERVER": "",
                                               "CHALLENGE_TOKEN": ""})
    assert config.server == "https://file.example.org" and config.token is None


def test_the_token_never_leaves_with_the_settings(tmp_path: Path) -> None:
    config = load_config(tmp_path / "absent.toml", environ={"CHALLENGE_TOKEN": "s3cret"})
    assert config.token == "s3cret"
    assert "s3cret" not in repr(config) and "s3cret" not in str(config)


def test_os_environ_is_the_default_environment(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHALLENGE_SERVER", "http://127.0.0.1:8123")
    assert load_config(tmp_path / "absent.toml").server == "http://127.0.0.1:8123"


FILE = "<the file>"

BAD_VALUES: list[tuple[str, str | None, dict[str, str], dict[str, Any], str, str]] = [
    # (id, file text, environment, arguments, key the message names, where it came from)
    ("server-scheme-file", 'server = "change.example.org"\n', {}, {}, "server", FILE),
    ("server-ftp-env", None, {"CHALLENGE_SERVER": "ftp://x.org"}, {}, "server",
     "CHALLENGE_SERVER"),
    ("server-type-file", "server = 5\n", {}, {}, "server", FILE),
    ("retries-negative-file", "retries = -1\n", {}, {}, "retries", FILE),
    ("retries-negative-arg", None, {}, {"retries": -1}, "retries", "argument"),
    ("timeout-type-file", 'timeout = "fast"\n', {}, {}, "timeout", FILE),
    ("token-store-file", 'token_store = "vault"\n', {}, {}, "token_store", FILE),
    ("token-store-env", None, {"CHALLENGE_TOKEN_STORE": "vault"}, {}, "token_store",
     "CHALLENGE_TOKEN_STORE"),
    ("unknown-key-file", 'colour = "blue"\n', {}, {}, "colour", FILE),
    ("ca-bundle-missing-file", 'ca_bundle = "/nonexistent/corp-ca.pem"\n', {}, {},
     "ca_bundle", FILE),
    ("ca-bundle-missing-env", None, {"CHALLENGE_CA_BUNDLE": "/nonexistent/corp-ca.pem"}, {},
     "ca_bundle", "CHALLENGE_CA_BUNDLE"),
    ("keys-type-file", "[keys]\nquit = 1\n", {}, {}, "keys", FILE),
    ("token-in-file", 'token = "s3cret"\n', {}, {}, "token", FILE),
]


@pytest.mark.parametrize(("text", "environ", "arguments", "key", "where"),
                         [case[1:] for case in BAD_VALUES], ids=[c[0] for c in BAD_VALUES])
def test_bad_values_name_the_key_and_where_it_came_from(
        config_file: Path, text: str | None, environ: dict[str, str],
        arguments: dict[str, Any], key: str, where: str) -> None:
    if text is not None:
        config_file.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_config(config_file, environ=environ, **arguments)
    message = str(raised.value)
    assert key in message
    assert (str(config_file) if where == FILE else where) in message
    assert "s3cret" not in message  # a token is never echoed


def test_a_bad_environment_value_does_not_blame_the_file(config_file: Path) -> None:
    config_file.write_text('server = "https://file.example.org"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_config(config_file, environ={"CHALLENGE_TOKEN_STORE": "vault"})
    assert "CHALLENGE_TOKEN_STORE" in str(raised.value)
    assert str(config_file) not in str(raised.value)


def test_broken_toml_names_the_file(config_file: Path) -> None:
    config_file.write_text('server = "https://unterminated\nretries = 2\n', encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_config(config_file, environ={})
    assert str(config_file) in str(raised.value) and "TOML" in str(raised.value)
    assert "line 1" in str(raised.value)


def test_a_config_file_that_is_not_utf8_names_the_file(config_file: Path) -> None:
    config_file.write_bytes(b'server = "\xff\xfe"\n')
    with pytest.raises(ConfigError) as raised:
        load_config(config_file, environ={})
    assert str(config_file) in str(raised.value)


def test_every_bad_key_is_reported_at_once(config_file: Path) -> None:
    config_file.write_text('retries = -1\ntoken_store = "vault"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_config(config_file, environ={})
    assert "retries" in str(raised.value) and "token_store" in str(raised.value)


# --- token stores ----------------------------------------------------------------------


def test_challenge_token_wins_over_every_store(tmp_path: Path) -> None:
    probed: list[bool] = []

    def backend() -> Any:
        probed.append(True)
        return fail_keyring()

    for store in ("auto", "keyring", "memory", "file"):
        config = ClientConfig(token="tok-env", token_store=store)
        choice = choose_store(config, get_backend=backend, file_path=tmp_path / "t.json")
        assert isinstance(choice.store, EnvironmentStore), store
        assert choice.store.kind == "environment"
        assert "CHALLENGE_TOKEN" in choice.description
        assert choice.notice is None
        assert choice.store.get(A) == choice.store.get(B) == "tok-env"
    assert probed == []  # no keyring probe when it is not needed
    assert not (tmp_path / "t.json").exists()


def test_environment_store_keeps_a_new_sign_in_in_memory() -> None:
    store = EnvironmentStore("tok-env")
    store.set(A, "tok-new")
    assert store.get(A) == "tok-new" and store.get(B) == "tok-env"
    store.delete(A)
    assert not store.get(A)


def test_memory_when_chosen(tmp_path: Path) -> None:
    probed: list[bool] = []

    def backend() -> Any:
        probed.append(True)
        return fail_keyring()

    choice = choose_store(ClientConfig(token_store="memory"), get_backend=backend)
    assert isinstance(choice.store, MemoryStore) and choice.store.kind == "memory"
    assert choice.description and choice.notice is None  # the user chose it: no warning
    assert probed == []
    choice.store.set(A, "tok-a")
    choice.store.set(B, "tok-b")
    assert (choice.store.get(A), choice.store.get(B)) == ("tok-a", "tok-b")
    choice.store.delete(A)
    assert choice.store.get(A) is None and choice.store.get(B) == "tok-b"


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_file_store_is_private_and_per_server(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dir" / "tokens.json"
    choice = choose_store(ClientConfig(token_store="file"), file_path=path)
    store = choice.store
    assert isinstance(store, FileStore) and store.kind == "file"
    assert str(path) in choice.description  # reported, with where
    assert not path.exists()
    store.set(A, "tok-a")
    assert mode(path) == 0o600
    store.set(B, "tok-b")
    assert mode(path) == 0o600
    again = FileStore(path)  # a later session reads it back
    assert (again.get(A), again.get(B)) == ("tok-a", "tok-b")
    again.delete(A)
    assert store.get(A) is None and store.get(B) == "tok-b"
    again.delete("https://never.example.org")  # nothing to delete: no error
    assert mode(path) == 0o600


def test_file_store_tightens_an_existing_wider_file(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    path.write_text("{}", encoding="utf-8")
    path.chmod(0o644)
    FileStore(path).set(A, "tok-a")
    assert mode(path) == 0o600
    assert FileStore(path).get(A) == "tok-a"


def test_file_store_survives_a_corrupt_file(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    path.write_text("not json", encoding="utf-8")
    store = FileStore(path)
    assert store.get(A) is None
    store.set(A, "tok-a")
    assert store.get(A) == "tok-a" and mode(path) == 0o600


# --- keyring backends ------------------------------------------------------------------


@pytest.fixture
def backend_classes() -> Iterator[list[type[KeyringBackend]]]:
    """Test backends are made per test and unregistered after, so keyring's own
    backend detection (in this or any later test) never picks them."""
    made: list[type[KeyringBackend]] = []
    yield made
    registry: set[type[KeyringBackend]] = getattr(KeyringBackend, "_classes", set())
    for cls in made:
        registry.discard(cls)


@pytest.fixture
def release() -> Iterator[threading.Event]:
    event = threading.Event()
    yield event
    event.set()  # lets a hung probe thread finish


class DictKeyringBase(KeyringBackend):
    """Shared behaviour; abstract here (no priority), concrete in ``dict_keyring``."""

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.passwords: dict[tuple[str, str], str] = {}
        self.gets = 0

    def get_password(self, service: str, username: str) -> str | None:
        self.gets += 1
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.passwords.pop((service, username), None) is None:
            raise PasswordDeleteError("not found")


@pytest.fixture
def dict_keyring(backend_classes: list[type[KeyringBackend]]) -> DictKeyringBase:
    class DictKeyring(DictKeyringBase):
        priority = 5

    backend_classes.append(DictKeyring)
    return DictKeyring()


def in_thread(call: Callable[[], StoreChoice]) -> StoreChoice:
    """Run ``call`` in a thread; a bounded wait keeps a regression from hanging the run."""
    result: Future[StoreChoice] = Future()

    def run() -> None:
        try:
            result.set_result(call())
        except BaseException as exc:
            result.set_exception(exc)

    threading.Thread(target=run, daemon=True).start()
    return result.result(timeout=60)


def test_a_working_keyring_is_used_per_server(dict_keyring: DictKeyringBase) -> None:
    choice = choose_store(ClientConfig(), get_backend=lambda: dict_keyring)
    store = choice.store
    assert isinstance(store, KeyringStore) and store.kind == "keyring"
    assert choice.description == "keyring" and choice.notice is None
    assert dict_keyring.gets == 1  # probed once
    store.set(A, "tok-a")
    store.set(B, "tok-b")
    assert dict_keyring.passwords == {(SERVICE, A): "tok-a", (SERVICE, B): "tok-b"}
    assert (store.get(A), store.get(B)) == ("tok-a", "tok-b")
    store.delete(A)
    assert store.get(A) is None and store.get(B) == "tok-b"
    store.delete(A)  # already gone: no error


def test_an_explicit_keyring_choice_uses_the_keyring(dict_keyring: DictKeyringBase) -> None:
    choice = choose_store(ClientConfig(token_store="keyring"), get_backend=lambda: dict_keyring)
    assert isinstance(choice.store, KeyringStore) and choice.notice is None


@pytest.mark.parametrize("backend", [fail.Keyring, null.Keyring], ids=["fail", "null"])
@pytest.mark.parametrize("token_store", ["auto", "keyring"])
def test_fail_and_null_backends_fall_back_to_memory_with_a_notice(
        backend: Callable[[], KeyringBackend], token_store: TokenStoreChoice) -> None:
    config = ClientConfig(token_store=token_store)
    choice = choose_store(config, get_backend=backend)
    assert isinstance(choice.store, MemoryStore) and choice.store.kind == "memory"
    assert choice.notice  # a fallback is never silent
    assert choice.description.startswith("memory")
    choice.store.set(A, "tok")
    assert choice.store.get(A) == "tok"


def test_a_keyring_that_raises_falls_back_to_memory(
        backend_classes: list[type[KeyringBackend]]) -> None:
    class LockedKeyring(DictKeyringBase):
        priority = 5

        def get_password(self, service: str, username: str) -> str | None:
            raise KeyringLocked("locked")

    backend_classes.append(LockedKeyring)
    choice = choose_store(ClientConfig(), get_backend=LockedKeyring)
    assert isinstance(choice.store, MemoryStore)
    assert choice.notice and "KeyringLocked" in choice.notice


def test_a_keyring_that_never_answers_falls_back_to_memory(
        backend_classes: list[type[KeyringBackend]], release: threading.Event) -> None:
    entered = threading.Event()

    class HungKeyring(DictKeyringBase):
        priority = 5

        def get_password(self, service: str, username: str) -> str | None:
            entered.set()
            release.wait()
            return None

    backend_classes.append(HungKeyring)
    choice = in_thread(lambda: choose_store(ClientConfig(), probe_timeout=0.2,
                                            get_backend=HungKeyring))
    assert not release.is_set()  # it returned while the keyring was still hanging
    assert entered.is_set()
    assert isinstance(choice.store, MemoryStore)
    assert choice.notice and "did not answer" in choice.notice
    assert "did not answer" in choice.description


def test_the_machines_default_keyring_does_not_crash() -> None:
    choice = in_thread(lambda: choose_store(ClientConfig(), probe_timeout=5.0))
    assert choice.store.kind in ("keyring", "memory")
    assert choice.description
    if choice.store.kind == "memory":
        assert choice.notice
    else:
        assert not isinstance(keyring.get_keyring(), fail.Keyring | null.Keyring)


def test_from_config_arguments_win() -> None:
    from client.api import ChallengeClient
    from client.config import ClientConfig

    client = ChallengeClient.from_config(ClientConfig(server="http://127.0.0.1:9", retries=5),
                                         retries=0)
    assert client._t.retries == 0


async def test_a_token_with_stray_characters_is_a_clear_error() -> None:
    from client.api import ChallengeClient
    from client.errors import ConfigError

    async with ChallengeClient("http://127.0.0.1:9", token="tøken\n") as api:
        with pytest.raises(ConfigError, match="CHALLENGE_TOKEN"):
            await api.me()


def test_environment_store_forgets_after_delete() -> None:
    from client.credentials import EnvironmentStore

    store = EnvironmentStore("from-env")
    assert store.get("http://a") == "from-env"
    store.delete("http://a")
    assert store.get("http://a") is None
