"""``python -m skl_softmax``: the command-line main job."""

import sys

from ._cli import main

if __name__ == "__main__":
    sys.exit(main())
