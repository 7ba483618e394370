"""One loader per downstream dataset: ``load(data_path, mode) -> ImageSource`` (see datasets/catalog.py)."""
