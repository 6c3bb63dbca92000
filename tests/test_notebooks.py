"""The tutorial's notebooks run top to bottom in a Jupyter kernel and show the tutorial's numbers.

Every notebook in demos/notebooks/ is executed with nbclient in one ipykernel on this interpreter
(its namespace reset between notebooks, so none leans on another's names), from the notebooks'
own folder, with this checkout first on sys.path. A notebook whose code drifts from the library
fails here: with the error its cell raised, or a number or picture that no longer comes out.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="needs the dev extra: pip install -e '.[dev]'")
nbclient = pytest.importorskip("nbclient", reason="needs the dev extra: pip install -e '.[dev]'")
pytest.importorskip("ipykernel", reason="needs the dev extra: pip install -e '.[dev]'")

from jupyter_client.kernelspec import KernelSpecManager  # noqa: E402
from jupyter_client.manager import KernelManager  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "demos" / "notebooks"
KERNEL = "autodiff-tests"

GRAPH, PLOT, HISTORY, STUDIO = "graph", "plot", "history", "studio"

# What each notebook must print (substrings of its text output) and show (pictures, in order of kind).
EXPECTED: dict[str, dict[str, list[str]]] = {
    "page1_the_problem": {
        "text": ["3 hours → passed 1"],
        "shows": [GRAPH, GRAPH],
    },
    "page2_one_neuron": {
        "text": ["raw z = w × hours + b = 1.5 + (-1) = 0.5000", "= 0.6225", "→ Pass", "probability 0.6225 → Pass"],
        "shows": [GRAPH],
    },
    "page3_sigmoid": {
        "text": ["0.1192", "0.7685", "0.9820", "raw z = w × hours + b = 1.25 + (-1) = 0.2500", "0.5622"],
        "shows": [PLOT],
    },
    "page4_loss_and_training": {
        "text": [
            "0.09",
            "Epoch 0, Loss: 1.0155",
            "Epoch 900, Loss:",
            "Final weight: 4.3019, bias: -10.5080",
            "hand rule: weight 4.3019, bias -10.5080",
        ],
        "shows": [HISTORY, PLOT, PLOT, GRAPH, STUDIO],
    },
    "page5_check_your_model": {
        "text": ["Pass", "Fail", "0.01", "1000", "4/4", "→ Pass"],
        "shows": [],
    },
    "page6_two_inputs": {
        "text": [
            "Epoch 0, Loss: 1.3209",
            "Final w1:",
            "NumPy, all rows at once",
            "study 2.5, sleep 7: Fail (0.2052)",
            "w2 = -3.14, so at any study time Pass lies below the line",  # the side the trained w2 says
        ],
        "shows": [HISTORY, PLOT, GRAPH],
    },
    "page7_backprop": {
        "text": [
            "dL/dw += dL/d(w*hours) × ∂(w*hours)/∂w = -0.2081 × 3 = -0.6242",
            "the tutorial's rule (p - passed)·hours = -1.277",
            "loss 0.5544, dL/dw -1.2767, dL/db -0.4256",  # the compiled backward pass agrees
        ],
        "shows": [GRAPH, STUDIO],
    },
    "practice_projects": {
        "text": [
            "flips",
            "2.5 hours",
            "Epoch 0, Loss:",
            "Standardising each feature",
            "Last epoch (999), Loss: 0.0019",  # the same run as python -m demos.new_dataset
            "hours 2.5: probability of passing",
            "→ Pass",
        ],
        "shows": [PLOT, PLOT],
    },
}


# Run in the kernel before each notebook: Python code there may not open a connection off this machine.
NO_NETWORK = """
import socket
def _local_only(self, address, _connect=socket.socket.connect):
    host = address[0] if isinstance(address, tuple) else "localhost"
    if host not in ("127.0.0.1", "::1", "localhost"):
        raise OSError(f"a notebook tried to reach {address!r}; the notebooks must work offline")
    return _connect(self, address)
