"""Run every benchmark and print a Markdown table to paste into docs/benchmarks.md."""

from __future__ import annotations

import asyncio
import platform
import sys
from datetime import UTC, datetime

from benchmarks import (
    command_path,
    credit_settle,
    export_ledger,
    fanout,
    history,
    planner_tick,
    signup_burst,
    statement_cost,
    tap_storm,
)


def main() -> int:
    """Print the machine, the date and each benchmark's table."""
    print(f"# {datetime.now(UTC):%Y-%m-%d} on {platform.node()} ({platform.machine()}, "
          f"{platform.processor() or 'cpu'}), Python {sys.version.split()[0]}\n")
    # The district's four (issue 14): the command path, a tap storm, fan-out, history.
    asyncio.run(command_path.main())
    asyncio.run(statement_cost.main())  # why the command path is where it is
    asyncio.run(tap_storm.main())
    asyncio.run(fanout.main())  # PostgreSQL rows need DUTYBOT_BENCH_DATABASE_URL or a local one
    asyncio.run(history.main())
    asyncio.run(signup_burst.main())
    asyncio.run(planner_tick.main())
    asyncio.run(credit_settle.main())
    asyncio.run(export_ledger.main())  # about ten minutes: it seeds 250,000 records
    return 0


if __name__ == "__main__":
    sys.exit(main())
