"""Put the gateway's files in place: the config, a host key, the sessions' lock directory."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
from pathlib import Path

from tui.gateway.sshd_config import Gateway, render

SSHD = Path("/usr/sbin/sshd")


def this_command() -> tuple[str, ...]:
    """How sshd runs this install's ``change-challenge``, by absolute path.

    The script next to this interpreter (a virtual environment's ``bin``); else the
    interpreter itself with the module, which needs no script at all.
    """
    script = Path(sys.executable).absolute().parent / "change-challenge"
    if script.is_file() and os.access(script, os.X_OK):
        return (str(script),)
    return (str(Path(sys.executable).absolute()), "-m", "tui.cli")


def ssh_keygen() -> str:
    found = shutil.which("ssh-keygen", path=os.pathsep.join(
        [os.environ.get("PATH", ""), "/usr/bin", "/usr/local/bin"]))
    if found is None:
        raise OSError("ssh-keygen is not installed (it comes with openssh-client)")
    return found


def find_sshd() -> Path | None:
    if SSHD.is_file():
        return SSHD
    found = shutil.which("sshd", path=os.pathsep.join(
        [os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin", "/sbin"]))
    return Path(found) if found else None


def start_command(gateway: Gateway, sshd: Path | None) -> str:
    return f"{sshd or 'sshd'} -D -e -f {gateway.config_path}"


def write_files(gateway: Gateway) -> list[str]:
    """The config (always rewritten), a host key (when missing), the lock directory:
    what was done, one line each. Raises OSError or CalledProcessError."""
    done: list[str] = []
    directory = gateway.directory
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o755)  # sshd reads it as root; the account reaches the sessions dir
    if not gateway.host_key.exists():
        # Our own arguments, no shell: nothing untrusted reaches the command line.
        subprocess.run([ssh_keygen(), "-q", "-t", "ed25519", "-N", "",  # noqa: S603
                        "-C", "change-challenge-gateway", "-f", str(gateway.host_key)],
                       check=True, capture_output=True, timeout=60)
        done.append(f"made a host key: {gateway.host_key}")
    tmp = gateway.config_path.with_suffix(".tmp")
    tmp.write_text(render(gateway), encoding="utf-8")
    tmp.chmod(0o644)
    os.replace(tmp, gateway.config_path)
    done.append(f"wrote {gateway.config_path}")
    sessions = gateway.sessions_dir
    sessions.mkdir(exist_ok=True)
    sessions.chmod(0o700)  # only the account: its lock files, nothing else
    try:
        entry = pwd.getpwnam(gateway.user)
    except KeyError:
        return done
    if os.geteuid() == 0:
        os.chown(sessions, entry.pw_uid, entry.pw_gid)
    if sessions.stat().st_uid == entry.pw_uid:
        done.append(f"the session locks go in {sessions} (owned by {gateway.user})")
    else:
        done.append(f"{sessions} must belong to {gateway.user}: run this as root, or "
                    f"chown {entry.pw_uid}:{entry.pw_gid} {sessions}")
    return done


def fingerprint(gateway: Gateway) -> str:
    """The host key's SHA256 fingerprint, for users to compare on first connect."""
    done = subprocess.run([ssh_keygen(), "-l", "-f", str(gateway.host_key)],  # noqa: S603
                          capture_output=True, text=True, timeout=60)
    return done.stdout.strip()
