"""The tmpfs of ``gsomia bench faults`` (gsomia.web.fault_procs.Tmpfs): filled, a write
fails with ENOSPC; drained, it succeeds again (root only: mount)."""

from __future__ import annotations

import errno
import os

import pytest

from gsomia.web.fault_procs import Tmpfs, free_port


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tmpfs needs root")
def test_a_filled_tmpfs_refuses_writes_until_drained(tmp_path):
    fs = Tmpfs(tmp_path / "disk", 2).mount()
    try:
        written = fs.fill()
        assert 1 << 20 < written <= 2 << 20
        with pytest.raises(OSError) as exc, (fs.folder / "f").open("wb", buffering=0) as f:
            f.write(b"x" * 8192)
        assert exc.value.errno == errno.ENOSPC
        fs.drain()
        with (fs.folder / "g").open("wb", buffering=0) as f:
            assert f.write(b"x" * 8192) == 8192
    finally:
        fs.unmount()
    assert not fs.mounted and not (tmp_path / "disk" / "g").exists()


def test_free_port_is_a_bindable_port():
    import socket

    port = free_port()
    assert 0 < port < 65536
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))
