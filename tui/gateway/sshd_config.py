"""The gateway's ``sshd_config``: text only, no files and no processes (``setup`` writes it).

Everything but the app is off, each line says why. Written for OpenSSH 9.2 (Debian 12)
and later: ``ChannelTimeout`` and ``UnusedConnectionTimeout`` are 9.2's.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from pathlib import Path

HOST_KEY = "ssh_host_ed25519_key"
PID_FILE = "sshd.pid"
SESSIONS = "sessions"  # the lock files of the session cap, owned by the account


@dataclass(frozen=True)
class Gateway:
    """What ``change-challenge gateway sshd-config`` was asked for."""

    server: str
    port: int
    user: str
    directory: Path
    command: tuple[str, ...]  # this install's ``change-challenge``, as sshd must run it
    listen: tuple[str, ...] = ()
    max_sessions: int = 50
    idle_minutes: int = 30
    idle_seconds: int | None = None  # tests only (a hidden option): overrides the minutes
    memory_mb: int | None = None  # the session's address-space cap (None: its default)
    ca_bundle: Path | None = None
    extra: tuple[str, ...] = field(default=())  # more session options, passed as given

    @property
    def host_key(self) -> Path:
        return self.directory / HOST_KEY

    @property
    def config_path(self) -> Path:
        return self.directory / "sshd_config"

    @property
    def sessions_dir(self) -> Path:
        return self.directory / SESSIONS

    @property
    def idle_limit(self) -> int:
        """Seconds without a key before the app ends the session."""
        return self.idle_seconds if self.idle_seconds is not None else self.idle_minutes * 60

    def session_command(self) -> str:
        """The ``ForceCommand``: the app in kiosk mode, whatever the client asked to run."""
        words = [*self.command, "gateway", "session", "--server", self.server,
                 "--max-sessions", str(self.max_sessions), "--runtime-dir",
                 str(self.sessions_dir)]
        if self.idle_seconds is not None:
            words += ["--idle-seconds", str(self.idle_seconds)]
        else:
            words += ["--idle-minutes", str(self.idle_minutes)]
        if self.memory_mb is not None:
            words += ["--memory-mb", str(self.memory_mb)]
        if self.ca_bundle is not None:
            words += ["--ca-bundle", str(self.ca_bundle)]
        return shlex.join([*words, *self.extra])


def check(gateway: Gateway) -> list[str]:
    """What makes the configuration unsafe or unreadable to sshd (empty when none)."""
    problems = []
    words = [gateway.server, gateway.user, str(gateway.directory), *gateway.listen,
             *gateway.command, str(gateway.ca_bundle or "")]
    if any(c in word for word in words for c in "\n\r#\0"):
        problems.append("no newline, '#' or NUL in the server, user, paths or addresses: "
                        "sshd_config reads them as lines and comments")
    if not gateway.server.startswith(("http://", "https://")):
        problems.append("--server must start with http:// or https://")
    if not 0 < gateway.port < 65536:
        problems.append("--port must be from 1 to 65535")
    if not gateway.user or not gateway.user.replace("-", "").replace("_", "").isalnum():
        problems.append("--user must be an account name (letters, digits, - and _)")
    if gateway.max_sessions < 1:
        problems.append("--max-sessions must be at least 1")
    if gateway.idle_limit < 1:
        problems.append("--idle-minutes must be at least 1")
    if any(" " in address for address in gateway.listen):
        problems.append("--listen takes one address (host or host:port)")
    return problems


def render(gateway: Gateway) -> str:
    """The whole ``sshd_config``, every line with the reason for it."""
    d = gateway.directory
    channel_minutes = gateway.idle_limit // 60 + 5
    lines = [
        "# The Change Challenge ssh gateway: written by `change-challenge gateway sshd-config`.",
        "# Run it with: sshd -D -e -f " + str(gateway.config_path),
        "# Anyone may connect; they sign in inside the app. Nothing but the app runs.",
        "",
        "# --- where it listens, and who it is",
        f"Port {gateway.port}  # the gateway's own port (the host's admin sshd stays apart)",
        *(f"ListenAddress {address}  # only here (--listen)" for address in gateway.listen),
        *([] if gateway.listen else
          ["# No ListenAddress: every address of the host (firewall it to the trust network)"]),
        f"HostKey {gateway.host_key}  # ed25519 only: publish its fingerprint to users",
        f"PidFile {d / PID_FILE}  # in the gateway's directory, not the host sshd's",
        "VersionAddendum none  # say no more than the protocol needs",
        "LogLevel VERBOSE  # connections and their addresses, for fail2ban and audits",
        "SyslogFacility AUTH  # with -e the log goes to stderr (the journal under systemd)",
        "UseDNS no  # no reverse lookups: faster logins, addresses logged as they are",
        "",
        "# --- who gets in: one account, with no authentication at the SSH layer",
        f"AllowUsers {gateway.user}  # nobody else, root least of all",
        "PermitRootLogin no  # belt and braces",
        "UsePAM no  # no PAM: an empty password is accepted by sshd itself, nothing more",
        "PasswordAuthentication yes  # needed, with the next line, for the 'none' method",
        "PermitEmptyPasswords yes  # the account has no password: 'none' auth succeeds",
        "PubkeyAuthentication no  # no keys to offer or to check",
        "AuthorizedKeysFile none  # nor files to read them from",
        "AuthorizedPrincipalsFile none  # nor certificates",
        "HostbasedAuthentication no  # nor trust between hosts",
        "IgnoreRhosts yes  # nor .rhosts",
        "KbdInteractiveAuthentication no  # no prompts at the SSH layer",
        "GSSAPIAuthentication no  # no Kerberos tickets either",
        "KerberosAuthentication no  # (idem)",
        "StrictModes yes  # refuse files others could have changed",
        "",
        "# --- what runs: the app, whatever the client asked for",
        f"ForceCommand {gateway.session_command()}",
        "# ('ssh host id' runs the app, with a terminal, or nothing; the command asked for",
        "# is never run.) No Subsystem line: no sftp, hence no scp.",
        "PermitTTY yes  # the app needs a terminal",
        "PermitUserEnvironment no  # no ~/.ssh/environment",
        "PermitUserRC no  # no ~/.ssh/rc",
        "# No AcceptEnv: nothing from the client's environment (TERM and the window",
        "# size travel in the pty request).",
        "ExposeAuthInfo no  # no auth details handed to the session",
        "",
        "# --- no forwarding of any kind",
        "DisableForwarding yes  # all of them at once; each is off below as well",
        "AllowTcpForwarding no  # no -L / -R / -D",
        "AllowStreamLocalForwarding no  # no Unix-socket forwarding",
        "AllowAgentForwarding no  # no -A",
        "X11Forwarding no  # no -X / -Y",
        "PermitTunnel no  # no -w tun devices",
        "GatewayPorts no  # no listening for others",
        "PermitListen none  # no remote listeners at all",
        "PermitOpen none  # no connections out of the gateway",
        "",
        "# --- limits",
        "MaxStartups 10:30:100  # unauthenticated connections: drop some from 10, all at 100",
        "PerSourceMaxStartups 10  # from one address (a trust's NAT shares one: not too low)",
        "PerSourceNetBlockSize 32:128  # an address is a host",
        "LoginGraceTime 20  # seconds to finish the handshake",
        "MaxAuthTries 3  # 'none' succeeds first; anything else is a probe",
        "MaxSessions 1  # one session per connection: no multiplexed extra shells",
        "ClientAliveInterval 15  # ask a silent client every 15 s...",
        "ClientAliveCountMax 4  # ...and drop it after a minute without an answer",
        "TCPKeepAlive no  # the client-alive checks above do it, encrypted",
        f"ChannelTimeout session={channel_minutes}m  # a session silent past the app's "
        "idle limit (it ends itself first)",
        "UnusedConnectionTimeout 1m  # a connection with no session (ssh -N) is closed",
        "",
        "# --- quiet",
        "PrintMotd no  # no message of the day",
        "PrintLastLog no  # no last login",
        "Banner none  # no banner before sign-in",
        "",
    ]
    return "\n".join(lines)
