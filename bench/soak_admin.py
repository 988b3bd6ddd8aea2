#!/usr/bin/env python3
"""The admin side of bench/soak.sh: a signed-in account admin who keeps registering, editing and
deleting apps and rotating their secrets while the token endpoint is under load, and who checks that a
deleted secret stops obtaining tokens the moment its deletion has returned.

  soak_admin.py setup FILE   sign in, register the app the load runs against, get its first token (the
                             one argon2 verification), write CLIENT_ID and CLIENT_SECRET lines to FILE
  soak_admin.py run          the admin loop for SOAK_DURATION seconds; writes a readable summary to
                             SOAK_SUMMARY and prints one line "ADMIN_RESULT ok=0|1 ..." for soak.sh

Inputs come from the environment (set by soak.sh), so no password or secret is on a command line:
SOAK_BASE (http://127.0.0.1:PORT), SOAK_ADMIN_EMAIL, SOAK_ADMIN_PASSWORD, and for `run`:
SOAK_LOAD_CLIENT_ID, SOAK_LOAD_SECRET, SOAK_DURATION, SOAK_TAG (prefix of client codes, one per run),
SOAK_SUMMARY, SOAK_WARMUP=1 (no rotation of the load app's secrets), SOAK_CYCLE_SECONDS (a cycle starts
at most this often, default 1; 0 for back to back).

Standard library only: CI has Python 3.11 and nothing else.
"""

import base64
import html
import http.client
import http.cookiejar
import json
import os
import re
import socket
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import dataclass, field

# src/identity/client_auth.rs: client authentications that run argon2 (an unknown or deleted secret,
# or a valid one not verified yet in this process) are limited per client ID and per source address.
PER_CLIENT_PER_MINUTE = 10
PER_ADDRESS_PER_MINUTE = 30
# Token requests with a deleted secret sent after its deletion returned; each must be 401.
POST_CHECKS = 2
# Argon2 runs one probed deletion may cost: the request in flight at the commit, then POST_CHECKS.
PROBE_COST = 1 + POST_CHECKS
# Apps left registered between cycles (the oldest is deleted beyond this), so the list grows a little.
KEEP_APPS = 8
TIMEOUT = 30
SCOPE_SETS = [
    ["setup.read", "reservations.read"],
    ["availability.read", "rates.read", "reservations.manage"],
    ["folios.read", "invoices.read"],
    ["setup.read", "reports.read", "payments.read", "offers.read"],
]
LOAD_SCOPE_SETS = [["setup.read", "reservations.read"], ["setup.read", "reservations.read", "rates.read"]]


class Failure(Exception):
    """An admin operation did not go as it would for a person in a browser."""


@dataclass
class Stats:
    ops: Counter = field(default_factory=Counter)
    dashboard: Counter = field(default_factory=Counter)  # dashboard responses by status
    oauth: Counter = field(default_factory=Counter)  # the admin's and probes' token/introspect responses
    server_errors: list = field(default_factory=list)  # every 5xx, described
    failures: list = field(default_factory=list)
    probe: Counter = field(default_factory=Counter)
    violations: list = field(default_factory=list)
    dashboard_ms: list = field(default_factory=list)
    budget_wait: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def saw(self, kind, status, what):
        with self.lock:
            (self.dashboard if kind == "dashboard" else self.oauth)[status] += 1
            if status >= 500:
                self.server_errors.append(f"{what} -> {status}")


