"""Allow ``python -m migration_lint``."""

from migration_lint.cli import main

main()
