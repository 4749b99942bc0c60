"""The operation classes Django ships, by the normalised path the parser gives them."""

from __future__ import annotations

#: The extension each ``CreateExtension`` subclass of ``django.contrib.postgres`` creates.
POSTGRES_EXTENSIONS = {
    "BloomExtension": "bloom",
    "BtreeGinExtension": "btree_gin",
    "BtreeGistExtension": "btree_gist",
    "CITextExtension": "citext",
    "CryptoExtension": "pgcrypto",
    "HStoreExtension": "hstore",
    "TrigramExtension": "pg_trgm",
    "UnaccentExtension": "unaccent",
}

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
