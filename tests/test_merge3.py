"""The three-way merge behind a refused (stale) guide edit: examples, then properties."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from client.merge3 import Clean, Conflict, has_markers, join, merge, split

BASE = "title\n\nfirst\nsecond\nthird\nfourth\nfifth\n"


def test_split_and_join_round_trip() -> None:
    for text in ("", "\n", "a", "a\n", "a\n\nb", "\n\n"):
        assert join(split(text)) == text


def test_changes_to_different_lines_merge_cleanly() -> None:
    mine = BASE.replace("first", "FIRST")
    theirs = BASE.replace("fifth", "FIFTH")
    result = merge(BASE, mine, theirs)
    assert result.clean
    assert result.text == "title\n\nFIRST\nsecond\nthird\nfourth\nFIFTH\n"


def test_insertions_on_both_sides_are_both_kept() -> None:
    mine = BASE.replace("second\n", "second\nmine added\n")
    theirs = BASE + "theirs appended\n"
    result = merge(BASE, mine, theirs)
    assert result.clean
    assert result.text == ("title\n\nfirst\nsecond\nmine added\nthird\nfourth\nfifth\n"
                           "theirs appended\n")


def test_a_line_added_after_a_last_line_without_newline_is_clean() -> None:
    base = "a\nb"
    result = merge(base, "a\nb\nmine", "A\nb")
    assert result.clean
    assert result.text == "A\nb\nmine"


def test_the_same_change_on_both_sides_counts_once() -> None:
    both = BASE.replace("third", "THIRD") + "same new line\n"
    result = merge(BASE, both, both)
    assert result.clean
    assert result.text == both
    assert result.text.count("same new line") == 1


def test_a_deletion_and_an_edit_elsewhere() -> None:
    mine = BASE.replace("second\n", "")
    theirs = BASE.replace("fourth", "4th")
    result = merge(BASE, mine, theirs)
    assert result.clean
    assert result.text == "title\n\nfirst\nthird\n4th\nfifth\n"


def test_different_changes_to_one_line_conflict() -> None:
    mine = BASE.replace("third", "third, as I see it")
    theirs = BASE.replace("third", "third, as they see it")
    result = merge(BASE, mine, theirs)
    assert not result.clean
    (conflict,) = result.conflicts
    assert conflict == Conflict(("third",), ("third, as I see it",), ("third, as they see it",))
    # The lines around it are settled.
    assert isinstance(result.hunks[0], Clean) and result.hunks[0].lines[-1] == "second"
    assert isinstance(result.hunks[-1], Clean) and result.hunks[-1].lines[0] == "fourth"


def test_conflicts_resolve_as_chosen() -> None:
    mine = BASE.replace("first", "mine 1").replace("fifth", "mine 5")
    theirs = BASE.replace("first", "theirs 1").replace("fifth", "theirs 5")
    result = merge(BASE, mine, theirs)
    assert len(result.conflicts) == 2
    assert result.resolve({0: "theirs", 1: "both"}) == (
        "title\n\ntheirs 1\nsecond\nthird\nfourth\nmine 5\ntheirs 5\n")
    assert result.resolve(default="theirs") == theirs
    assert result.resolve() == mine
    assert result.resolve(default="base") == BASE


def test_insertions_at_one_place_conflict_and_both_keeps_both() -> None:
    result = merge("a\nb", "a\nmine\nb", "a\ntheirs\nb")
    (conflict,) = result.conflicts
    assert conflict.base == ()
    assert result.resolve({0: "both"}) == "a\nmine\ntheirs\nb"


def test_an_edit_against_a_deletion_conflicts() -> None:
    result = merge("a\nb\nc", "a\nB\nc", "a\nc")
    (conflict,) = result.conflicts
    assert conflict.mine == ("B",) and conflict.theirs == ()


def test_markers_hold_both_versions() -> None:
    result = merge("x\ny\nz", "x\nmine\nz", "x\ntheirs\nz")
    marked = result.with_markers("you", "Rachel")
    assert marked == "x\n<<<<<<< you\nmine\n=======\ntheirs\n>>>>>>> Rachel\nz"
    assert has_markers(marked)
    assert not has_markers(result.resolve())


def test_empty_texts() -> None:
    assert merge("", "", "").text == ""
    assert merge("", "new", "").text == "new"
    assert merge("old", "", "old").text == ""
    assert not merge("", "mine", "theirs").clean


# --- properties ---------------------------------------------------------------------

# Few distinct lines: repeats, blank lines and near-duplicates stress the matching.
line = st.sampled_from(["", "a", "b", "c", "- item", "# Heading", "a ", "#12"])
texts = st.lists(line, max_size=12).map(join)


@given(texts, texts)
def test_only_mine_changed(base: str, mine: str) -> None:
    result = merge(base, mine, base)
    assert result.clean and result.text == mine


@given(texts, texts)
def test_only_theirs_changed(base: str, theirs: str) -> None:
    result = merge(base, base, theirs)
    assert result.clean and result.text == theirs


@given(texts, texts)
def test_the_same_edit_on_both_sides(base: str, both: str) -> None:
    result = merge(base, both, both)
    assert result.clean and result.text == both


@given(texts, texts, texts)
def test_a_conflict_is_only_where_the_sides_differ(
        base: str, mine: str, theirs: str) -> None:
    result = merge(base, mine, theirs)
    for conflict in result.conflicts:
        assert conflict.mine != conflict.theirs
    mine_lines, theirs_lines = split(result.resolve()), split(result.resolve(default="theirs"))
    if result.clean:
        assert mine_lines == theirs_lines
    if mine == theirs:
        assert result.clean and result.text == mine


@given(texts, texts, texts)
def test_merging_is_symmetric(base: str, mine: str, theirs: str) -> None:
    """Swapping the sides swaps the choices, nothing else."""
    forward, backward = merge(base, mine, theirs), merge(base, theirs, mine)
    assert forward.clean == backward.clean
    if forward.clean:
        assert forward.text == backward.text


@st.composite
def apart_edits(draw: st.DrawFn) -> tuple[list[str], list[str], list[str], list[str]]:
    """A base of distinct lines and two edits to parts of it at least one untouched line
    apart: (base, mine, theirs, both applied)."""
    size = draw(st.integers(min_value=2, max_value=30))
    base = [f"line {n}" for n in range(size)]
    # Each base line (and the gap before it, and the end) is owned by one side at most.
    owners = draw(st.lists(st.sampled_from(["", "mine", "theirs"]), min_size=size + 1,
                           max_size=size + 1))
    for n in range(1, size + 1):  # an untouched line between the two sides' edits
        if owners[n] and owners[n - 1] and owners[n] != owners[n - 1]:
            owners[n] = ""
    mine: list[str] = []
    theirs: list[str] = []
    merged: list[str] = []
    for n in range(size + 1):
        owner = owners[n]
        added = ([f"{owner} added {n}"] if owner and draw(st.booleans()) else [])
        dropped = n < size and bool(owner) and draw(st.booleans())
        kept = [] if n == size or dropped else [base[n]]
        original = [] if n == size else [base[n]]
        mine += added + kept if owner == "mine" else original
        theirs += added + kept if owner == "theirs" else original
        merged += added + kept
    return base, mine, theirs, merged


@given(apart_edits())
def test_edits_apart_merge_cleanly_keeping_both_sides_lines(
        edits: tuple[list[str], list[str], list[str], list[str]]) -> None:
    base, mine, theirs, merged = edits
    result = merge(join(base), join(mine), join(theirs))
    assert result.clean
    assert result.text == join(merged)
    for added in [*mine, *theirs]:
        if added not in base:
            assert added in split(result.text)
