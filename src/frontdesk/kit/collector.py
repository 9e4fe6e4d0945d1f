"""The cyclic garbage collector around start-up.

Starting the server imports the whole application: a few hundred thousand objects (modules,
classes, mapped tables, validators) that live as long as the process. Collections while they are
created find almost nothing to free and cost about a fifth of the start, and a full collection
afterwards costs as much again. The `frontdesk` command pauses the collector before its first
import; once start-up is done, `settle` moves what it loaded out of the collector's way (so later
full collections, which stop the event loop for their length, stay short) and resumes collecting.
"""

from __future__ import annotations

import gc


def pause() -> None:
    gc.disable()


def settle(*, long_lived: bool = False) -> None:
    """Start-up is over. When the collector was paused, what is loaded now (with the little
    garbage start-up left: collecting it would cost the full collection `pause` avoided) is kept
    out of later collections, and collecting resumes. A `long_lived` process whose collector was
    never paused (a server started by another command) collects once and does the same."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()
    elif long_lived:
        gc.collect()
        gc.freeze()
