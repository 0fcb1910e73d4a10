"""The grading engine of the kata gym: manifest, static check, OS sandbox, isolated worker, pytest
plugin, reports, the drill loop and CI; each kata's answer key in `graders.keys`.

Nothing here imports a learner's solution: that happens only in `graders.kataworker` (the worker's
standalone package), in a separate process inside the sandbox (see `graders.session`).
"""
