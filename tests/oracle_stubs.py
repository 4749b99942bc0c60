"""Permissive stand-ins for modules that are not installed, so Django can load real histories.

The corpus tests (``tests/test_corpora.py``) hand Django's *real* migration loader the *real*
migration files of packages such as wagtail or pretix, without installing those packages. Their
migration files import things like ``wagtail.fields``, ``taggit.managers`` or the app's own
``models`` module. :func:`install` makes every such import resolve:

* a meta-path finder, appended *after* the normal finders, answers every import that nothing
  else can satisfy with a :class:`StubModule`. ``django`` / ``django.*`` are never stubbed (a
  broken Django import must surface as a real error), and neither is anything with a
  ``migrations`` component: Django decides "migrated or not" from whether ``app.migrations``
  imports, and a stub there would turn an unmigrated app into a migrated one;
* GeoDjango needs the GDAL and GEOS C libraries; where they are missing (as on the test
  machines), ``django.contrib.gis.*`` is stubbed too, which is what lets migrations with a
  ``PolygonField`` (geonode) load;
* a second finder, put *in front*, wraps the loader of packages of the corpus tree whose
  ``__init__.py`` is empty (the tree ships only the package skeleton), so that
  ``from wagtail.blocks import StreamBlock`` works although ``wagtail/blocks/__init__.py`` is
  empty: a missing attribute of such a package is its real sub-module if there is one, else a
  stub.

Stubs (:class:`Stub`) absorb what migration files do with imported names at import time:
attribute access, calls, subscripts, iteration (empty), arithmetic and ``|``, comparisons,
``str.format``, context managers, use as a decorator, and use as a base class (a stub base
disappears from the bases through ``__mro_entries__``, or becomes :class:`StubBase` when no
other base brings a metaclass, so it is metaclass-safe).
"""

from __future__ import annotations

import ctypes.util
import dis
import functools
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import inspect
import os
import sys
import types
from collections.abc import Callable, Iterator, Sequence
from typing import Any


class Stub:
    """A placeholder value: every operation on it succeeds and yields another stub."""

    __slots__ = ("_stub_path",)
    _stub_path: str

    def __init__(self, path: str = "stub") -> None:
        object.__setattr__(self, "_stub_path", path)

    # attribute access and calls -------------------------------------------------------------
    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return Stub(f"{self._stub_path}.{name}")

    def __setattr__(self, name: str, value: object) -> None:
        pass

    def __delattr__(self, name: str) -> None:
        pass

    def __call__(self, *args: object, **kwargs: object) -> Any:
        # Used as a bare decorator (``@stub``), keep the decorated function or class.
        if len(args) == 1 and not kwargs and isinstance(args[0], (types.FunctionType, type)):
            return args[0]
        typed = _typed_result(sys._getframe(1))
        if typed is not None:
            return typed
        return Stub(f"{self._stub_path}()")

    # containers ----------------------------------------------------------------------------
    def __getitem__(self, key: object) -> Any:
        return Stub(f"{self._stub_path}[]")

    def __setitem__(self, key: object, value: object) -> None:
        pass

    def __delitem__(self, key: object) -> None:
        pass

    def __iter__(self) -> Iterator[Any]:
        # Empty, except when the caller unpacks (``a, b = stub()``): then as many stubs as
        # the unpacking wants, read from the caller's current bytecode instruction.
        wanted = _unpack_count(sys._getframe(1))
        return iter([Stub(f"{self._stub_path}[{i}]") for i in range(wanted)])

    def __len__(self) -> int:
        return 0

    def __contains__(self, item: object) -> bool:
        return False

    def __bool__(self) -> bool:
        return True

    # conversions ---------------------------------------------------------------------------
    def __str__(self) -> str:
        return self._stub_path

    def __repr__(self) -> str:
        return f"<stub {self._stub_path}>"

    def __format__(self, spec: str) -> str:
        return self._stub_path

    def __int__(self) -> int:
        return 0

    def __index__(self) -> int:
        return 0

    def __float__(self) -> float:
        return 0.0

    def __hash__(self) -> int:
        return id(self)

    # comparisons: identity for equality, "not ordered" for the rest --------------------------
    def __eq__(self, other: object) -> bool:
        return self is other

    def __ne__(self, other: object) -> bool:
        return self is not other

    def __lt__(self, other: object) -> bool:
        return False

    def __le__(self, other: object) -> bool:
        return self is other

    def __gt__(self, other: object) -> bool:
        return False

    def __ge__(self, other: object) -> bool:
        return self is other

    # isinstance(x, stub) / issubclass(X, stub) ----------------------------------------------
    def __instancecheck__(self, instance: object) -> bool:
        return False

    def __subclasscheck__(self, subclass: type) -> bool:
        return False

    # context manager, base class ------------------------------------------------------------
    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def __mro_entries__(self, bases: tuple[object, ...]) -> tuple[type, ...]:
        others = [base for base in bases if isinstance(base, type)]
        first_stub = next(base for base in bases if isinstance(base, Stub))
        if first_stub is not self or StubBase in others:
            return ()
        if any(type(base) is not type for base in others):
            return ()
        return (StubBase,)


