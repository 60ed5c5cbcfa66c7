"""Training a network: settings, a pool of slots, a run in its own thread, its test, the terminal command.

- settings: TrainingSettings, the named recipes, the dataset choices.
- schedules: the learning rate over a run, and batches per call into TensorFlow.
- slots: SlotPool, at most a few runs at once on one server.
- plan: the images, the compiled model and its input pipeline for a run.
- run: TrainingRun and its Progress snapshots.
- divergence: catching a loss that blows up or stays at guessing.
- evaluation: testing a trained model, saving it.
- __main__: `python -m cnnlab.training --recipe fast --dataset mnist --source full`.
"""

from cnnlab.training.divergence import AT_CHANCE, BLOWN_UP, NOT_A_NUMBER, explain
from cnnlab.training.evaluation import Predictions, TrainingResult, evaluate, model_bytes
from cnnlab.training.plan import Plan, prepare
from cnnlab.training.run import ACTIVE_STATES, Progress, TrainingRun
from cnnlab.training.settings import (
    RECIPES,
    SCHEDULES,
    SOURCES,
    TrainingSettings,
    control_values,
    dataset_choices,
    default_settings,
    missing_full_sets,
    preset_settings,
    recipe_settings,
    settings_from_controls,
)
from cnnlab.training.slots import SLOTS_ENV, SlotPool

__all__ = [
    "ACTIVE_STATES",
    "AT_CHANCE",
    "BLOWN_UP",
    "NOT_A_NUMBER",
    "RECIPES",
    "SCHEDULES",
    "SLOTS_ENV",
    "SOURCES",
    "Plan",
    "Predictions",
    "Progress",
    "SlotPool",
    "TrainingResult",
    "TrainingRun",
    "TrainingSettings",
    "control_values",
    "dataset_choices",
    "default_settings",
    "evaluate",
    "explain",
    "missing_full_sets",
    "model_bytes",
    "preset_settings",
    "prepare",
    "recipe_settings",
    "settings_from_controls",
]
