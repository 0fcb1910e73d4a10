"""A reviewer that fails (no API key, say)."""
import sys
print("error: OPENAI_API_KEY is not set", file=sys.stderr)
sys.exit(3)