def _binary(self: Stub, other: object) -> Stub:
    return Stub(f"({self._stub_path} op)")


def _unary(self: Stub) -> Stub:
    return Stub(f"(op {self._stub_path})")


for _name in (
    "add sub mul matmul truediv floordiv mod pow lshift rshift and xor or "
    "radd rsub rmul rmatmul rtruediv rfloordiv rmod rpow rlshift rrshift rand rxor ror"
).split():
    setattr(Stub, f"__{_name}__", _binary)
for _name in ("neg", "pos", "invert", "abs"):
    setattr(Stub, f"__{_name}__", _unary)


def _typed_result(frame: types.FrameType) -> object | None:
    """A real object where Django type-checks what it gets by calling a value it was given.

    ``FileField(storage=X)`` calls a callable ``X`` and insists on a ``Storage`` instance.
    """
    filename = frame.f_code.co_filename.replace(os.sep, "/")
    if filename.endswith("/django/db/models/fields/files.py"):
        from django.core.files.storage import Storage

        storage: object = Storage()
        return storage
    return None


_UNPACK_SEQUENCE = dis.opmap["UNPACK_SEQUENCE"]
_UNPACK_EX = dis.opmap["UNPACK_EX"]
_EXTENDED_ARG = dis.opmap["EXTENDED_ARG"]


def _unpack_count(frame: types.FrameType) -> int:
    """How many items the instruction the frame is executing unpacks (0 if it does not)."""
    code = frame.f_code.co_code
    offset = frame.f_lasti
    if not 0 <= offset < len(code) - 1:
        return 0
    opcode, arg = code[offset], code[offset + 1]
    shift, previous = 8, offset - 2
    while previous >= 0 and code[previous] == _EXTENDED_ARG:
        arg |= code[previous + 1] << shift
        shift, previous = shift + 8, previous - 2
    if opcode == _UNPACK_SEQUENCE:
        return arg
    if opcode == _UNPACK_EX:  # a, *b, c: arg = before | after << 8
        return (arg & 0xFF) + (arg >> 8)
    return 0


