"""A reviewer that answers in prose, with no JSON at all."""
print("Looks good to me! 9/10")
