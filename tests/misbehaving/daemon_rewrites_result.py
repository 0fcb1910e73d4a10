"""A double-forked setsid() daemon that outlives the grade, rewrites its JSON result for a few
seconds, then lives on as `sleep 424243`."""
import os
import time

from correct import add, check_positive  # noqa: F401

RESULT = "@RESULT@"  # filled in by tests/test_sandbox.py


def echo(x):
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            for _ in range(8):
                time.sleep(0.5)
                try:
                    with open(RESULT, "w") as f:
                        f.write('{"status": "passed", "forged": true}')
                except OSError:
                    pass
            os.execv("/bin/sleep", ["sleep", "424243"])
        os._exit(0)
    return x
