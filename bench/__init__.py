"""Load benchmark machinery for `make bench` (manage.py bench_load): a gunicorn server per code tree, a concurrent
HTTP client, CPU accounting and the bench databases. Not part of the platform; nothing here runs in a request.

    http.py          the asyncio search clients and the bulk-check client (session login, CSRF, CSV upload)
    server.py        gunicorn on a free port, the code trees (current and a git commit), the disposable databases
    setup_script.py  run inside a code tree (manage.py shell -c): bench users, grants, API tokens, addresses
"""
