"""Side-by-side speed and memory of autodiff and its peers; run with ``make bench``."""
