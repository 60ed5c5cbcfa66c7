"""A small class at once: 5 browser sessions draw together on /draw (bench/load_test.py at CI size).

Every drawing must come back as "Prediction: <that digit>" with no exception box. The goal is a
95th percentile of 1.5 s from mouse-up to prediction; here the 5 browser pages run on the same
2 cores as the server (in a classroom every student has a computer), and on this machine 5
sessions do not stay under 1.5 s reliably (1.3 to 2.0 s measured), so the limit is 3 s.
`python bench/load_test.py --sessions 20` prints the full numbers and where the time goes.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from bench import load_test

SESSIONS = 5
STROKES = 4  # 20 drawings, so the 95th percentile is not simply the slowest one
P95_LIMIT_SECONDS = 3.0


def run_in_own_thread(coroutine):
    """Run a coroutine on a fresh event loop, away from the sync Playwright loop of the other browser tests."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def test_five_sessions_drawing_at_once_all_get_their_prediction_quickly(app_url):
    result = run_in_own_thread(load_test.run_load(app_url, sessions=SESSIONS, strokes=STROKES, baseline_strokes=1))
    summary = load_test.report(result, P95_LIMIT_SECONDS)
    print(summary)
    assert result.errors == [], summary
    assert len(result.latencies) == SESSIONS * STROKES, summary
    assert result.p95 <= P95_LIMIT_SECONDS, summary
