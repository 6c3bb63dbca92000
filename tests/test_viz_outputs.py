"""viz.outputs: files are written whole or not at all, and only into directories we may use."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from viz.outputs import MARKER, OutputError, prepare_out_dir, write_bytes, write_text


def test_write_text_replaces_atomically_and_leaves_no_temp_files(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "er" / "graph.svg"
    write_text(target, "first")
    write_text(target, "second — ünïcode")
    assert target.read_text(encoding="utf-8") == "second — ünïcode"
    assert [p.name for p in target.parent.iterdir()] == ["graph.svg"]


def test_a_failed_write_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "index.html"
    write_text(target, "old and whole")

    def fail(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OutputError, match=r"cannot write .*index\.html: No space left on device"):
        write_bytes(target, b"new")
    assert target.read_text() == "old and whole"
    assert [p.name for p in tmp_path.iterdir()] == ["index.html"]


def test_write_refuses_a_directory_and_a_file_in_the_way(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="is a directory; expected a file path"):
        write_text(tmp_path, "x")
    (tmp_path / "blocker").write_text("")
    with pytest.raises(OutputError, match="a file is in the way"):
        write_text(tmp_path / "blocker" / "a.svg", "x")


def test_written_files_honour_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        mode = write_text(tmp_path / "a.svg", "x").stat().st_mode & 0o777
    finally:
        os.umask(old)
    assert mode == 0o644  # not tempfile's private 0o600


def test_prepare_out_dir_creates_accepts_ours_or_empty_and_refuses_others(tmp_path: Path) -> None:
    fresh = prepare_out_dir(tmp_path / "new" / "out")
    assert (fresh / MARKER).is_file()
    (fresh / "index.html").write_text("from an earlier run")
    assert prepare_out_dir(fresh) == fresh  # ours: a re-run may replace its outputs
    empty = tmp_path / "empty"
    empty.mkdir()
    assert (prepare_out_dir(empty) / MARKER).is_file()
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    (theirs / "thesis.tex").write_text("precious")
    with pytest.raises(OutputError, match=r"theirs already holds files autodiff did not write; expected"):
        prepare_out_dir(theirs)
    assert [p.name for p in theirs.iterdir()] == ["thesis.tex"]
    with pytest.raises(OutputError, match=r"thesis.tex is a file; expected a directory"):
        prepare_out_dir(theirs / "thesis.tex")
