"""``python -m skadv``: the same command line as the ``skadv`` script."""

import sys

from skadv._cli import main

if __name__ == "__main__":
    sys.exit(main())
