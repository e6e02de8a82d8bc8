"""Loaded by the Python of a `streamlit run` that bench/dashboard_bench.py starts (this folder is put
first on its PYTHONPATH; nothing else imports it): appends one JSON line per script run to the file
named by MPM_BENCH_RUNS, with the run's seconds and session, so the bench can tell a page load's
server time and how many script runs it took (a load that reruns costs double) from what the browser
waits for. It wraps Streamlit's own per-run call, exec_func_with_error_handling; if a Streamlit
version renames it, the bench reports the server columns as missing instead of failing.
"""

import json
import os
import threading
import time

_LOG = os.environ.get("MPM_BENCH_RUNS")
_lock = threading.Lock()

if _LOG:
    try:
        import streamlit.runtime.scriptrunner.script_runner as _runner

        _real = _runner.exec_func_with_error_handling

        def _timed(func, ctx):
            started = time.perf_counter()
            try:
                return _real(func, ctx)
            finally:
                line = json.dumps({"session": ctx.session_id, "seconds": time.perf_counter() - started})
                with _lock, open(_LOG, "a") as out:
                    out.write(line + "\n")

        _runner.exec_func_with_error_handling = _timed
    except (ImportError, AttributeError):
        pass