socket.socket.connect = _local_only
"""


def notebook_paths() -> list[Path]:
    return sorted(NOTEBOOKS.glob("*.ipynb"))


def test_one_notebook_per_page_and_one_for_the_practice_projects() -> None:
    assert [p.stem for p in notebook_paths()] == sorted(EXPECTED)


@pytest.mark.parametrize("path", notebook_paths(), ids=lambda p: p.stem)
def test_saved_notebooks_carry_no_outputs(path: Path) -> None:
    # Outputs are made when a notebook runs; the repository keeps only the code and the words.
    book = nbformat.read(path, as_version=4)
    nbformat.validate(book)
    for cell in book.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{path.name}: strip its outputs"
    assert book.metadata["kernelspec"]["name"] == "python3"


def kind_of(output: dict) -> str | None:
    """Which of our pictures a display is, from what it carries."""
    data = output.get("data", {})
    html = data.get("text/html", "")
    if "<iframe" in html and "srcdoc" in html:
        return STUDIO
    if "<table" in html and "loss per epoch" in html:
        return HISTORY
    if "<svg" in html and 'class="graph"' in html:
        return GRAPH
    if "image/svg+xml" in data and "matplotlib" in data["image/svg+xml"]:
        return PLOT
    return None


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """Every notebook, run in order in one kernel on this interpreter."""
    specs = tmp_path_factory.mktemp("kernels")
    (specs / KERNEL).mkdir()
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    spec = {"argv": argv, "display_name": "autodiff tests", "language": "python"}
    (specs / KERNEL / "kernel.json").write_text(json.dumps(spec))
    manager = KernelManager(kernel_name=KERNEL, kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(specs)]))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    env.pop("MPLBACKEND", None)
    manager.start_kernel(cwd=str(NOTEBOOKS), env=env)
    results = {}
    try:
        for path in notebook_paths():
            book = nbformat.read(path, as_version=4)
            # A clean namespace for each notebook, and this checkout's code (not an installed copy).
            setup = (
                "%reset -f\nimport autodiff, demos, viz\n"
                f"assert all(m.__file__.startswith({str(ROOT)!r}) for m in (autodiff, demos, viz))\n" + NO_NETWORK
            )
            book.cells.insert(0, nbformat.v4.new_code_cell(setup))
            client = nbclient.NotebookClient(
                book, km=manager, timeout=120, allow_errors=True, resources={"metadata": {"path": str(NOTEBOOKS)}}
            )
            try:
                client.execute()
            finally:  # the client's zmq channels, which the shared kernel would otherwise leave open
                if client.kc is not None:
                    client.kc.stop_channels()
            first = book.cells.pop(0)
            assert not [o for o in first.outputs if o["output_type"] == "error"], f"kernel set-up: {first.outputs}"
            results[path.stem] = book
    finally:
        manager.shutdown_kernel(now=True)
    return results


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_notebook_runs_and_shows_the_tutorials_numbers(executed: dict[str, dict], name: str) -> None:
    book = executed[name]
    text, shows = [], []
    for index, cell in enumerate(book.cells):
        for output in cell.get("outputs", []):
            if output["output_type"] == "error":
                pytest.fail(f"{name}, cell {index}: {output['ename']}: {output['evalue']}")
            if output["output_type"] == "stream":
                assert output["name"] == "stdout", f"{name}, cell {index} wrote to stderr: {output['text'][:300]}"
                text.append(output["text"])
            else:
                text.append(output.get("data", {}).get("text/plain", ""))
                kind = kind_of(output)
                if kind:
                    shows.append(kind)
    printed = "".join(text)
    for expected in EXPECTED[name]["text"]:
        assert expected in printed, f"{name} no longer prints {expected!r}"
    assert shows == EXPECTED[name]["shows"]


def test_the_kernel_refuses_connections_off_this_machine() -> None:
    import socket

    namespace: dict = {}
    original = socket.socket.connect
    try:
        exec(NO_NETWORK, namespace)
        with socket.socket() as sock, pytest.raises(OSError, match="must work offline"):
            sock.connect(("192.0.2.1", 80))  # TEST-NET-1: never routed
    finally:
        socket.socket.connect = original
