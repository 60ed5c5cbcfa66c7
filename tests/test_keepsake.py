"""Tests for cnnlab.keepsake: tokens, and the bounded store that keeps a tab's state for a reload."""

import json
import time

import numpy as np
import pytest

from cnnlab import keepsake


def alive_none(_session_id: str) -> bool:
    return False


def test_tokens_are_unguessable_and_recognised():
    tokens = {keepsake.new_token() for _ in range(100)}
    assert len(tokens) == 100
    assert all(keepsake.looks_like_token(token) and len(token) >= 22 for token in tokens)


@pytest.mark.parametrize("text", [None, "", "short", "has spaces in it here!", "a" * 65, "<script>alert(1)</script>"])
def test_junk_in_the_address_is_not_a_token(text):
    assert not keepsake.looks_like_token(text)


def test_a_reload_takes_back_what_was_saved():
    store = keepsake.StateStore()
    image = np.ones((28, 28), np.float32)
    store.remember("token-aaaaaaaaaaaaaaaa", {"input_image": image, "toy_step": 4}, owner="first")
    taken = store.take("token-aaaaaaaaaaaaaaaa", owner="second", owner_alive=alive_none)
    assert taken["toy_step"] == 4 and taken["input_image"] is image
    assert store.take("token-bbbbbbbbbbbbbbbb", owner="second", owner_alive=alive_none) is None


def test_saving_merges_so_values_of_pages_not_shown_stay_until_overwritten():
    store = keepsake.StateStore()
    store.remember("t" * 22, {"toy_step": 4, "input_label": "your drawing"}, owner="one")
    store.remember("t" * 22, {"input_label": None}, owner="one")
    assert store.take("t" * 22, "one", alive_none) == {"toy_step": 4, "input_label": None}


def test_a_token_still_held_by_a_connected_tab_is_not_taken_over():
    store = keepsake.StateStore()
    store.remember("shared-link-token-xxxxx", {"toy_step": 2}, owner="teacher")
    assert store.take("shared-link-token-xxxxx", "student", lambda session: session == "teacher") is None
    assert store.take("shared-link-token-xxxxx", "teacher", lambda session: session == "teacher") == {"toy_step": 2}
    assert store.holder_alive("shared-link-token-xxxxx", lambda session: session == "teacher")
    assert not store.holder_alive("unknown-token-xxxxxxxxx", lambda session: True)


def test_the_least_recently_used_records_go_first_when_full():
    store = keepsake.StateStore(max_records=3)
    for number in range(3):
        store.remember(f"token-{number:016d}", {"toy_step": number}, owner=str(number))
    store.take("token-0000000000000000", "0", alive_none)  # used again: now the most recent
    store.remember("token-0000000000000003", {"toy_step": 3}, owner="3")
    assert len(store) == 3
    assert store.take("token-0000000000000001", "1", alive_none) is None
    assert store.take("token-0000000000000000", "0", alive_none) == {"toy_step": 0}


def test_records_expire_after_their_time():
    store = keepsake.StateStore(ttl_seconds=0.05)
    store.remember("token-expiring-xxxxxxx", {"toy_step": 1}, owner="one")
    time.sleep(0.1)
    assert store.take("token-expiring-xxxxxxx", "one", alive_none) is None
    assert len(store) == 0


def test_a_record_too_large_is_not_kept_and_the_total_is_bounded():
    store = keepsake.StateStore(max_bytes=10_000, max_total_bytes=25_000)
    assert not store.remember("token-too-large-xxxxxx", {"input_image": np.zeros(20_000, np.uint8)}, owner="one")
    assert store.take("token-too-large-xxxxxx", "one", alive_none) is None
    for number in range(5):
        assert store.remember(f"token-{number:016d}", {"input_image": np.zeros(8_000, np.uint8)}, owner=str(number))
    assert len(store) == 3 and store.total_bytes <= 25_000


def test_sizes_count_array_data_and_model_weights():
    class Model:
        def count_params(self):
            return 1_000

    assert keepsake.approximate_size(np.zeros((28, 28), np.float32)) == 28 * 28 * 4
    assert keepsake.approximate_size({"model": Model()}) == len("model") + 4_000
    drawing = {"objects": [{"path": [["M", 1.5, 2], ["L", 30.25, 4]]}]}
    text = '{"objects":[{"path":[["M",1.5,2],["L",30.25,4]]}]}'
    assert keepsake.approximate_size(drawing) == keepsake.PLAIN_DATA_FACTOR * len(text)
    mixed = {"drawing": drawing, "image": np.zeros(10, np.uint8)}
    assert keepsake.approximate_size(mixed) == len("drawing") + keepsake.approximate_size(drawing) + len("image") + 10
    deeper = [drawing, [np.zeros(10, np.uint8), Model()]]  # not plain data further down: summed part by part
    assert keepsake.approximate_size(deeper) == keepsake.approximate_size(drawing) + 10 + 4_000


def test_a_long_drawing_is_sized_from_a_sample_close_to_its_whole_json():
    rng = np.random.default_rng(0)

    def stroke(points: int) -> dict:
        path = [["M", *np.round(rng.random(2) * 280, 3).tolist()]]
        path += [["Q", *np.round(rng.random(4) * 280, 3).tolist()] for _ in range(points)]
        return {"type": "path", "stroke": "#FFFFFF", "strokeWidth": 20, "path": path}

    drawing = {"objects": [stroke(int(points)) for points in rng.integers(20, 90, 40)]}
    whole = keepsake.PLAIN_DATA_FACTOR * len(json.dumps(drawing, separators=(",", ":")))
    assert 0.7 * whole <= keepsake.approximate_size(drawing) <= 1.3 * whole
    numbers = list(range(1000, 1100))
    sample = [numbers[int(index * 100 / keepsake.SAMPLE)] for index in range(keepsake.SAMPLE)]
    assert keepsake.approximate_size(numbers) == round(keepsake.approximate_size(sample) * 100 / keepsake.SAMPLE)