class _StubMeta(type):
    """Metaclass of :class:`StubBase`: class-level attribute access yields stubs too."""

    def __getattr__(cls, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return Stub(f"{cls.__qualname__}.{name}")


class StubBase(metaclass=_StubMeta):
    """What a stub becomes when a class statement uses it as its (only) kind of base."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        pass

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return Stub(f"{type(self).__qualname__}().{name}")


class StubModule(types.ModuleType):
    """A module that has every attribute (as a :class:`Stub`) and can have sub-modules."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return Stub(f"{self.__name__}.{name}")


def _app_modules() -> set[str]:
    """Module paths of the installed apps, once Django's app registry knows them."""
    try:
        from django.apps import apps
    except ImportError:  # pragma: no cover
        return set()
    if not apps.apps_ready:
        return set()
    return {config.name for config in apps.get_app_configs()}


@functools.cache
def _geodjango_unavailable() -> bool:
    """GeoDjango needs the GDAL (and GEOS) C libraries; are they missing here?"""
    if os.environ.get("GDAL_LIBRARY_PATH"):
        return False
    return ctypes.util.find_library("gdal") is None


def _stubbed_geodjango(fullname: str) -> bool:
    """``django.contrib.gis.*`` when GDAL is missing: the one part of Django that is stubbed."""
    return fullname.startswith("django.contrib.gis.") and _geodjango_unavailable()


def _never_stubbed(fullname: str) -> bool:
    """``django.*``, and an app's ``migrations`` package and everything below it."""
    parts = fullname.split(".")
    if parts[0] == "django":
        return not _stubbed_geodjango(fullname)
    if "migrations" not in parts:
        return False
    apps = _app_modules()
    return any(
        part == "migrations" and (".".join(parts[:index]) in apps or not apps)
        for index, part in enumerate(parts)
    )


class _StubLoader(importlib.abc.Loader):
    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        module = StubModule(spec.name)
        module.__path__ = []
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        if module.__name__.endswith(".models"):
            _define_user_model(module)


def _define_user_model(module: types.ModuleType) -> None:
    """Give the stubbed ``models`` module of the ``AUTH_USER_MODEL`` app a real user model.

    ``django.contrib.auth``'s ``ready()`` resolves ``AUTH_USER_MODEL`` to a model class, and
    the app that owns it is not installed for real; a bare ``AbstractUser`` subclass is enough.
    """
    try:
        from django.apps import apps
        from django.conf import settings
    except ImportError:  # pragma: no cover - Django is always there for the oracle
        return
    if not apps.apps_ready:
        return
    label, _, model_name = str(settings.AUTH_USER_MODEL).partition(".")
    try:
        config = apps.get_app_config(label)
    except LookupError:
        return
    if f"{config.name}.models" != module.__name__:
        return
    from django.contrib.auth.models import AbstractUser

    meta = type("Meta", (), {"app_label": label})
    attrs = {"__module__": module.__name__, "Meta": meta}
    setattr(module, model_name, type(model_name, (AbstractUser,), attrs))


_IMPORT_MACHINERY = (
    os.path.normcase(os.path.realpath(__file__)),
    os.path.normcase(os.path.realpath(importlib.__file__)),
)


def _importer_filename() -> str:
    """The file of the code that started the current import (import machinery skipped)."""
    frame: types.FrameType | None = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not filename.startswith("<frozen") and (
            filename.startswith("<")
            or os.path.normcase(os.path.realpath(filename)) not in _IMPORT_MACHINERY
        ):
            return filename
        frame = frame.f_back
    return "<unknown>"


def _is_models_module_of_an_app(fullname: str) -> bool:
    package, _, last = fullname.rpartition(".")
    return last == "models" and package in _app_modules()


class StubFinder(importlib.abc.MetaPathFinder):
    """Last on ``sys.meta_path``: whatever nobody else could find becomes a stub module.

    Only for imports made by code outside the Python environment (the corpus' migration
    files and helpers): an installed library probing an optional dependency
    (``try: import psycopg_c except ImportError``) must keep getting its ImportError. The one
    exception is Django importing an app's ``models`` module (see :func:`_define_user_model`).
    """

    def __init__(self) -> None:
        self.stubbed: list[str] = []

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: types.ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if _never_stubbed(fullname):
            return None
        if not _is_outside_environment(_importer_filename()) and not (
            _is_models_module_of_an_app(fullname)
        ):
            return None
        self.stubbed.append(fullname)
        return importlib.machinery.ModuleSpec(fullname, _StubLoader(), is_package=True)


def _is_outside_environment(origin: str) -> bool:
    """True for files that are not part of the Python installation or its site-packages."""
    origin = os.path.realpath(origin)
    roots = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    return not any(origin == root or origin.startswith(root + os.sep) for root in roots)


def _package_getattr(package: types.ModuleType) -> Callable[[str], Any]:
    def __getattr__(name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        fullname = f"{package.__name__}.{name}"
        if fullname in sys.modules:
            return sys.modules[fullname]
        spec = importlib.machinery.PathFinder.find_spec(fullname, list(package.__path__))
        if spec is not None:
            return importlib.import_module(fullname)
        return Stub(fullname)

    return __getattr__


@functools.cache
def _local_top_level() -> frozenset[str]:
    """Top-level names importable from ``sys.path`` entries outside the Python environment
    (the corpus tree, the oracle's work directory): the only ones worth a second look."""
    names: set[str] = set()
    for entry in sys.path:
        directory = entry or os.getcwd()
        if not os.path.isdir(directory) or not _is_outside_environment(directory):
            continue
        for name in os.listdir(directory):
            names.add(name[:-3] if name.endswith(".py") else name)
    return frozenset(names)


class _SkeletonLoader(importlib.abc.Loader):
    """Runs the real loader, then gives an empty skeleton package a permissive ``__getattr__``."""

    def __init__(self, inner: importlib.abc.Loader) -> None:
        self.inner = inner

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType | None:
        return self.inner.create_module(spec)

    def exec_module(self, module: types.ModuleType) -> None:
        self.inner.exec_module(module)
        if "__getattr__" not in vars(module):
            module.__getattr__ = _package_getattr(module)  # type: ignore[method-assign]


class SkeletonFinder(importlib.abc.MetaPathFinder):
    """First on ``sys.meta_path``: spots empty ``__init__.py`` files of the corpus tree."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: types.ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if _stubbed_geodjango(fullname):
            return importlib.machinery.ModuleSpec(fullname, _StubLoader(), is_package=True)
        if _never_stubbed(fullname) or fullname.partition(".")[0] not in _local_top_level():
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
        if (
            spec is None
            or spec.loader is None
            or not spec.submodule_search_locations
            or not spec.origin
            or not spec.origin.endswith("__init__.py")
            or not _is_outside_environment(spec.origin)
            or os.path.getsize(spec.origin) != 0
        ):
            return None
        spec.loader = _SkeletonLoader(spec.loader)
        return spec


def _restore_removed_django_names() -> None:
    """Put back names that old migration files import and that newer Django removed.

    Old histories written for Django 2-5 (shuup 3.1, label-studio 1.23) use
    ``django.utils.timezone.utc`` (removed in 5.0) and ``CheckConstraint(check=...)``
    (removed in 6.0). Only what is absent is added back, with its old meaning; nothing that
    exists is changed, so real errors still surface.
    """
    import datetime

    from django.utils import timezone

    if not hasattr(timezone, "utc"):
        timezone.utc = datetime.timezone.utc

    # CheckConstraint(check=...) was renamed to condition= in 5.1; 6.0 removed "check".
    from django.db.models import CheckConstraint

    original = CheckConstraint.__init__
    if "check" not in inspect.signature(original).parameters:

        @functools.wraps(original)
        def __init__(self: CheckConstraint, *args: Any, **kwargs: Any) -> None:
            if "check" in kwargs and "condition" not in kwargs:
                kwargs["condition"] = kwargs.pop("check")
            original(self, *args, **kwargs)

        CheckConstraint.__init__ = __init__


_installed: StubFinder | None = None


def install() -> StubFinder:
    """Install both finders (idempotent); return the stub finder (its ``stubbed`` names)."""
    global _installed
    if _installed is None:
        _installed = StubFinder()
        _restore_removed_django_names()
        sys.meta_path.insert(0, SkeletonFinder())
        sys.meta_path.append(_installed)
        importlib.invalidate_caches()
    return _installed


def stubbed_modules() -> list[str]:
    """Names of the modules that were answered with stubs so far."""
    return [] if _installed is None else list(_installed.stubbed)


__all__ = ["Stub", "StubBase", "StubFinder", "StubModule", "install", "stubbed_modules"]


def is_stub(value: object) -> bool:
    """Whether ``value`` is one of our stand-ins (an instance or a stub class's instance)."""
    return isinstance(value, Stub | StubBase)


def has_stub(field: object) -> bool:
    """A field that is a stub, or relates to (or through) a stub model."""
    remote = getattr(field, "remote_field", None) if not is_stub(field) else None
    return is_stub(field) or (
        remote is not None and (is_stub(remote.model) or is_stub(getattr(remote, "through", None)))
    )


def tolerate_stub_fields() -> None:
    """Let Django's ``ModelState`` hold stub fields.

    ``ModelState`` refuses a field that "is bound to a model" (``hasattr(field, "model")``),
    which a stub standing in for a third-party field always seems to be: it checks a
    placeholder field instead, then stores the stub.
    """
    from django.db import models
    from django.db.migrations.state import ModelState

    original = ModelState.__init__

    def init(  # type: ignore[no-untyped-def]
        self, app_label, name, fields, options=None, bases=None, managers=None
    ) -> None:
        fields = dict(fields)
        stubs = {key: value for key, value in fields.items() if has_stub(value)}
        checked = {key: models.Field() if key in stubs else value for key, value in fields.items()}
        original(self, app_label, name, checked, options, bases, managers)
        self.fields.update(stubs)

    ModelState.__init__ = init  # type: ignore[method-assign]
