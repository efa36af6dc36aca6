"""``change-challenge gateway sshd-config``: the config's text, what sshd itself makes of
it (``sshd -t`` and ``sshd -T``), the account check, and the command's files and output."""

from __future__ import annotations

import io
import pwd
import shlex
import subprocess
from pathlib import Path

import pytest

from tests.gateway_support import sshd
from tui.gateway import account, cli
from tui.gateway.sshd_config import Gateway, check, render

SERVER = "https://challenge.example.org"
USER = "challenge"
__all__ = ["sshd"]  # Debian's sshd, installed when missing (as root)


def gateway(directory: Path, **changes: object) -> Gateway:
    options: dict[str, object] = {
        "server": SERVER, "port": 2222, "user": USER, "directory": directory,
        "command": ("/opt/change challenge/bin/change-challenge",), "max_sessions": 40,
        "idle_minutes": 20, **changes}
    return Gateway(**options)  # type: ignore[arg-type]


def directives(text: str) -> dict[str, list[str]]:
    """keyword (lower case) -> the values of its lines, comments cut."""
    found: dict[str, list[str]] = {}
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        if keyword != "ForceCommand":
            rest = rest.split(" #", 1)[0]
        found.setdefault(keyword.lower(), []).append(rest.strip())
    return found


def test_the_config_turns_off_everything_but_the_app(tmp_path: Path) -> None:
    text = render(gateway(tmp_path))
    found = directives(text)
    expected = {
        "allowusers": USER, "usepam": "no", "passwordauthentication": "yes",
        "permitemptypasswords": "yes", "pubkeyauthentication": "no",
        "kbdinteractiveauthentication": "no", "disableforwarding": "yes",
        "allowtcpforwarding": "no", "allowstreamlocalforwarding": "no",
        "allowagentforwarding": "no", "x11forwarding": "no", "permittunnel": "no",
        "permitlisten": "none", "permitopen": "none", "permituserenvironment": "no",
        "permituserrc": "no", "maxsessions": "1", "printmotd": "no", "printlastlog": "no",
        "banner": "none", "strictmodes": "yes", "port": "2222",
        "pidfile": str(tmp_path / "sshd.pid"),
        "hostkey": str(tmp_path / "ssh_host_ed25519_key"),
        "channeltimeout": "session=25m", "unusedconnectiontimeout": "1m",
    }
    for keyword, value in expected.items():
        assert found.get(keyword) == [value], keyword
    for keyword in ("maxstartups", "perSourcemaxstartups", "logingracetime", "maxauthtries",
                    "clientaliveinterval", "clientalivecountmax"):
        assert keyword.lower() in found, keyword
    assert "subsystem" not in found and "acceptenv" not in found
    assert "listenaddress" not in found  # none asked for


def test_every_setting_says_why(tmp_path: Path) -> None:
    for line in render(gateway(tmp_path)).splitlines():
        if line.strip() and not line.startswith(("#", "ForceCommand ")):
            assert " # " in line, line


def test_the_forced_command_runs_this_install_in_session_mode(tmp_path: Path) -> None:
    text = render(gateway(tmp_path, idle_seconds=9, memory_mb=700,
                          ca_bundle=Path("/etc/ssl/trust ca.pem")))
    (command,) = directives(text)["forcecommand"]
    assert shlex.split(command) == [
        "/opt/change challenge/bin/change-challenge", "gateway", "session",
        "--server", SERVER, "--max-sessions", "40", "--runtime-dir",
        str(tmp_path / "sessions"), "--idle-seconds", "9", "--memory-mb", "700",
        "--ca-bundle", "/etc/ssl/trust ca.pem"]


def test_listen_addresses_are_written_one_a_line(tmp_path: Path) -> None:
    found = directives(render(gateway(tmp_path, listen=("10.1.2.3", "[::1]:2200"))))
    assert found["listenaddress"] == ["10.1.2.3", "[::1]:2200"]


@pytest.mark.parametrize(("changes", "says"), [
    ({"server": "https://x.org/#frag"}, "'#'"),
    ({"server": "https://x.org\nForceCommand /bin/sh"}, "newline"),
    ({"server": "ftp://x.org"}, "http://"),
    ({"port": 0}, "--port"),
    ({"user": "a b"}, "--user"),
    ({"max_sessions": 0}, "--max-sessions"),
    ({"listen": ("1.2.3.4 5.6.7.8",)}, "--listen"),
])
def test_what_sshd_would_misread_is_refused(tmp_path: Path, changes: dict[str, object],
                                            says: str) -> None:
    problems = check(gateway(tmp_path, **changes))
    assert len(problems) == 1 and says in problems[0]
    assert check(gateway(tmp_path)) == []


