#!/usr/bin/env python3
"""Token load for tests/cluster/run.sh, and the verdicts on what it saw.

  load.py run URL SECONDS LOG       POST client-credentials token requests to URL from LOAD_THREADS
                                    (default 4) keep-alive connections for SECONDS; one line per request
                                    in LOG: start end status error (wall-clock seconds; status 0 when no
                                    HTTP answer came, error then names why; else the OAuth error code)
  load.py failover LOG KILLED_AT WINDOW
                                    an instance was killed at KILLED_AT: no failed request may start later
                                    than WINDOW seconds after it; failures inside the window are reported
  load.py outage LOG DOWN_AT UP_AT DB_TIMEOUT
                                    PostgreSQL was stopped at DOWN_AT and accepted connections again at
                                    UP_AT: every failure must be a 503 temporarily_unavailable answered
                                    within DB_TIMEOUT + 2 s, and every request started 5 s after UP_AT
                                    must succeed

The client's credentials come from the environment (LOAD_AUTH: base64 of "id:secret"), not the command
line. Standard library only. Verdicts print one line each and exit 1 on failure.
"""

import http.client
import json
import os
import sys
import threading
import time
import urllib.parse

TIMEOUT = 20


def run(url, seconds, log_path):
    parsed = urllib.parse.urlsplit(url)
    headers = {
        "Authorization": "Basic " + os.environ["LOAD_AUTH"],
        "Content-Type": "application/x-www-form-urlencoded",
    }
    body = "grant_type=client_credentials"
    deadline = time.time() + float(seconds)
    lines = []
    lock = threading.Lock()

    def worker():
        conn = None
        mine = []
        while time.time() < deadline:
            start = time.time()
            status, error = 0, ""
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=TIMEOUT)
                conn.request("POST", parsed.path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
                status = response.status
                if status != 200:
                    try:
                        error = json.loads(data).get("error", "?")
                    except ValueError:
                        error = "not-json"
                if response.getheader("connection", "").lower() == "close":
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException) as e:
                error = type(e).__name__
                if conn is not None:
                    conn.close()
                conn = None
                time.sleep(0.01)
            mine.append(f"{start:.3f} {time.time():.3f} {status} {error or '-'}")
        with lock:
            lines.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(int(os.environ.get("LOAD_THREADS", "4")))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lines.sort()
    with open(log_path, "w") as f:
        f.write("\n".join(lines) + "\n")


def read(log_path):
    rows = []
    with open(log_path) as f:
        for line in f:
            start, end, status, error = line.split()
            rows.append((float(start), float(end), int(status), error))
    if not rows:
        sys.exit(f"no requests in {log_path}")
    return rows


def describe(rows):
    kinds = {}
    for _, _, status, error in rows:
        key = f"{status} {error}"
        kinds[key] = kinds.get(key, 0) + 1
    return ", ".join(f"{k} x{n}" for k, n in sorted(kinds.items())) or "none"


def failover(log_path, killed_at, window):
    rows = read(log_path)
    failed = [r for r in rows if r[2] != 200]
    late = [r for r in failed if r[0] > killed_at + window]
    after = [r for r in rows if r[0] > killed_at]
    rate = len(rows) / (rows[-1][1] - rows[0][0])
    print(
        f"failover: {len(rows)} requests ({rate:.0f}/s), {len(after)} after the kill; "
        f"failed: {len(failed)} ({describe(failed)}); "
        f"{len(failed) - len(late)} within {window:g} s of the kill, {len(late)} later"
    )
    if not after:
        print("failover: FAIL no request was sent after the kill")
        return 1
    if late:
        print(f"failover: FAIL failures later than {window:g} s after the kill: {describe(late)}")
        return 1
    return 0


def outage(log_path, down_at, up_at, db_timeout):
    rows = read(log_path)
    failed = [r for r in rows if r[2] != 200]
    wrong = [r for r in failed if not (r[2] == 503 and r[3] == "temporarily_unavailable")]
    slowest = max(rows, key=lambda r: r[1] - r[0])
    slow = slowest[1] - slowest[0]
    during = [r for r in rows if r[1] >= down_at and r[0] <= up_at]
    settled = [r for r in rows if r[0] > up_at + 5]
    settled_failed = [r for r in settled if r[2] != 200]
    back = [r for r in rows if r[0] >= up_at and r[2] == 200]
    first_back = (back[0][1] - up_at) if back else None
    last_failed = max((r[1] for r in failed), default=None)
    print(
        f"outage: PostgreSQL down {up_at - down_at:.2f} s; {len(rows)} requests, {len(during)} overlapping "
        f"the outage; failed: {len(failed)} ({describe(failed)}); slowest request {slow:.2f} s; "
        + (f"first success {first_back:.2f} s after PostgreSQL was back; " if back else "no success after it; ")
        + (f"last failure answered {last_failed - up_at:+.2f} s from then" if failed else "no failure")
    )
    verdict = 0
    if wrong:
        print(f"outage: FAIL failures other than 503 temporarily_unavailable: {describe(wrong)}")
        verdict = 1
    if slow > db_timeout + 2:
        print(f"outage: FAIL a request took {slow:.2f} s (database timeout {db_timeout:g} s)")
        verdict = 1
    if first_back is None or first_back > 5:
        print("outage: FAIL no success within 5 s of PostgreSQL accepting connections again")
        verdict = 1
    if not settled:
        print("outage: FAIL the load ended before PostgreSQL had been back 5 s")
        verdict = 1
    if settled_failed:
        print(f"outage: FAIL failures more than 5 s after PostgreSQL was back: {describe(settled_failed)}")
        verdict = 1
    return verdict


def main(argv):
    if len(argv) == 5 and argv[1] == "run":
        run(argv[2], argv[3], argv[4])
        return 0
    if len(argv) == 5 and argv[1] == "failover":
        return failover(argv[2], float(argv[3]), float(argv[4]))
    if len(argv) == 6 and argv[1] == "outage":
        return outage(argv[2], float(argv[3]), float(argv[4]), float(argv[5]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
