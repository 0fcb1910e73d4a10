"""A reviewer that quotes the request's JSON template (in a fence), then answers with a real verdict."""
import json
import sys

request = sys.stdin.read()
template = request[request.index("of exactly this form:") + len("of exactly this form:"):].strip()
items = [{"id": i, "score": s, "comment": f"{i} is fine."} for i, s in
         (("clarity", 3), ("errors", 3), ("dtypes", 4), ("api", 2))]
print(f"The form you asked for:\n```json\n{template}\n```\nMy review:\n```json\n"
      + json.dumps({"items": items, "overall": "Solid."}) + "\n```")
