"""``python -m anpr_ops`` runs the ``anpr-ops`` command line."""

import sys

from anpr_ops.cli import main

sys.exit(main())
