"""`python -m frontdesk` and the `frontdesk` command: the collector is paused before the first
import of the command's code (see `frontdesk.kit.collector`)."""

from __future__ import annotations

from frontdesk.kit import collector


def main() -> None:
    collector.pause()
    from frontdesk.cli import main as run

    run()


if __name__ == "__main__":
    main()
