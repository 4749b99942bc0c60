"""django-migration-lint: a static linter and planner for Django migrations.

Nothing in this package imports Django or executes project code: migration files are
read with libcst and evaluated statically.
"""

__version__ = "0.1.0"
