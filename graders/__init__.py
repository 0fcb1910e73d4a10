"""The grading engine of the kata gym: manifest, static check, isolated worker, pytest plugin, reports.

Nothing here imports a learner's solution: that happens only in `graders.worker`, in a
subprocess (see `graders.session`).
"""
