"""The terminal before the app takes it over."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress


@contextmanager
def keys_unechoed() -> Iterator[None]:
    """No echo from the first moment the command runs, and the terminal as it was when
    it ends.

    Until the app puts the terminal in raw mode (a few hundred ms of start-up), the
    terminal itself echoes what is typed onto the screen the app later hides, and shows
    it again on exit: a password typed ahead (a password manager's auto-type) would be
    left in plain view. The keys themselves still reach the app.
    """
    try:
        import termios
    except ImportError:  # Windows: its console does not echo ahead of the app
        yield
        return
    try:
        fd = sys.stdin.fileno()
        before = termios.tcgetattr(fd)
    except (OSError, ValueError, termios.error):  # not a terminal: nothing to hide
        yield
        return
    quiet = list(before)
    quiet[3] &= ~termios.ECHO  # the local modes
    termios.tcsetattr(fd, termios.TCSANOW, quiet)
    try:
        yield
    finally:
        # The terminal may be gone (a dropped ssh session): nothing to restore then.
        with suppress(termios.error):
            termios.tcsetattr(fd, termios.TCSANOW, before)