# ---------------------------------------------------------------- the dashboard, as a browser uses it
class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Redirects come back as responses: a deletion "returns" with its 303, not after the next GET."""

    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Page:
    status: int
    location: str
    body: str
    returned: float  # time.monotonic() when the status line and headers had arrived


CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')


def input_value(body, input_id):
    tag = re.search(r'<input[^>]*\bid="%s"[^>]*>' % re.escape(input_id), body)
    value = tag and re.search(r'\bvalue="([^"]*)"', tag.group(0))
    if not value:
        raise Failure(f"no <input id={input_id}> on the page")
    return html.unescape(value.group(1))


class Dashboard:
    def __init__(self, base, stats):
        self.base = base
        self.stats = stats
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect())

    def request(self, method, path, fields=None, expect=(200,)):
        data = None if fields is None else urllib.parse.urlencode(fields, doseq=True).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/x-www-form-urlencoded")
        started = time.monotonic()
        try:
            resp = self.opener.open(req, timeout=TIMEOUT)
        except urllib.error.HTTPError as e:  # 3xx (not followed), 4xx, 5xx
            resp = e
        except (OSError, http.client.HTTPException) as e:
            raise Failure(f"{method} {path}: {e}") from e
        returned = time.monotonic()
        with resp:
            body = resp.read().decode("utf-8", "replace")
        self.stats.dashboard_ms.append((time.monotonic() - started) * 1000)
        status = resp.getcode()
        self.stats.saw("dashboard", status, f"{method} {path}")
        if status not in expect:
            text = re.sub(r"\s+", " ", re.sub(r"<[^>]*>", " ", body))[:200]
            raise Failure(f"{method} {path} answered {status}, expected {expect}: {text}")
        return Page(status, resp.headers.get("Location", ""), body, returned)

    def csrf(self, path, body=None):
        """The CSRF token of a form page (GET unless its body is given), as a browser would have it."""
        m = CSRF.search(self.request("GET", path).body if body is None else body)
        if not m:
            raise Failure(f"no csrf_token on {path}")
        return html.unescape(m.group(1))

    def post_form(self, path, fields, expect=(303,)):
        return self.request("POST", path, {"csrf_token": self.csrf(path), **fields}, expect)

    def sign_in(self, email, password):
        page = self.post_form("/login", {"email": email, "password": password})
        self.request("GET", page.location or "/")


# ---------------------------------------------------------------- the OAuth side
class TokenClient:
    """One keep-alive connection to the identity endpoints, from a chosen loopback address."""

    def __init__(self, base, source, stats):
        url = urllib.parse.urlsplit(base)
        self.host, self.port, self.source, self.stats = url.hostname, url.port, source, stats
        self.conn = None

    def post(self, path, client_id, secret, fields):
        basic = base64.b64encode(f"{quote(client_id)}:{quote(secret)}".encode()).decode()
        headers = {"Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"}
        body = urllib.parse.urlencode(fields)
        for attempt in (1, 2):  # a keep-alive connection the server closed: reconnect once
            if self.conn is None:
                self.conn = http.client.HTTPConnection(
                    self.host, self.port, timeout=TIMEOUT, source_address=(self.source, 0))
            sent = time.monotonic()
            try:
                self.conn.request("POST", path, body, headers)
                resp = self.conn.getresponse()
                raw = resp.read()
            except (OSError, http.client.HTTPException) as e:
                self.close()
                if attempt == 2:
                    raise Failure(f"POST {path} from {self.source}: {e}") from e
                continue
            self.stats.saw("oauth", resp.status, f"POST {path} ({client_id})")
            try:
                answer = json.loads(raw or b"{}")
            except ValueError:
                answer = {}
            return sent, resp.status, answer, resp.getheader("Retry-After")
        raise AssertionError("unreachable")

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def quote(s):
    """RFC 6749 §2.3.1: id and secret are form-encoded before HTTP Basic."""
    return urllib.parse.quote_plus(s, safe="")


class Budget:
    """A mirror of one of the server's rate limits on argon2-running client authentications, so the
    probes wait for room instead of being answered 429. It refills 20 % slower than the server's (GCRA,
    `PER_MINUTE` burst) to absorb the requests the mirror cannot see exactly."""

    def __init__(self, per_minute):
        self.capacity = per_minute
        self.interval = 60.0 / per_minute * 1.2
        self.level, self.stamp = {}, {}

    def _level(self, key):
        now = time.monotonic()
        level = self.level.get(key, self.capacity) + (now - self.stamp.get(key, now)) / self.interval
        self.level[key], self.stamp[key] = min(self.capacity, level), now
        return self.level[key]

    def wait_for(self, key, n):
        return max(0.0, (n - self._level(key)) * self.interval)

    def spend(self, key, n):
        self._level(key)
        self.level[key] -= n


# ---------------------------------------------------------------- deletion probe
class Probe(threading.Thread):
    """Requests tokens with one secret, back to back, while the admin deletes it (or its app).

    Every request notes when it was sent. Once the deletion has returned (`deleted(at)`), it sends
    POST_CHECKS more and stops. A 200 for a request sent after the deletion returned is a violation.
    After a refusal it waits for the deletion to return instead of sending more: each refusal costs the
    server an argon2 run and counts against the rate limits."""

    def __init__(self, base, source, client_id, secret, stats):
        super().__init__(daemon=True)
        self.client = TokenClient(base, source, stats)
        self.client_id, self.secret = client_id, secret
        self.records = []  # (sent, status, error code, Retry-After)
        self.deleted_at = None
        self.error = None
        self.first_ok = threading.Event()
        self.returned = threading.Event()
        self.stop = threading.Event()

    def deleted(self, at):
        self.deleted_at = at
        self.returned.set()

    def run(self):
        try:
            after = 0
            give_up = time.monotonic() + 120
            while not self.stop.is_set() and after < POST_CHECKS:
                if time.monotonic() > give_up:
                    self.error = "the deletion did not return within 120 s"
                    return
                sent, status, answer, retry = self.client.post(
                    "/connect/token", self.client_id, self.secret, {"grant_type": "client_credentials"})
                self.records.append((sent, status, answer.get("error"), retry))
                if status == 200:
                    self.first_ok.set()
                elif self.deleted_at is None:
                    if not self.first_ok.is_set():
                        self.error = f"the secret was refused ({status}) before its deletion started"
                        return
                    self.returned.wait(60)
                if self.deleted_at is not None and sent >= self.deleted_at:
                    after += 1
        except Failure as e:
            self.error = str(e)
        finally:
            self.client.close()
            self.first_ok.set()  # never leave the admin waiting

    def finish(self):
        """Waits for the checks after the deletion; stops at once if the deletion never returned."""
        if self.deleted_at is None:
            self.stop.set()
            self.returned.set()
        self.join(150)
        if self.is_alive():
            self.stop.set()
            self.join(30)


# ---------------------------------------------------------------- the admin
@dataclass
class Secret:
    id: int
    value: str
    description: str
    token: str = ""  # one access token it obtained, to introspect after its deletion


@dataclass
class App:
    client_id: str
    name: str
    address: str
    secrets: list = field(default_factory=list)


class Admin:
    def __init__(self, env, stats):
        self.base = env["SOAK_BASE"]
        self.stats = stats
        self.web = Dashboard(self.base, stats)
        self.email, self.password = env["SOAK_ADMIN_EMAIL"], env["SOAK_ADMIN_PASSWORD"]
        self.per_client = Budget(PER_CLIENT_PER_MINUTE)
        self.per_address = Budget(PER_ADDRESS_PER_MINUTE)
        self.local = TokenClient(self.base, "127.0.0.1", stats)  # introspection, with the load's app
        self.load = None  # (client_id, secret): the load's app, which introspects
        self.many_addresses = self._can_bind("127.0.0.2")

    def _can_bind(self, address):
        """Each registered app requests tokens from its own loopback address (Linux routes all of
        127/8 to lo), like apps on separate machines: the per-address limit is then per app."""
        url = urllib.parse.urlsplit(self.base)
        try:
            with socket.create_connection((url.hostname, url.port), 5, source_address=(address, 0)):
                return True
        except OSError:
            return False

    def address(self, block, n):
        return f"127.{block}.{n // 250}.{n % 250 + 2}" if self.many_addresses else "127.0.0.1"

    def oauth(self, source, path, client_id, secret, fields):
        """A token or introspection request from `source`. Only 127.0.0.1 keeps its connection open: one
        kept per app address would pile up idle connections, which the server never closes (~22 KiB of
        its memory each)."""
        if source == "127.0.0.1":
            return self.local.post(path, client_id, secret, fields)
        client = TokenClient(self.base, source, self.stats)
        try:
            return client.post(path, client_id, secret, fields)
        finally:
            client.close()

    # -- rate-limit budget
    def reserve(self, client_id, address, n, optional=False):
        wait = max(self.per_client.wait_for(client_id, n), self.per_address.wait_for(address, n))
        if wait > 0 and optional:
            return False
        if wait > 0:
            self.stats.budget_wait += wait
            time.sleep(wait)
        return True

    def spend(self, client_id, address, n):
        self.per_client.spend(client_id, n)
        self.per_address.spend(address, n)

    # -- dashboard operations
    def app_page(self, client_id, expect=(200,)):
        return self.web.request("GET", f"/apps/connected-apps/{client_id}", expect=expect)

    def secret_id(self, client_id, description):
        body = self.app_page(client_id).body
        m = re.search(r'href="/apps/connected-apps/%s/secrets/(\d+)/delete" aria-label="Delete secret %s"'
                      % (re.escape(client_id), re.escape(html.escape(description))), body)
        if not m:
            raise Failure(f"secret {description!r} is not listed on {client_id}'s page")
        return int(m.group(1))

    def create_app(self, code, name, pii, scopes, description, address):
        page = self.web.post_form("/apps/connected-apps/create", {
            "client_code": code, "client_name": name, "pii_mode": pii,
            "secret_description": description, "scopes": scopes}, expect=(200,))
        client_id, value = input_value(page.body, "client-id"), input_value(page.body, "client-secret")
        self.stats.ops["apps created"] += 1
        app = App(client_id, name, address)
        app.secrets.append(Secret(self.secret_id(client_id, description), value, description))
        return app

    def edit_app(self, app, name, pii, scopes):
        path = f"/apps/connected-apps/{app.client_id}"
        page = self.web.post_form(f"{path}/edit", {"client_name": name, "pii_mode": pii, "scopes": scopes})
        if page.location != path:
            raise Failure(f"editing {app.client_id} redirected to {page.location!r}")
        shown = self.app_page(app.client_id).body
        if f"<h1>{html.escape(name)}</h1>" not in shown:
            raise Failure(f"{app.client_id}'s page does not show the new name {name!r}")
        app.name = name
        self.stats.ops["apps edited"] += 1

    def add_secret(self, app, description):
        page = self.web.post_form(f"/apps/connected-apps/{app.client_id}/secrets/new",
                                  {"secret_description": description}, expect=(200,))
        if input_value(page.body, "client-id") != app.client_id:
            raise Failure(f"the new secret's page names another client than {app.client_id}")
        secret = Secret(self.secret_id(app.client_id, description), input_value(page.body, "client-secret"),
                        description)
        app.secrets.append(secret)
        self.stats.ops["secrets added"] += 1
        return secret

    # -- OAuth checks
    def obtain_token(self, app, secret):
        """The new secret works: a token (its one argon2 verification), active when introspected."""
        self.reserve(app.client_id, app.address, 1)
        for _ in range(3):
            _, status, answer, retry = self.oauth(
                app.address, "/connect/token", app.client_id, secret.value, {"grant_type": "client_credentials"})
            if status != 429:
                break
            self.stats.probe["429 on a new secret"] += 1
            time.sleep(min(int(retry or 10), 60))
        self.spend(app.client_id, app.address, 1)
        if status != 200 or not answer.get("access_token"):
            raise Failure(f"new secret {secret.description!r} of {app.client_id}: token request answered "
                          f"{status} {answer.get('error', '')}")
        secret.token = answer["access_token"]
        self.stats.ops["tokens for new secrets"] += 1
        if not self.active(secret.token):
            raise Failure(f"a fresh token of {app.client_id} introspects as inactive")

    def active(self, token):
        client_id, value = self.load
        _, status, answer, _ = self.oauth(
            "127.0.0.1", "/connect/introspect", client_id, value, {"token": token})
        if status != 200 or "active" not in answer:
            raise Failure(f"introspection answered {status} {answer}")
        self.stats.ops["introspections"] += 1
        return answer["active"] is True

    def refused(self, app, secret):
        """One explicit request with a deleted secret, waiting out a 429: it must be 401 invalid_client."""
        for _ in range(3):
            self.reserve(app.client_id, app.address, 1)
            _, status, answer, retry = self.oauth(
                app.address, "/connect/token", app.client_id, secret.value, {"grant_type": "client_credentials"})
            if status != 429:
                self.spend(app.client_id, app.address, 1)
                return status, answer.get("error")
            self.stats.probe["429 after deletion"] += 1
            time.sleep(min(int(retry or 10), 60))
        return 429, "temporarily_unavailable"

    # -- probed deletions
    def probed(self, app, secret, delete):
        """Runs `delete()` (returns the Page of the deleting POST) while a Probe hammers `secret`; then
        checks that nothing sent after the deletion returned got a token, and that the secret gets 401."""
        self.reserve(app.client_id, app.address, PROBE_COST)
        probe = Probe(self.base, app.address, app.client_id, secret.value, self.stats)
        probe.start()
        try:
            probe.first_ok.wait(30)
            if probe.error:
                raise Failure(f"probe of {app.client_id} {secret.description!r}: {probe.error}")
            page = delete()
            probe.deleted(page.returned)
        finally:
            probe.finish()
        refusals = sum(1 for r in probe.records if r[1] not in (200, 429))
        self.spend(app.client_id, app.address, refusals)
        if probe.error:
            raise Failure(f"probe of {app.client_id} {secret.description!r}: {probe.error}")

        p = self.stats.probe
        p["deletions probed"] += 1
        after_401 = 0
        for sent, status, error, _ in probe.records:
            after = sent >= page.returned
            if status == 200 and after:
                ms = (sent - page.returned) * 1000
                self.stats.violations.append(
                    f"{app.client_id} {secret.description!r}: token issued to a request sent {ms:.1f} ms "
                    "after the deletion returned")
            elif status == 200:
                p["200 before the deletion returned"] += 1
            elif status == 401 and error == "invalid_client":
                after_401 += after
                p["401 after the deletion returned" if after else "401 while the deletion was in flight"] += 1
            elif status == 429:
                p["429 (rate limited)"] += 1
            else:
                raise Failure(f"probe of {app.client_id}: {status} {error}")
        if after_401 == 0:  # only 429s after the deletion: ask again once the limit allows
            status, error = self.refused(app, secret)
            if (status, error) != (401, "invalid_client"):
                raise Failure(f"deleted secret of {app.client_id} answered {status} {error}, expected 401")
            p["401 after the deletion returned"] += 1
        if secret.token and self.active(secret.token):
            self.stats.violations.append(
                f"{app.client_id} {secret.description!r}: a token it obtained is still active after deletion")

    def delete_secret(self, app, secret, last=False):
        path = f"/apps/connected-apps/{app.client_id}/secrets/{secret.id}/delete"
        confirm = self.web.request("GET", path).body
        if ('name="confirm_last"' in confirm) != last:
            raise Failure(f"{path}: the last-secret confirmation is {'missing' if last else 'shown'}")
        fields = {"csrf_token": self.web.csrf(path, confirm), **({"confirm_last": "yes"} if last else {})}

        def delete():
            page = self.web.request("POST", path, fields, expect=(303,))
            if page.location != f"/apps/connected-apps/{app.client_id}":
                raise Failure(f"deleting a secret redirected to {page.location!r}")
            return page

        self.probed(app, secret, delete)
        app.secrets.remove(secret)
        if f"/secrets/{secret.id}/delete" in self.app_page(app.client_id).body:
            raise Failure(f"deleted secret {secret.id} is still listed on {app.client_id}'s page")
        self.stats.ops["secrets deleted (last of their app)" if last else "secrets deleted"] += 1

    def delete_app(self, app):
        path = f"/apps/connected-apps/{app.client_id}/delete"
        fields = {"csrf_token": self.web.csrf(path)}

        def delete():
            page = self.web.request("POST", path, fields, expect=(303,))
            if page.location != "/apps/connected-apps":
                raise Failure(f"deleting an app redirected to {page.location!r}")
            return page

        if app.secrets:
            self.probed(app, app.secrets[0], delete)
        else:
            delete()
        self.web.request("GET", "/apps/connected-apps")
        self.app_page(app.client_id, expect=(404,))
        self.stats.ops["apps deleted"] += 1

    # -- the loop
    def cycle(self, tag, i, kept, load_app, rotate_load):
        code = f"SOAK{tag}{i}"
        app = self.create_app(code, f"Soak {code}", "DontRetrieve", SCOPE_SETS[i % 4], f"{code} first",
                              self.address(20 if tag != "W" else 10, i))
        self.obtain_token(app, app.secrets[0])
        self.edit_app(app, f"Soak {code} edited", "Retrieve", SCOPE_SETS[(i + 1) % 4])
        self.edit_app(load_app, f"Soak load {tag}{i}", ("Retrieve", "DontRetrieve")[i % 2],
                      LOAD_SCOPE_SETS[i % 2])
        second = self.add_secret(app, f"{code} second")
        self.obtain_token(app, second)
        self.delete_secret(app, app.secrets[0])  # rotation: the first secret goes
        if i % 3 == 0:
            self.delete_secret(app, second, last=True)
            self.delete_app(app)
        elif i % 3 == 1:
            self.delete_app(app)  # probed with its remaining secret
        else:
            kept.append(app)
            if len(kept) > KEEP_APPS:
                self.delete_app(kept.pop(0))
        # A second secret on the load's own app, added and deleted while the load runs on the first.
        # Its client ID has 10 argon2 runs a minute: only when that budget has room right now.
        if rotate_load and self.reserve(load_app.client_id, load_app.address, 1 + PROBE_COST, optional=True):
            extra = self.add_secret(load_app, f"load extra {tag}{i}")
            self.obtain_token(load_app, extra)
            self.delete_secret(load_app, extra)
            self.stats.ops["load app rotations"] += 1
        self.web.request("GET", "/apps/connected-apps")
        if i % 5 == 0:
            self.web.request("GET", "/apps/connected-apps?q=soak&sort=name")
            self.web.request("GET", "/activity")


def setup(env, out):
    stats = Stats()
    admin = Admin(env, stats)
    admin.web.sign_in(admin.email, admin.password)
    app = admin.create_app("SOAKLOAD", "Soak load", "DontRetrieve", LOAD_SCOPE_SETS[0], "load", "127.0.0.1")
    admin.load = (app.client_id, app.secrets[0].value)
    admin.obtain_token(app, app.secrets[0])
    with open(os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
        f.write(f"CLIENT_ID={app.client_id}\nCLIENT_SECRET={app.secrets[0].value}\n")


def run(env):
    stats = Stats()
    admin = Admin(env, stats)
    duration, tag = float(env["SOAK_DURATION"]), env["SOAK_TAG"]
    load_id = env["SOAK_LOAD_CLIENT_ID"]
    admin.load = (load_id, env["SOAK_LOAD_SECRET"])
    load_app = App(load_id, "Soak load", admin.address(20 if tag != "W" else 10, 62_000))
    started = time.monotonic()
    admin.web.sign_in(admin.email, admin.password)
    # A steady pace rather than as fast as the machine allows: the same work on a fast or a slow (or
    # busy) machine, so what the run does to memory does not depend on how idle the CPUs were.
    pace = float(env.get("SOAK_CYCLE_SECONDS", "1"))
    kept, cycles = [], 0
    while len(stats.failures) < 20:
        begin = max(started + cycles * pace, time.monotonic())
        if begin - started >= duration:
            break
        time.sleep(max(0.0, begin - time.monotonic()))
        try:
            admin.cycle(tag, cycles, kept, load_app, env.get("SOAK_WARMUP") != "1")
        except Failure as e:
            stats.failures.append(f"cycle {cycles}: {e}")
        except Exception as e:  # a bug here must not lose the report: it fails the run all the same
            stats.failures.append(f"cycle {cycles}: {type(e).__name__}: {e}")
        cycles += 1
    elapsed = time.monotonic() - started
    report(stats, cycles, elapsed, admin.many_addresses, env["SOAK_SUMMARY"])
    return stats


def report(stats, cycles, elapsed, many_addresses, path):
    p = stats.probe

    def counts(c):
        return ", ".join(f"{k} x{v}" for k, v in sorted(c.items())) or "none"

    def pct(q):
        ms = sorted(stats.dashboard_ms)
        return f"{ms[min(len(ms) - 1, int(q * len(ms)))]:.1f}" if ms else "?"

    lines = [
        f"admin:        {cycles} cycles in {elapsed:.0f} s ({'one loopback address per app' if many_addresses else 'all from 127.0.0.1'})",
        "  operations: " + ", ".join(f"{v} {k}" for k, v in stats.ops.items()),
        f"  dashboard:  {sum(stats.dashboard.values())} responses ({counts(stats.dashboard)}), "
        f"p50 {pct(0.5)} ms, p99 {pct(0.99)} ms",
        f"  oauth:      {sum(stats.oauth.values())} token/introspection responses to the admin and probes ({counts(stats.oauth)})",
        f"  5xx:        {len(stats.server_errors)}",
        f"  failures:   {len(stats.failures)}",
        f"deleted-secret probe: {p['deletions probed']} deletions probed; before the deletion returned: "
        f"{p['200 before the deletion returned']} x 200, {p['401 while the deletion was in flight']} x 401 (sent while it was in flight); "
        f"after: {p['401 after the deletion returned']} x 401 invalid_client; "
        f"{p['429 (rate limited)'] + p['429 after deletion'] + p['429 on a new secret']} x 429; "
        f"waited {stats.budget_wait:.0f} s for rate-limit room",
        f"  violations: {len(stats.violations)}",
    ]
    lines += [f"  5xx: {e}" for e in stats.server_errors[:10]]
    lines += [f"  FAILURE: {e}" for e in stats.failures[:10]]
    lines += [f"  VIOLATION: {v}" for v in stats.violations[:10]]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def main():
    env = os.environ
    if sys.argv[1:2] == ["setup"] and len(sys.argv) == 3:
        try:
            setup(env, sys.argv[2])
        except Failure as e:
            sys.exit(f"setup: {e}")
        return
    if sys.argv[1:] != ["run"]:
        sys.exit(__doc__)
    stats = run(env)
    ok = not (stats.server_errors or stats.failures or stats.violations or not stats.probe["deletions probed"])
    print(f"ADMIN_RESULT ok={int(ok)} server_errors={len(stats.server_errors)} failures={len(stats.failures)} "
          f"violations={len(stats.violations)} deletions_probed={stats.probe['deletions probed']}")


if __name__ == "__main__":
    main()
