"""A re-run replaces exactly the files the previous run recorded; everything else in --out survives.

What: ``viz.outputs.staged_output`` runs that write a set of "our" files (the names the demos
use), with a learner's random files and folders (any name, any suffix, names we write among
them) placed in the folder between runs, and a KeyboardInterrupt injected at the k-th write or
rename of the re-run. Then: symlinked ``--out`` (works on the target, nothing left beside the
link), a loop of links and ``--out`` above the working folder (one true sentence each).
Why: a learner keeps notes, grades and photos next to a run's output; a re-run must never
delete or replace them, however it ends.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from viz import outputs
from viz.outputs import MARKER, OutputError, staged_output

FUZZ = os.environ.get("HYPOTHESIS_PROFILE") == "fuzz"  # make fuzz: many more examples
OUR_NAMES = ["index.html", "model.json", "loss.svg", "graphs/epoch_0000.svg", "graphs/epoch_0001.svg", "frames/a.svg"]

# A path component the filesystem accepts: any text without "/" or NUL, not "." or "..", not too long.
component = st.one_of(
    st.sampled_from(["index.html", "model.json", "loss.svg", "graphs", "frames", "epoch_0000.svg", "x.tmp", "notes"]),
    st.text(st.characters(blacklist_characters="/\x00", blacklist_categories=("Cs",)), min_size=1, max_size=12),
).filter(lambda name: name not in (".", "..", MARKER) and len(os.fsencode(name)) < 200)
user_path = st.lists(component, min_size=1, max_size=3).map("/".join)
user_entries = st.lists(st.tuples(user_path, st.one_of(st.binary(max_size=20), st.none())), max_size=6)
ours = st.lists(st.sampled_from(OUR_NAMES), min_size=1, unique=True)


def write_run(out: Path, names: list[str], version: bytes) -> None:
    """One run: our files with content that says which run wrote them."""
    with staged_output(out) as staged:
        for name in names:
            outputs.write_bytes(staged.dir / name, version + name.encode())


def place(out: Path, entries: list[tuple[str, bytes | None]]) -> dict[str, bytes | None]:
    """The learner's files (bytes) and empty folders (None) that could be placed; path → content."""
    placed: dict[str, bytes | None] = {}
    for name, data in entries:
        path = out / name
        try:
            if data is None:
                path.mkdir(parents=True)
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                if path.is_dir():
                    continue
                path.write_bytes(data)
        except OSError:  # a file in the way of a folder, a name taken: the learner could not do it either
            continue
        placed = {
            k: v for k, v in placed.items() if not (k == name or k.startswith(name + "/") or name.startswith(k + "/"))
        }
        placed[name] = data
    return placed


def assert_survived(out: Path, placed: dict[str, bytes | None]) -> None:
    for name, data in placed.items():
        path = out / name
        if data is None:
            assert path.is_dir(), f"the learner's folder {name!r} is gone"
        else:
            assert path.is_file() and path.read_bytes() == data, f"the learner's file {name!r} was lost or changed"


def interrupt_at(monkeypatch: pytest.MonkeyPatch, k: int) -> None:
    """A KeyboardInterrupt at the k-th file write or rename (os.replace, os.rename), as Ctrl-C there would."""
    calls = []
    real_replace, real_rename = os.replace, os.rename

    def maybe(real):  # type: ignore[no-untyped-def]
        def call(*args: object) -> object:
            calls.append(1)
            if len(calls) == k:
                raise KeyboardInterrupt
            return real(*args)

        return call

    monkeypatch.setattr(os, "replace", maybe(real_replace))
    monkeypatch.setattr(os, "rename", maybe(real_rename))


