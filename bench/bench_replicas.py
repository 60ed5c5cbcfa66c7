"""Past one server: two `streamlit run` replicas behind HAProxy with cookie affinity, on 127.0.0.1.

The benchmark starts both replicas and HAProxy (Debian package `haproxy`; `apt-get install haproxy`),
then plays students with the protocol client (bench/st_protocol.py) through the proxy. Each student
first loads the page over HTTP, as a browser does, and gets HAProxy's affinity cookie; its websocket
carries the cookie, so HAProxy sends it to the same replica every time. The checks:

- students are spread over both replicas, and every drawing comes back as the digit drawn;
- a student whose websocket drops reconnects asking for its session: with the cookie it lands on
  its own replica and finds its session (its drawing still predicted); the session id is the same.

Streamlit keeps every session in the memory of the replica that opened it (session state, the
drawing, a trained model) and this app keeps its training line there too, so without affinity a
reconnect on the other replica starts from nothing.

Usage: python bench/bench_replicas.py [--students 20] [--drawings 5]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import server as servers  # noqa: E402
from bench import st_protocol  # noqa: E402

COOKIE = "CNNLAB_REPLICA"
CONFIG = """global
    maxconn 2000
defaults
    mode http
    timeout connect 5s
    timeout client 120s
    timeout server 120s
    timeout tunnel 2h
frontend classroom
    bind 127.0.0.1:{port}
    default_backend replicas
backend replicas
    balance roundrobin
    cookie {cookie} insert indirect nocache
    option httpchk GET /_stcore/health
{servers}
"""


def start_proxy(replicas: list[servers.Server], folder: Path) -> tuple[subprocess.Popen, str]:
    """Start HAProxy in the foreground on a free 127.0.0.1 port, in front of the replicas."""
    port = servers.free_port()
    lines = [f"    server replica{i} 127.0.0.1:{r.port} cookie replica{i} check" for i, r in enumerate(replicas, 1)]
    config = folder / "haproxy.cfg"
    config.write_text(CONFIG.format(port=port, cookie=COOKIE, servers="\n".join(lines)))
    proxy = subprocess.Popen(
        ["haproxy", "-db", "-f", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    servers.wait_for_health(url, proxy, timeout=30)
    return proxy, url


def affinity_cookie(url: str) -> str:
    """Load the app's page over HTTP as a browser does and return the proxy's affinity cookie."""
    with urllib.request.urlopen(f"{url}/draw", timeout=30) as answer:
        for header in answer.headers.get_all("Set-Cookie") or []:
            if header.startswith(f"{COOKIE}="):
                return header.split(";", 1)[0]
    raise RuntimeError("the proxy set no affinity cookie")


async def student_through_proxy(url: str, index: int, digits, drawings: int) -> dict:
    student = st_protocol.Student(url, f"student {index}")
    student.affinity_cookie = await asyncio.to_thread(affinity_cookie, url)
    await student.open("draw")
    times, wrong = [], 0
    for number in range(drawings):
        digit, image = digits[(index + number) % len(digits)]
        seconds, predicted = await st_protocol.draw(student, image)
        times.append(seconds)
        wrong += predicted != str(digit)
    session = student.session_id
    await student.reconnect()
    resumed = student.session_id == session and student.find("Prediction:") is not None
    await student.close()
    return {"replica": student.affinity_cookie.split("=", 1)[1], "times": times, "wrong": wrong,
            "resumed": resumed, "errors": student.errors}  # fmt: skip


async def class_(url: str, students: int, drawings: int) -> list[dict]:
    digits = st_protocol.drawn_digits(2)
    return await asyncio.gather(*(student_through_proxy(url, i, digits, drawings) for i in range(students)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=20)
    parser.add_argument("--drawings", type=int, default=5)
    arguments = parser.parse_args()
    if shutil.which("haproxy") is None:
        print("HAProxy is needed: apt-get install haproxy")
        return 1
    print(f"load average before: {servers.load_average()}")
    replicas, proxy = [], None
    with tempfile.TemporaryDirectory() as folder:
        try:
            replicas = [servers.start(), servers.start()]
            proxy, url = start_proxy(replicas, Path(folder))
            for replica in replicas:
                asyncio.run(st_protocol.warm_up(replica.url))
            started = time.perf_counter()
            results = asyncio.run(class_(url, arguments.students, arguments.drawings))
            seconds = time.perf_counter() - started
            rss = [replica.rss_mb() for replica in replicas]
        finally:
            if proxy is not None:
                proxy.terminate()
                proxy.wait(timeout=10)
            for replica in replicas:
                replica.stop()
    spread = collections.Counter(result["replica"] for result in results)
    times = sorted(t for result in results for t in result["times"])
    wrong = sum(result["wrong"] for result in results)
    resumed = sum(result["resumed"] for result in results)
    errors = [error for result in results for error in result["errors"]]
    print(f"{arguments.students} students through HAProxy in {seconds:.1f} s: per replica {dict(spread)}")
    print(f"  drawings {len(times)}, wrong {wrong}, errors {len(errors)}; median {statistics.median(times):.3f} s, "
          f"p95 {times[int(0.95 * (len(times) - 1))]:.3f} s")  # fmt: skip
    print(f"  reconnected to their own session after a dropped websocket: {resumed} of {len(results)}")
    print(f"  replica RSS at the end: {', '.join(f'{mb:.0f} MB' for mb in rss)}")
    passed = len(spread) == 2 and wrong == 0 and not errors and resumed == len(results)
    print(f"goal: both replicas used, every session kept on its replica: {'PASS' if passed else 'FAIL'}")
    print(f"load average after: {servers.load_average()}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
