"""The client side of the load benchmark.

Search clients: N concurrent closed-loop clients (each sends its next search as soon as the previous one answered),
in one asyncio event loop, each with its own user's API token, `GET /api/v1/addresses/{id}/hits?purpose=...`, half
of them on an address with signals. gunicorn's sync workers close the connection after each response, so each
search opens a new loopback connection, as a client behind such a server does.

Bulk checker: one officer who logs in through the login page (session + CSRF) and uploads a CSV of addresses to
`/signalen/bulkcontrole/` (format=csv), in a thread beside the event loop, back to back for a period.
"""
import asyncio
import http.client
import random
import re
import statistics
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import quote, urlencode, urlsplit

HOST = "127.0.0.1"
REQUEST_TIMEOUT = 120


def percentile(values, pct):
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * pct / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


@dataclass
class Sample:
    started: float
    ended: float
    status: int  # 0: no HTTP answer (connection error or time-out)

    @property
    def ms(self):
        return (self.ended - self.started) * 1000


@dataclass
class Summary:
    label: str
    clients: int
    wall: float
    samples: list
    cpu: dict = field(default_factory=dict)

    @property
    def ok(self):
        return [s for s in self.samples if s.status == 200]

    @property
    def statuses(self):
        counts = {}
        for s in self.samples:
            counts[s.status] = counts.get(s.status, 0) + 1
        return dict(sorted(counts.items()))

    @property
    def rate(self):
        return len(self.ok) / self.wall if self.wall else 0.0

    def pct(self, p):
        return percentile([s.ms for s in self.ok], p)

    @property
    def p50(self):
        return statistics.median([s.ms for s in self.ok]) if self.ok else float("nan")

    @property
    def server_cpu_ms(self) -> float:
        """CPU milliseconds of the server side (gunicorn, its PostgreSQL backends, the sealer) per successful
        search: what a search costs, much less sensitive to other load on a shared machine than searches/s."""
        if not self.cpu or not self.ok:
            return float("nan")
        share = self.cpu["gunicorn"] + self.cpu["postgres"] + self.cpu.get("sealer", 0.0)
        return share / 100 * self.wall / len(self.ok) * 1000

    def rate_in(self, windows) -> float:
        """Successful searches per second within the given windows (objects with .started and .ended)."""
        seconds = sum(w.ended - w.started for w in windows)
        return len(self.ok) / seconds if seconds else 0.0

    def subset(self, label, keep):
        chosen = [s for s in self.samples if keep(s)]
        return Summary(label=label, clients=self.clients, wall=self.wall, samples=chosen, cpu=self.cpu)


def pooled(summaries: list[Summary]) -> Summary:
    """Several runs of the same phase as one: all samples, the walls added, CPU shares weighted by wall."""
    wall = sum(x.wall for x in summaries)
    cpu = {}
    for key in summaries[0].cpu if summaries and summaries[0].cpu else []:
        cpu[key] = sum(x.cpu[key] * x.wall for x in summaries) / wall if key != "cores" else summaries[0].cpu[key]
    return Summary(label=summaries[0].label, clients=summaries[0].clients, wall=wall,
                   samples=[s for x in summaries for s in x.samples], cpu=cpu)


async def _exchange(port: int, raw: bytes) -> int:
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        writer.write(raw)
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = None
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        if length is not None:
            await reader.readexactly(length)
        else:
            await reader.read()  # Connection: close: the body ends with the connection
        return status
    finally:
        writer.close()


class SearchClients:
    """Closed-loop API search clients against one server."""

    def __init__(self, port: int, tokens: list[str], hit_ids: list[int], other_ids: list[int], *, seed: int = 2026):
        if not tokens:
            raise ValueError("no API tokens")
        self.port, self.tokens, self.hit_ids, self.other_ids = port, tokens, hit_ids or other_ids, other_ids
        self.rng = random.Random(seed)  # nosec B311  # pseudo-random numbers for demo or benchmark data, not for security
        self.sent = 0

    def _request(self, client: int, rng: random.Random) -> bytes:
        address = rng.choice(self.hit_ids) if rng.random() < 0.5 else rng.choice(self.other_ids)
        self.sent += 1
        purpose = quote(f"Controle zaak BENCH-{client}-{self.sent}")
        token = self.tokens[client % len(self.tokens)]
        return (
            f"GET /api/v1/addresses/{address}/hits?purpose={purpose} HTTP/1.1\r\n"
            f"Host: {HOST}:{self.port}\r\nAuthorization: Token {token}\r\nAccept: application/json\r\n"
            f"User-Agent: vp-bench\r\nConnection: close\r\n\r\n"
        ).encode()

    async def _client(self, index, samples, keep_going):
        rng = random.Random(self.rng.random())  # nosec B311  # pseudo-random numbers for demo or benchmark data, not for security
        while keep_going():
            raw = self._request(index, rng)
            started = time.perf_counter()
            try:
                status = await asyncio.wait_for(_exchange(self.port, raw), REQUEST_TIMEOUT)
            except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError, IndexError):
                status = 0
            samples.append(Sample(started, time.perf_counter(), status))
            if status == 0:
                await asyncio.sleep(0.05)

    def run(self, *, clients: int, duration: float, label: str, alongside=None, meter=None) -> Summary:
        """Run `clients` clients for `duration` seconds. `alongside` (a callable taking the deadline) runs in a
        thread at the same time; the clients keep going until it has returned too."""
        samples = []
        failure = []

        async def main():
            deadline = time.perf_counter() + duration
            side = None
            if alongside is not None:
                def target():
                    try:
                        alongside(deadline)
                    except Exception as exc:  # noqa: BLE001 - reported to the caller below
                        failure.append(exc)

                # A daemon thread, not the loop's executor: on Ctrl-C nothing waits for a long upload to finish.
                side = threading.Thread(target=target, name="bench-alongside", daemon=True)
                side.start()

            def keep_going():
                return time.perf_counter() < deadline or (side is not None and side.is_alive())

            await asyncio.gather(*(self._client(i, samples, keep_going) for i in range(clients)))

        if meter is not None:
            meter.start()
        started = time.perf_counter()
        asyncio.run(main())
        wall = time.perf_counter() - started
        if failure:
            raise failure[0]
        return Summary(label=label, clients=clients, wall=wall, samples=samples,
                       cpu=meter.stop() if meter is not None else {})


