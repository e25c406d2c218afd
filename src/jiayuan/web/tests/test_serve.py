"""``jiayuan serve``: each server gets its own gunicorn control socket under ``var/``
(issue 11, finding 14). gunicorn 25+ opens a control socket for ``gunicornc`` at one
path per user by default, so a second server of the same user took over the first
one's socket."""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from jiayuan.cli import control_socket_path, gunicorn_argv


@pytest.fixture
def short_dir():
    """A directory whose path leaves room for a unix socket name (at most 107 bytes):
    pytest's ``tmp_path`` under a CI lane's own TMPDIR is too deep for one, and the
    server would then rightly run without a control socket."""
    path = Path(tempfile.mkdtemp(prefix="jy-serve-", dir="/tmp"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _option(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]


def test_the_argv_has_one_control_socket_per_bind_under_var(short_dir):
    tmp_path = short_dir
    a = gunicorn_argv("127.0.0.1:8000", 3, tmp_path)
    b = gunicorn_argv("127.0.0.1:8001", 3, tmp_path)
    c = gunicorn_argv("[::1]:8000", 3, tmp_path)
    assert _option(a, "--control-socket") == str(tmp_path.resolve() / "gunicorn-127.0.0.1-8000.ctl")
    assert _option(b, "--control-socket") == str(tmp_path.resolve() / "gunicorn-127.0.0.1-8001.ctl")
    assert _option(c, "--control-socket") == str(tmp_path.resolve() / "gunicorn-1-8000.ctl")
    assert "--no-control-socket" not in a
    assert _option(a, "--bind") == "127.0.0.1:8000" and _option(a, "--workers") == "3"


def test_a_var_dir_too_deep_for_a_unix_socket_turns_the_control_socket_off(tmp_path):
    deep = tmp_path / ("d" * 120)
    assert control_socket_path("127.0.0.1:8000", deep) is None
    argv = gunicorn_argv("127.0.0.1:8000", 2, deep)
    assert "--no-control-socket" in argv and "--control-socket" not in argv


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _control_answers(path: Path) -> bool:
    try:
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(0.5)
            s.connect(str(path))
            return True
    except OSError:
        return False


def test_two_servers_on_two_ports_both_start_each_with_its_own_control_socket(short_dir):
    tmp_path = short_dir
    var = tmp_path / "var"
    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "JIAYUAN_VAR_DIR": str(var), "HOME": str(home), "JIAYUAN_ENV": "demo"}
    env.pop("XDG_RUNTIME_DIR", None)
    ports = [_free_port(), _free_port()]
    while ports[1] == ports[0]:
        ports[1] = _free_port()
    script = Path(sys.executable).with_name("jiayuan")
    procs = [subprocess.Popen([str(script), "serve", "--bind", f"127.0.0.1:{p}", "--workers", "1"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
             for p in ports]
    sockets = [var / f"gunicorn-127.0.0.1-{p}.ctl" for p in ports]
    try:
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            if all(_accepts(p) for p in ports) and all(_control_answers(s) for s in sockets):
                break
            assert all(proc.poll() is None for proc in procs), [proc.stderr.read().decode() for proc in procs
                                                                if proc.poll() is not None]
            time.sleep(0.3)
        assert [_accepts(p) for p in ports] == [True, True]
        assert [_control_answers(s) for s in sockets] == [True, True]
        # Nothing at gunicorn's shared per-user default.
        assert not (home / ".gunicorn" / "gunicorn.ctl").exists()
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
