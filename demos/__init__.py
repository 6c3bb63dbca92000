"""The tutorial's pages as runnable programs: ``python -m demos.<name>``.

Started that way, Ctrl-C (or SIGTERM, SIGHUP) while the demo is still loading its imports ends it
quietly with status 130: nothing has been written yet, and a traceback would only alarm.
``demos.cli.run`` takes over once the demo's own code starts.
"""

import os as _os
import signal as _signal
import sys as _sys


def _stop_while_loading(signum: int, frame: object) -> None:
    _os.write(2, b"\ninterrupted while the demo was starting; nothing was written.\n")
    _os._exit(130)


if _sys.argv[:1] == ["-m"]:  # `python -m demos.x` is importing this package first
    for _name in ("SIGINT", "SIGTERM", "SIGHUP"):
        _number = getattr(_signal, _name, None)
        if _number is not None and _signal.getsignal(_number) in (_signal.SIG_DFL, _signal.default_int_handler):
            _signal.signal(_number, _stop_while_loading)
