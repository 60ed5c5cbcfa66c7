"""Constants shared by the whole app: paths, image shape, class names, layer names."""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent
ASSETS_DIR = PROJECT_DIR / "assets"
MODELS_DIR = ASSETS_DIR / "models"
TOY_DIR = ASSETS_DIR / "toy"
EMBEDDED_DIR = ASSETS_DIR / "datasets"
LOCAL_DATA_DIR = PROJECT_DIR / "data"
DATA_DIR_ENV = "CNNLAB_DATA_DIR"
DEBIAN_FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")

IMAGE_SIZE = 28
IMAGE_SHAPE = (IMAGE_SIZE, IMAGE_SIZE, 1)
NUM_CLASSES = 10
DIGIT_BOX = 20

DATASET_NAMES = ("mnist", "fashion_mnist")
CLASS_NAMES = {
    "mnist": [str(digit) for digit in range(10)],
    "fashion_mnist": [
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ],
}

# The shipped models: key -> (file name, dataset it was trained on).
PRETRAINED = {
    "mnist": ("mnist_cnn.keras", "mnist"),
    "fashion_mnist": ("fashion_cnn.keras", "fashion_mnist"),
    "mnist_mlp": ("mnist_mlp.keras", "mnist"),
}
