"""GitHub integration: the sticky pull-request comment and helpers for ``action.yml``.

PyGithub is an optional dependency (the ``[github]`` extra): nothing in the linter itself,
nor the pre-commit hook, needs it, so it is imported only when a GitHub feature runs.
"""
