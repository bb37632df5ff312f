"""``python -m flyte_nb.cli``: the ``flyte-nb`` command where its script is not installed."""

import sys

from . import main

sys.exit(main())
