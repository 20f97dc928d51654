"""Load benchmark machinery for `make bench` (manage.py bench_load): a gunicorn server per code tree, a concurrent
HTTP client, CPU accounting and the bench databases. Not part of the platform; nothing here runs in a request.

    clients.py       the asyncio search clients and the bulk-check client (session login, CSRF, CSV upload)
    server.py        gunicorn on a free port, the code trees (current and a git commit), the disposable databases
    setup_script.py  run inside a code tree (manage.py shell -c): bench users, grants, API tokens, addresses
"""
import time


def calibration_ms() -> float:
    """Best of five runs of a fixed CPU-bound loop (lower is faster): shared machines differ by up to 2x, so every
    bench prints it beside its figures."""
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        sum(i * i for i in range(1_000_000))
        best = min(best, (time.perf_counter() - start) * 1000)
    return best
