"""VS Code's debugger (debugpy, through its Debug Adapter Protocol) on autodiff installed as a package.

The project ships .vscode/launch.json; these tests launch with that very configuration, through
debugpy's adapter on stdin/stdout (it reaches the program over 127.0.0.1 only), with autodiff
installed non-editable into a fresh venv, as a learner who ran ``pip install .`` has it:

- a breakpoint in ``Sigmoid.derivatives`` stops a plain ``loss.backward()`` with the right z and out;
- ``backward(break_at="p")`` stops with ``node``, ``upstream``, ``local_derivatives`` and
  ``contributions`` in the variables pane;
- "step into" from ``loss.backward()`` reaches the first op's ``derivatives`` within 10 steps.
"""

from __future__ import annotations

import dis
import importlib.util
import json
import math
import os
import queue
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

from autodiff import ops

pytest.importorskip("debugpy", reason="debugpy is VS Code's Python debugger (pip install debugpy)")

REPO = Path(__file__).resolve().parents[1]
LAUNCH_JSON = REPO / ".vscode" / "launch.json"
TIMEOUT = 30.0

# The tutorial's row: hours 3, passed 1, w 0.1, b 0, squared error; nothing but backward().
ROW = """\
from autodiff import Value
weight, bias = Value(0.1, label="w"), Value(0.0, label="b")
hours, passed = 3.0, 1.0
probability = (weight * hours + bias).sigmoid()
probability.label = "p"
loss = (passed - probability) ** 2
loss.backward({break_at})
print("dL/dw", weight.grad)
"""
Z = 0.1 * 3.0
P = 1.0 / (1.0 + math.exp(-Z))
DL_DP = -2.0 * (1.0 - P)
DP_DZ = P * (1.0 - P)


def launch_configuration() -> dict[str, Any]:
    """The one configuration in .vscode/launch.json."""
    (configuration,) = json.loads(LAUNCH_JSON.read_text())["configurations"]
    return configuration


def test_the_shipped_configuration_steps_into_the_installed_engine() -> None:
    """justMyCode stays on for the learner's libraries, with autodiff included (its walks stepped over)."""
    configuration = launch_configuration()
    assert configuration["type"] == "debugpy" and configuration["request"] == "launch"
    assert configuration["program"] == "${file}"
    assert configuration["justMyCode"] is True
    assert configuration["rules"] == [
        {"module": "autodiff.walk", "include": False},
        {"module": "autodiff", "include": True},
    ]


# --- a fresh venv with autodiff installed from a copy of the project -----------------------------


def _setuptools_version(site_dir: str) -> tuple[int, ...]:
    for dist in metadata.distributions(path=[site_dir]):
        if dist.metadata["Name"] == "setuptools":
            return tuple(int(part) for part in re.findall(r"\d+", dist.version)[:3])
    return ()


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv's python with autodiff installed non-editable; other packages from this interpreter's site dirs."""
    if importlib.util.find_spec("pip") is None:
        pytest.skip("installing autodiff into a fresh venv needs pip")
    root = tmp_path_factory.mktemp("installed")
    site_dirs = [p for p in sys.path if p.endswith("site-packages") and os.path.isdir(p)]
    # the build needs setuptools >= 77 (pyproject's build-system): the dir with the newest one first
    site_dirs.sort(key=_setuptools_version, reverse=True)
    if not site_dirs or _setuptools_version(site_dirs[0]) < (77,):
        pytest.skip("building autodiff without network needs setuptools >= 77 installed")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root / "venv")], check=True, timeout=60)
    python = root / "venv" / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(purelib, "_outer_site_packages.pth").write_text("\n".join(site_dirs) + "\n")
    project = root / "project"
    project.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "build")
    for name in ("autodiff", "viz", "demos"):
        shutil.copytree(REPO / name, project / name, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, project / name)
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", "--no-build-isolation",
         "--no-index", str(project)],
        check=True,
        capture_output=True,
        timeout=120,
    )  # fmt: skip
    return python


# --- a Debug Adapter Protocol client --------------------------------------------------------------


class Adapter:
    """debugpy's adapter on stdio: ``request`` waits for the response, ``event`` for the next event of a kind."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "debugpy.adapter"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self.seq = 0
        self.messages: queue.Queue[dict[str, Any]] = queue.Queue()
        self.pending: list[dict[str, Any]] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        while True:
            header = b""
            while not header.endswith(b"\r\n\r\n"):
                byte = stream.read(1)
                if not byte:
                    return
                header += byte
            length = int(re.search(rb"Content-Length: (\d+)", header).group(1))  # type: ignore[union-attr]
            self.messages.put(json.loads(stream.read(length)))

    def send(self, command: str, **arguments: Any) -> int:
        self.seq += 1
        body = json.dumps({"seq": self.seq, "type": "request", "command": command, "arguments": arguments}).encode()
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()
        return self.seq

    def _next(self, wanted: Any) -> dict[str, Any]:
        for message in self.pending:
            if wanted(message):
                self.pending.remove(message)
                return message
        while True:
            message = self.messages.get(timeout=TIMEOUT)
            if wanted(message):
                return message
            self.pending.append(message)

    def request(self, command: str, **arguments: Any) -> dict[str, Any]:
        seq = self.send(command, **arguments)
        response = self._next(lambda m: m.get("type") == "response" and m.get("request_seq") == seq)
        assert response["success"], response
        return response.get("body", {})

    def event(self, name: str) -> dict[str, Any]:
        return self._next(lambda m: m.get("type") == "event" and m.get("event") == name).get("body", {})

    def top_frame(self, thread: int) -> dict[str, Any]:
        return self.request("stackTrace", threadId=thread, startFrame=0, levels=1)["stackFrames"][0]

    def locals(self, frame: dict[str, Any]) -> dict[str, str]:
        scopes = self.request("scopes", frameId=frame["id"])["scopes"]
        reference = next(s for s in scopes if s["name"] == "Locals")["variablesReference"]
        return {v["name"]: v["value"] for v in self.request("variables", variablesReference=reference)["variables"]}


