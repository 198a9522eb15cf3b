"""``python -m fuselearn.cli``: the same as the ``fuselearn`` console script."""

from . import main

if __name__ == "__main__":
    main()
