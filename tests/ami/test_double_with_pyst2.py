"""An AMI client we did not write (pyst2's ``asterisk.manager``) talks to the AMI double.

The double is checked byte for byte against the transcripts elsewhere; this shows a
third-party client reads it as it would read Asterisk: login, Ping/Pong, Logoff, and a refused
login raised as an authentication failure.
"""

from __future__ import annotations

import asyncio
import contextlib

import asterisk.manager as pyst2_manager
import pytest

from ivr.sim.ami.server import AmiDouble


def _session(port: int, secret: str) -> list[str]:
    seen: list[str] = []
    manager = pyst2_manager.Manager()
    manager.connect("127.0.0.1", port)
    try:
        login = manager.login("ivr", secret)
        seen.append(f"login {login.get_header('Response')}")
        pong = manager.ping()
        seen.append(f"ping {pong.get_header('Response')} {pong.get_header('Ping')}")
        seen.append(f"logoff {manager.logoff().get_header('Response')}")
    except pyst2_manager.ManagerAuthException as exc:
        seen.append(f"refused {exc}")
    finally:
        with contextlib.suppress(pyst2_manager.ManagerException, OSError, ValueError):
            manager.close()  # pyst2 logs off again on close, after the double hung up
    return seen


@pytest.mark.parametrize(
    ("secret", "expected"),
    [
        ("s3cret", ["login Success", "ping Success Pong", "logoff Goodbye"]),
        ("wrong", ["refused Authentication failed"]),
    ],
)
async def test_pyst2_manager_reads_the_double_like_asterisk(
    secret: str, expected: list[str]
) -> None:
    double = AmiDouble(username="ivr", secret="s3cret", auth_failure_delay_s=0.05)
    port = await double.start()
    try:
        seen = await asyncio.get_running_loop().run_in_executor(None, _session, port, secret)
    finally:
        await double.stop()
    assert seen == expected
