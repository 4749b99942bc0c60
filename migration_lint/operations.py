"""The operation classes Django ships, by the normalised path the parser gives them."""

from __future__ import annotations

DJANGO_OPERATIONS = frozenset(
    f"django.db.migrations.{name}"
    for name in (
        "CreateModel DeleteModel RenameModel AlterModelTable AlterModelTableComment "
        "AlterUniqueTogether AlterIndexTogether AlterOrderWithRespectTo AlterModelOptions "
        "AlterModelManagers AddField RemoveField AlterField RenameField AddIndex RemoveIndex "
        "RenameIndex AddConstraint RemoveConstraint AlterConstraint RunSQL RunPython "
        "SeparateDatabaseAndState"
    ).split()
)

POSTGRES_OPERATIONS = frozenset(
    f"django.contrib.postgres.operations.{name}"
    for name in (
        "CreateExtension BloomExtension BtreeGinExtension BtreeGistExtension CITextExtension "
        "CryptoExtension HStoreExtension TrigramExtension UnaccentExtension "
        "AddIndexConcurrently RemoveIndexConcurrently CreateCollation RemoveCollation "
        "AddConstraintNotValid ValidateConstraint"
    ).split()
)

KNOWN_OPERATIONS = DJANGO_OPERATIONS | POSTGRES_OPERATIONS
