"""A reviewer that answers well, in a ```json fence with prose around it, as LLMs often do; it checks
that the request carries the rubric, the grade and the solution."""
import json
import sys

request = sys.stdin.read()
assert "`clarity`: Clear code" in request and "hidden tests passed" in request and "def check_positive" in request
items = [{"id": i, "score": s, "comment": f"{i} is fine."} for i, s in
         (("clarity", 4), ("errors", 3), ("dtypes", 4), ("api", 2))]
print("Here is my review:\n```json\n" + json.dumps({"items": items, "overall": "A tidy solution."}) + "\n```")
