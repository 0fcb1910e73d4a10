"""A reviewer whose JSON misses an item and scores another out of range."""
import json
print(json.dumps({"items": [{"id": "clarity", "score": 7, "comment": "great"},
                            {"id": "errors", "score": 3, "comment": "ok"}], "overall": "fine"}))
