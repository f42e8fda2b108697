"""`python -m bot` is the same as the `dutybot` command."""

import sys

from bot.cli import main

sys.exit(main())