@pytest.fixture
def debug(installed: Path, tmp_path: Path) -> Iterator[Any]:
    """Start ``script`` under debugpy with the shipped configuration; yields (adapter, thread id, script path)."""
    adapters: list[Adapter] = []

    def start(script: str, breakpoints: dict[Path, list[int]]) -> tuple[Adapter, int, Path]:
        program = tmp_path / "row.py"
        program.write_text(script)
        adapter = Adapter()
        adapters.append(adapter)
        adapter.request("initialize", adapterID="debugpy", clientID="tests", pathFormat="path",
                        linesStartAt1=True, columnsStartAt1=True)  # fmt: skip
        configuration = {**launch_configuration(), "program": str(program), "console": "internalConsole"}
        configuration.pop("name")
        environment = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONBREAKPOINT")}
        launch = adapter.send("launch", **configuration, python=[str(installed)], cwd=str(tmp_path), env=environment)
        adapter.event("initialized")
        for path, lines in breakpoints.items():
            adapter.request("setBreakpoints", source={"path": str(path)}, breakpoints=[{"line": n} for n in lines])
        adapter.request("configurationDone")
        adapter._next(lambda m: m.get("type") == "response" and m.get("request_seq") == launch)
        thread = adapter.event("stopped")["threadId"]
        return adapter, thread, program

    yield start
    for adapter in adapters:
        try:
            adapter.send("disconnect", terminateDebuggee=True)
            assert adapter.process.stdin is not None
            adapter.process.stdin.close()  # the adapter exits when its client goes
            adapter.process.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            adapter.process.kill()
            adapter.process.wait()


def installed_file(python: Path, module: str) -> Path:
    out = subprocess.run([str(python), "-c", f"import {module}; print({module}.__file__)"], capture_output=True,
                         text=True, check=True, cwd=python.parent,
                         env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})  # fmt: skip
    return Path(out.stdout.strip())


def first_body_line(function: object) -> int:
    """The line of a function's first statement (where a breakpoint goes)."""
    code = function.__code__  # type: ignore[attr-defined]
    return sorted({line for _, line in dis.findlinestarts(code) if line})[1]


def test_a_plain_backward_steps_into_derivatives_and_stops_at_a_breakpoint_in_sigmoid(
    installed: Path, debug: Any, tmp_path: Path
) -> None:
    """Step into from ``loss.backward()`` reaches the root's ``derivatives`` within 10 steps (9: backward's five
    lines, chain_rule_step's three, derivatives); then a breakpoint in Sigmoid.derivatives shows z and out.
    """
    ops_file = installed_file(installed, "autodiff.ops")
    assert "site-packages" in ops_file.parts and REPO not in ops_file.parents  # the installed copy
    script = ROW.format(break_at="")
    backward_line = script.splitlines().index("loss.backward()") + 1
    sigmoid_line = first_body_line(ops.Sigmoid.derivatives)
    adapter, thread, _ = debug(script, {tmp_path / "row.py": [backward_line], ops_file: [sigmoid_line]})
    assert adapter.top_frame(thread)["line"] == backward_line
    path = []
    for _ in range(10):
        adapter.request("stepIn", threadId=thread)
        adapter.event("stopped")
        frame = adapter.top_frame(thread)
        path.append(f"{Path(frame['source']['path']).name}:{frame['line']}:{frame['name']}")
        if frame["name"].endswith("derivatives"):
            break
    # the root's op first: L = (passed - p) ** 2
    root_op_line = first_body_line(ops.PowConst.derivatives)
    assert path[-1].startswith(f"ops.py:{root_op_line}:"), " → ".join(path)

    adapter.request("continue", threadId=thread)
    adapter.event("stopped")
    frame = adapter.top_frame(thread)
    assert frame["name"].endswith("derivatives") and Path(frame["source"]["path"]) == ops_file
    assert frame["line"] == sigmoid_line
    local = adapter.locals(frame)
    assert math.isclose(float(local["z"]), Z, rel_tol=1e-15) and math.isclose(float(local["out"]), P, rel_tol=1e-15)
    adapter.request("continue", threadId=thread)
    adapter.event("exited")


def test_break_at_stops_with_the_chain_rule_in_the_variables_pane(installed: Path, debug: Any) -> None:
    adapter, thread, _ = debug(ROW.format(break_at='break_at="p"'), {})
    frame = adapter.top_frame(thread)
    assert frame["name"].endswith("chain_rule_step")
    assert Path(frame["source"]["path"]) == installed_file(installed, "autodiff.backward")
    local = adapter.locals(frame)
    assert {"node", "upstream", "inputs", "local_derivatives", "contributions"} <= set(local)
    assert local["node"].startswith("Value(p = sigmoid(")
    assert math.isclose(float(local["upstream"]), DL_DP, rel_tol=1e-12)
    (local_derivative,) = eval(local["local_derivatives"])  # noqa: S307 - a tuple of one float
    (contribution,) = eval(local["contributions"])  # noqa: S307
    assert math.isclose(local_derivative, DP_DZ, rel_tol=1e-12)
    assert math.isclose(contribution, DL_DP * DP_DZ, rel_tol=1e-12)
    adapter.request("continue", threadId=thread)
    adapter.event("exited")