# ---------------------------------------------------------------------------------------------- bulk check

SECOND_FACTOR_PATH = "/inloggen/tweede-factor/"
CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken"\s+value="([^"]+)"')


@dataclass
class BulkRun:
    started: float
    ended: float
    status: int
    detail: str = ""

    @property
    def seconds(self):
        return self.ended - self.started


class BulkChecker:
    """One officer running bulk checks through the page: login form, then multipart upload with the CSRF token."""

    def __init__(self, port: int, username: str, password: str, csv_text: str, *, totp_key: str | None = None):
        self.port, self.username, self.password, self.csv = port, username, password, csv_text.encode()
        self.totp_key = totp_key  # hex key of the user's authenticator app, for the second factor after the password
        self.cookies = {}
        self.runs: list[BulkRun] = []
        self.lock = threading.Lock()

    def _send(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection(HOST, self.port, timeout=REQUEST_TIMEOUT * 5)
        try:
            all_headers = {"Host": f"{HOST}:{self.port}", "User-Agent": "vp-bench-bulk", **(headers or {})}
            if self.cookies:
                all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            conn.request(method, path, body=body, headers=all_headers)
            response = conn.getresponse()
            data = response.read()
            for header in response.headers.get_all("Set-Cookie") or []:
                cookie = SimpleCookie()
                cookie.load(header)
                for key, morsel in cookie.items():
                    self.cookies[key] = morsel.value
            return response.status, response.headers, data
        finally:
            conn.close()

    def _csrf(self, path):
        status, _headers, body = self._send("GET", path)
        match = CSRF_INPUT.search(body)
        if status != 200 or not match:
            raise RuntimeError(f"GET {path}: {status}, no CSRF token in the form: {body[:300]!r}")
        return match.group(1).decode()

    def login(self):
        token = self._csrf("/inloggen/")
        body = urlencode({"username": self.username, "password": self.password, "csrfmiddlewaretoken": token})
        status, headers, data = self._send("POST", "/inloggen/", body,
                                           {"Content-Type": "application/x-www-form-urlencoded"})
        if status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"login of {self.username} failed: {status} {data[:300]!r}")
        step = urlsplit(headers.get("Location", "")).path
        if step == SECOND_FACTOR_PATH:
            if not self.totp_key:
                raise RuntimeError(f"login of {self.username} asks for a second factor and the bench has no key")
            from django_otp.oath import totp

            token = self._csrf(step)
            body = urlencode({"code": f"{totp(bytes.fromhex(self.totp_key)):06d}", "csrfmiddlewaretoken": token})
            status, _headers, data = self._send("POST", step, body,
                                                {"Content-Type": "application/x-www-form-urlencoded"})
            if status != 302:
                raise RuntimeError(f"second factor of {self.username} failed: {status} {data[:300]!r}")

    def check_once(self) -> BulkRun:
        token = self._csrf("/signalen/bulkcontrole/")
        boundary = "vpbench" + uuid.uuid4().hex
        parts = []
        for name, value in (("csrfmiddlewaretoken", token), ("purpose", "Controle woonfraude bench-bulkcontrole"),
                            ("format", "csv")):
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="adressen.csv"\r\n'
                     f"Content-Type: text/csv\r\n\r\n".encode() + self.csv + b"\r\n")
        parts.append(f"--{boundary}--\r\n".encode())
        body = b"".join(parts)
        started = time.perf_counter()
        status, headers, data = self._send("POST", "/signalen/bulkcontrole/", body,
                                           {"Content-Type": f"multipart/form-data; boundary={boundary}"})
        ended = time.perf_counter()
        content_type = headers.get("Content-Type", "")
        detail = ""
        if status != 200 or "csv" not in content_type:
            detail = f"{status} {content_type}: {data[:400]!r}"
            status = status if status != 200 else 599  # a page instead of the CSV: the check did not run
        run = BulkRun(started, ended, status, detail)
        with self.lock:
            self.runs.append(run)
        return run

    def loop(self, deadline: float, start_delay: float = 1.0):
        """Bulk checks back to back until `deadline` (at least one), after `start_delay` seconds."""
        time.sleep(start_delay)
        while True:
            run = self.check_once()
            if run.status != 200 or time.perf_counter() >= deadline:
                return