def effective(sshd: Path, config: Path) -> dict[str, str]:
    """``sshd -T``: the settings sshd will use for the gateway's user."""
    done = subprocess.run([str(sshd), "-T", "-f", str(config), "-C",
                           f"user={USER},host=desk,addr=10.0.0.7,laddr=10.0.0.1,lport=2222"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return dict(line.partition(" ")[::2] for line in done.stdout.splitlines())


def test_sshd_accepts_the_config_and_applies_every_refusal(sshd: Path,
                                                           tmp_path: Path) -> None:
    gw = gateway(tmp_path, listen=("127.0.0.1",))
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(gw.host_key)],
                   check=True, timeout=60)
    gw.config_path.write_text(render(gw))
    checked = subprocess.run([str(sshd), "-t", "-f", str(gw.config_path)],
                             capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0 and checked.stderr == "", checked.stderr
    settings = effective(sshd, gw.config_path)
    assert settings["forcecommand"] == gw.session_command()
    for keyword, value in {"allowtcpforwarding": "no", "allowagentforwarding": "no",
                           "x11forwarding": "no", "permittunnel": "no",
                           "disableforwarding": "yes", "permitopen": "none",
                           "allowstreamlocalforwarding": "no", "maxsessions": "1",
                           "permitemptypasswords": "yes", "usepam": "no",
                           "channeltimeout": "session=25m", "unusedconnectiontimeout": "60",
                           "permituserenvironment": "no", "permituserrc": "no"}.items():
        assert settings[keyword] == value, keyword
    assert "subsystem" not in settings and "acceptenv" not in settings


# --- the account ----------------------------------------------------------------------

def fake_user(shell: str = "/bin/sh", uid: int = 998) -> pwd.struct_passwd:
    return pwd.struct_passwd((USER, "x", uid, uid, "", "/", shell))


@pytest.mark.parametrize(("shadow", "ok", "fix"), [
    (f"{USER}::19000:0:99999:7:::\n", True, ()),
    (f"{USER}:!:19000::::::\n", False, (f"passwd -d {USER}",)),
    (f"{USER}:$y$j9T$abc:19000::::::\n", False, (f"passwd -d {USER}",)),
])
def test_the_account_needs_an_empty_password(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shadow: str, ok: bool,
        fix: tuple[str, ...]) -> None:
    monkeypatch.setattr(pwd, "getpwnam", lambda name: fake_user())
    (tmp_path / "shadow").write_text(f"root:*:1::::::\n{shadow}")
    state = account.check_account(USER, tmp_path / "shadow")
    assert (state.ok, state.fix) == (ok, fix)


def test_a_missing_account_is_made_with_no_home_and_a_shell(monkeypatch: pytest.MonkeyPatch,
                                                            tmp_path: Path) -> None:
    state = account.check_account("no-such-account-here", tmp_path / "shadow")
    assert not state.ok and "no system account" in state.problem
    assert state.fix == ("useradd --system --no-create-home --home-dir / "
                         "--shell /bin/sh no-such-account-here",
                         "passwd -d no-such-account-here")
    monkeypatch.setattr(pwd, "getpwnam", lambda name: fake_user("/usr/sbin/nologin"))
    assert account.check_account(USER).fix == (f"usermod --shell /bin/sh {USER}",)
    monkeypatch.setattr(pwd, "getpwnam", lambda name: fake_user(uid=0))
    assert not account.check_account(USER).ok


def test_an_unreadable_shadow_is_a_warning(monkeypatch: pytest.MonkeyPatch,
                                           tmp_path: Path) -> None:
    monkeypatch.setattr(pwd, "getpwnam", lambda name: fake_user())
    state = account.check_account(USER, tmp_path / "missing")
    assert state.ok and "passwd -d" in state.warning


# --- the command ----------------------------------------------------------------------

def run_cli(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    return cli.main(["sshd-config", *args], out), out.getvalue()


def test_a_missing_account_says_what_to_run_and_writes_nothing(tmp_path: Path) -> None:
    status, said = run_cli("--server", SERVER, "--port", "2222", "--user",
                           "no-such-account-here", "--dir", str(tmp_path / "gw"))
    assert status == 1
    assert "useradd --system --no-create-home --home-dir / --shell /bin/sh " \
           "no-such-account-here" in said and "passwd -d no-such-account-here" in said
    assert not (tmp_path / "gw").exists()


def test_the_command_writes_the_files_once_and_prints_how_to_start(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(account, "check_account", lambda user: account.AccountCheck(True))
    where = tmp_path / "gw"
    args = ("--server", SERVER + "/", "--port", "2222", "--user", USER, "--dir", str(where))
    status, said = run_cli(*args)
    assert status == 0, said
    key = (where / "ssh_host_ed25519_key.pub").read_text()
    assert f"-D -e -f {where / 'sshd_config'}" in said.splitlines()[-2]
    assert "SHA256:" in said
    assert f"--server {SERVER} " in (where / "sshd_config").read_text()
    assert (where / "sessions").stat().st_mode & 0o777 == 0o700
    status, said = run_cli(*args, "--max-sessions", "7")
    assert status == 0 and "made a host key" not in said
    assert (where / "ssh_host_ed25519_key.pub").read_text() == key  # kept, not replaced
    assert "--max-sessions 7 " in (where / "sshd_config").read_text()