@settings(
    max_examples=1_000 if FUZZ else 25,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(first=ours, second=ours, entries=user_entries, k=st.integers(0, 12))
def test_a_learners_files_survive_any_rerun(
    first: list[str], second: list[str], entries: list[tuple[str, bytes | None]], k: int, tmp_path_factory
) -> None:
    out = tmp_path_factory.mktemp("run") / "out"
    write_run(out, first, b"1:")
    placed = place(out, entries)
    with pytest.MonkeyPatch.context() as patch:
        interrupt_at(patch, k)
        try:
            write_run(out, second, b"2:")
        except (KeyboardInterrupt, OutputError):
            pass
    assert_survived(out, placed)
    try:
        write_run(out, second, b"3:")  # a clean run afterwards: finishes what a stopped one left
    except OutputError as error:  # a learner's file where ours would go: refused, named
        assert "not what the last run wrote there" in str(error)
        finished = False
    else:
        finished = True
    assert_survived(out, placed)
    if finished:
        for name in second:
            if name not in placed:
                assert (out / name).read_bytes() == b"3:" + name.encode()
        for name in set(first) - set(second) - set(placed):
            assert not (out / name).exists(), f"{name}, written by the first run only, was not replaced"
    leftovers = [p.name for p in out.parent.iterdir() if p.name != "out"]
    assert not leftovers, leftovers


def test_an_edited_file_of_ours_is_kept_and_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    write_run(out, ["index.html", "loss.svg"], b"1:")
    (out / "loss.svg").write_bytes(b"my annotations")
    write_run(out, ["index.html"], b"2:")  # this run does not write loss.svg: it stays, as the learner's
    assert (out / "loss.svg").read_bytes() == b"my annotations"
    assert "kept loss.svg" in capsys.readouterr().err
    assert "loss.svg" not in outputs.read_manifest(out)
    with pytest.raises(OutputError, match=r"index.html is not what the last run wrote there"):
        (out / "index.html").write_bytes(b"my page")
        write_run(out, ["index.html"], b"3:")
    assert (out / "index.html").read_bytes() == b"my page"


def test_a_symlinked_out_works_on_its_target_and_leaves_nothing_beside_the_link(tmp_path: Path) -> None:
    target = tmp_path / "real"
    target.mkdir()
    link = tmp_path / "link"
    link.symlink_to(target)
    write_run(link, ["index.html"], b"1:")
    write_run(link, ["index.html", "model.json"], b"2:")
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert sorted(p.name for p in target.iterdir()) == [MARKER, "index.html", "model.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link", "real"]


def test_a_loop_of_links_and_a_dangling_link_are_one_sentence(tmp_path: Path) -> None:
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "missing")
    for link in (loop, dangling):
        with pytest.raises(OutputError, match=r"is a link that leads to nothing \(missing, or a loop of links\)"):
            write_run(link, ["index.html"], b"1:")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dangling", "loop"]


def test_out_above_the_working_folder_says_so_truly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    with pytest.raises(OutputError, match=r"is the folder you are working in"):
        write_run(tmp_path / "work", ["index.html"], b"1:")
    with pytest.raises(OutputError, match=r"^/ holds the folder you are working in"):
        write_run(Path("/"), ["index.html"], b"1:")


def test_a_folder_from_an_older_autodiff_without_a_record_is_refused_whole(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / MARKER).write_text("Written by autodiff: a re-run may replace the files it made in this directory.\n")
    (out / "index.html").write_bytes(b"written by an older run, or by the learner: nobody knows")
    with pytest.raises(OutputError, match=r"older autodiff that kept no record of its files, so it cannot tell"):
        write_run(out, ["index.html"], b"2:")
    assert (out / "index.html").read_bytes() == b"written by an older run, or by the learner: nobody knows"
    write_run(out, ["model.json"], b"2:")  # nothing in the way: the run goes ahead, the old file stays
    assert (out / "index.html").is_file() and (out / "model.json").read_bytes() == b"2:model.json"


def test_a_hand_edited_manifest_cannot_reach_outside_the_folder(tmp_path: Path) -> None:
    import json

    out = tmp_path / "out"
    write_run(out, ["index.html"], b"1:")
    outside = tmp_path / ".secret.txt.1234abcd.tmp"  # named like one of our temporary files
    outside.write_bytes(b"not ours")
    document = json.loads((out / MARKER).read_text(encoding="utf-8"))
    document["files"]["../secret.txt"] = "0" * 64
    document["files"]["/etc/hostname"] = "0" * 64
    (out / MARKER).write_text(json.dumps(document), encoding="utf-8")
    assert set(outputs.read_manifest(out)) == {"index.html"}
    write_run(out, ["index.html"], b"2:")
    assert outside.read_bytes() == b"not ours"
