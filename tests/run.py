#!/usr/bin/env python
"""
`make test`: run every test, twice: on SQLite, then on PostgreSQL. Arguments are passed to pytest.

The PostgreSQL pass runs in a throwaway cluster: initdb in a temporary directory, the server on a
Unix socket inside it (no TCP port, so parallel runs never collide), DATABASE_URL pointing at it,
everything removed afterwards. initdb refuses to run as root, so as root the cluster belongs to
the ``postgres`` user (``runuser -u postgres --``); a normal user runs it as itself. The server is
the newest installed major version: Debian's and Ubuntu's ``/usr/lib/postgresql/<major>/bin``,
else whatever ``initdb`` is on PATH; the pass says which. Without any, a root run installs the
distribution's ``postgresql`` package with apt-get; otherwise the pass fails and says how to get
it. TEST_DATABASES=sqlite (or postgres) runs one pass only.

Exits non-zero if either pass fails; "no tests collected" (5) counts as a failure, since a suite
that runs nothing proves nothing.
"""

import contextlib
import os
import pwd
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PG_ROOT = "/usr/lib/postgresql"  # Debian and Ubuntu: one <major>/bin per installed version
PG_PACKAGE = "postgresql"  # the distribution's default major version
PASSES = ("sqlite", "postgres")


class ClusterError(RuntimeError):
    """The throwaway PostgreSQL cluster could not be set up."""


def run_pytest(args, env=None):
    return subprocess.call([sys.executable, "-m", "pytest", *args], cwd=ROOT, env=env)


def _run(cmd, as_user=None, **kwargs):
    if as_user:
        cmd = ["runuser", "-u", as_user, "--", *cmd]
    result = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    if result.returncode:
        raise ClusterError(f"{' '.join(cmd)} failed ({result.returncode}):\n{result.stdout}{result.stderr}")
    return result


def _major(bindir):
    """The major version of the initdb in ``bindir`` ("15", "17"), from ``initdb --version``."""
    result = _run([os.path.join(bindir, "initdb"), "--version"])
    words = result.stdout.split()
    return words[-1].split(".")[0] if words else "?"


def find_postgres():
    """(bindir, major version) of the newest installed initdb, or None: PG_ROOT's versions, then PATH."""
    versions = []
    if os.path.isdir(PG_ROOT):
        for name in os.listdir(PG_ROOT):
            bindir = os.path.join(PG_ROOT, name, "bin")
            if name.isdigit() and os.access(os.path.join(bindir, "initdb"), os.X_OK):
                versions.append((int(name), bindir))
    if versions:
        major, bindir = max(versions)
        return bindir, str(major)
    on_path = shutil.which("initdb")
    if on_path:
        bindir = os.path.dirname(os.path.realpath(on_path))
        return bindir, _major(bindir)
    return None


def ensure_postgres():
    """
    Return (bindir, major version) of initdb/pg_ctl, the newest installed; when there is none,
    install the distribution's ``postgresql`` with apt-get as root, else raise ClusterError.
    """
    found = find_postgres()
    if found:
        return found
    if os.geteuid() != 0:
        raise ClusterError(
            f"No PostgreSQL found (no {PG_ROOT}/<version>/bin/initdb, no initdb on PATH): install PostgreSQL "
            f"(Debian, Ubuntu: sudo apt-get install {PG_PACKAGE})."
        )
    print(f"Installing {PG_PACKAGE} with apt-get ...", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    _run(["apt-get", "update", "-q"], env=env)
    _run(["apt-get", "install", "-y", "-q", "--no-install-recommends", PG_PACKAGE], env=env)
    found = find_postgres()
    if not found:
        raise ClusterError(f"apt-get installed {PG_PACKAGE} but no initdb is to be found in {PG_ROOT} or on PATH.")
    return found


@contextlib.contextmanager
def postgres_cluster():
    """Start a throwaway cluster; yield (its DATABASE_URL, the major version); stop and remove it afterwards."""
    bindir, major = ensure_postgres()
    user = "postgres" if os.geteuid() == 0 else None
    tmp = tempfile.mkdtemp(prefix="deliverystore-pg-")
    if len(tmp) > 80:
        # A Unix socket path may not exceed 107 bytes: a long TMPDIR would break the server's socket.
        os.rmdir(tmp)
        tmp = tempfile.mkdtemp(prefix="deliverystore-pg-", dir="/tmp")
    data = os.path.join(tmp, "data")
    if user:
        pw = pwd.getpwnam(user)
        os.chown(tmp, pw.pw_uid, pw.pw_gid)
    started = False
    try:
        _run([f"{bindir}/initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"], as_user=user)
        # Durability is worthless for a cluster that is deleted in a minute: turn it off for speed.
        options = f"-k {tmp} -c listen_addresses= -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        log = os.path.join(tmp, "server.log")
        try:
            _run([f"{bindir}/pg_ctl", "-D", data, "-l", log, "-o", options, "-w", "-t", "60", "start"], as_user=user)
        except ClusterError as e:
            with contextlib.suppress(OSError), open(log) as f:
                raise ClusterError(f"{e}\n{f.read()[-3000:]}") from None
            raise
        started = True
        # Host = the socket directory: psycopg connects through <tmp>/.s.PGSQL.5432.
        yield f"postgres://postgres@/{tmp}/deliverystore", major
    finally:
        if started:
            with contextlib.suppress(ClusterError):
                _run([f"{bindir}/pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"], as_user=user)
        shutil.rmtree(tmp, ignore_errors=True)


def run_pass(name, args):
    """Run pytest for one database; return its exit status."""
    env = dict(os.environ)
    print(f"\n===== make test: pass {name} =====", flush=True)
    if name == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{os.path.join(ROOT, 'var', 'db.sqlite3')}"
        return run_pytest(args, env)
    try:
        with postgres_cluster() as (url, major):
            env["DATABASE_URL"] = url
            print(f"PostgreSQL {major} throwaway cluster: {url}", flush=True)
            return run_pytest(args, env)
    except ClusterError as e:
        print(f"PostgreSQL pass could not run: {e}", file=sys.stderr, flush=True)
        return 2


def main(argv):
    wanted = [p.strip() for p in os.environ.get("TEST_DATABASES", ",".join(PASSES)).split(",") if p.strip()]
    unknown = sorted(set(wanted) - set(PASSES))
    if unknown or not wanted:
        print(f"TEST_DATABASES={os.environ.get('TEST_DATABASES')!r}: use sqlite, postgres or both.", file=sys.stderr)
        return 2
    results = {name: run_pass(name, argv) for name in wanted}
    print("\n===== make test: summary =====")
    for name, status in results.items():
        print(f"{name:9} {'passed' if status == 0 else f'FAILED (exit status {status})'}")
    return next((status for status in results.values() if status), 0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
