"""A reviewer that quotes the request's JSON template inside a longer answer, and gives no verdict of its own."""
import sys

request = sys.stdin.read()
template = request[request.index("of exactly this form:") + len("of exactly this form:"):].strip()
print(f"You asked me to reply in this form:\n\n{template}\n\nI cannot see enough of the code to score it, sorry.")
