"""`python -m devstack ...` is the same as the `claimbot` command."""

import sys

from devstack.cli import main

sys.exit(main())
