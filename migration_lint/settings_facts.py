"""The few Django settings that change how migrations load, known without importing them.

They come from the project's settings module (read statically by :mod:`migration_lint.config`)
and from ``[tool.migration-lint]``; the loader and the state replay only read this object.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SettingsFacts:
    """Settings that matter to the migration machinery.

    ``values`` holds other string settings (``WAGTAILIMAGES_IMAGE_MODEL``...) that a
    ``swappable_dependency(settings.X)`` may name. ``migration_modules`` maps an app label to
    a dotted module path, or to ``None`` for an app whose migrations are disabled.
    ``installed_apps`` is ``None`` when unknown (every app found on disk counts as installed).
    """

    auth_user_model: str = "auth.User"
    migration_modules: dict[str, str | None] = field(default_factory=dict)
    installed_apps: tuple[str, ...] | None = None
    default_auto_field: str = "django.db.models.AutoField"
    values: dict[str, str] = field(default_factory=dict)

    def setting(self, name: str) -> str | None:
        """The value of a string setting, or ``None`` when it is not known."""
        if name == "AUTH_USER_MODEL":
            return self.auth_user_model
        return self.values.get(name)
