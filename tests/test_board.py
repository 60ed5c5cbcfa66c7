"""cnnlab.board: what a shared run keeps, the bound, the order, clearing, and many sessions at once."""

import threading

import pytest

from cnnlab import board, builder, training


@pytest.fixture(scope="module")
def finished():
    settings = training.default_settings(epochs=2, max_train_examples=128, batch_size=64, seed=4)
    run = training.TrainingRun(settings, training.SlotPool(1))
    run.start()
    assert run.join(180) and run.result() is not None
    return run


def test_a_post_keeps_the_curves_and_results_but_no_model(finished):
    post = board.post_of(finished, "  group B  ", 3)
    progress = finished.progress()
    assert post.label == "#3 group B"
    assert post.curves["val_accuracy"] == progress.val_accuracy and len(post.curves["epoch_loss"]) == 2
    assert post.test_accuracy == finished.result().test_accuracy
    assert post.weights == builder.plan(builder.from_preset(finished.settings.preset)).weights
    assert post.seed == 4 and post.epochs == 2
    assert not any(hasattr(value, "predict") for value in vars(post).values())


def test_a_run_without_a_result_cannot_be_shared():
    run = training.TrainingRun(training.default_settings(), training.SlotPool(1))
    with pytest.raises(ValueError, match="Only a run that was tested"):
        board.post_of(run, "x")


def test_the_board_keeps_the_newest_posts_and_clears(finished):
    class_board = board.ClassBoard(max_posts=3)
    for name in "abcde":
        class_board.share(finished, name)
    assert [post.label for post in class_board.posts()] == ["#3 c", "#4 d", "#5 e"]
    class_board.clear()
    assert class_board.posts() == []
    assert class_board.share(finished, "").label == "#6 run"


def test_many_sessions_share_at_once_without_losing_a_number(finished):
    class_board = board.ClassBoard(max_posts=100)
    threads = [threading.Thread(target=class_board.share, args=(finished, f"g{index}")) for index in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(post.number for post in class_board.posts()) == list(range(1, 21))


def test_board_rows_put_the_best_first(finished):
    posts = [board.post_of(finished, name, number) for number, name in enumerate("ab", start=1)]
    worse = board.Post(**{**vars(posts[0]), "test_accuracy": 0.1, "number": 9, "name": "worse"})
    rows = board.board_rows([worse, *posts])
    assert [row["run"] for row in rows][-1] == "#9 worse"
    assert rows[0]["test accuracy"] == f"{finished.result().test_accuracy:.4f}"
