"""Where the first look last found the person: the lone challenge, its first tab and the
sort it opened with, per server.

The first screen's requests depend on one another (the challenge's slug comes from the
challenges, the tab from its prompts); remembered, they all go out at once with the
first ones (``tui.first_look``), and start-up waits for one round trip, not three. A
remembered place is only a guess: the answers are checked, and a wrong one costs the
requests it needed, as if nothing had been remembered. Nothing private is kept here.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class Place:
    slug: str
    kind: str
    sort: str


def place_file() -> Path:
    import platformdirs  # only when a path is needed

    return Path(platformdirs.user_data_dir("change-challenge", appauthor=False)) / "place.json"


def _all(path: Path) -> dict[str, dict[str, str]]:
    try:
        kept = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return kept if isinstance(kept, dict) else {}


def recall(server: str, path: Path | None = None) -> Place | None:
    """Where the person was on ``server`` last time, if anywhere."""
    kept = _all(path or place_file()).get(server)
    try:
        return Place(**kept) if isinstance(kept, dict) else None
    except TypeError:
        return None


def remember(server: str, place: Place | None, path: Path | None = None) -> None:
    """Keep ``place`` for ``server`` (None forgets it); a failure to write is no error."""
    path = path or place_file()
    kept = _all(path)
    if (place and kept.get(server) == asdict(place)) or (place is None and server not in kept):
        return
    if place is None:
        del kept[server]
    else:
        kept[server] = asdict(place)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent,
                                         delete=False, suffix=".tmp") as out:
            json.dump(kept, out)
        os.replace(out.name, path)
    except OSError:
        return
