"""A reviewer that only records that it was run (in the file named by REVIEWER_CALLED), then fails."""
import os
import sys

with open(os.environ["REVIEWER_CALLED"], "a") as f:
    f.write("called\n")
sys.exit(9)
