"""The command line: options become a Config, the pipeline runs, a reporter prints.

Exit codes: 0 nothing to report, 1 findings (or, for ``plan``, what Django itself would
refuse), 2 usage or configuration errors. click's own ``ClickException`` exits 1, which
would collide with "findings", so configuration problems raise :class:`UsageFailure`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from migration_lint import __version__

F = TypeVar("F", bound=Callable[..., Any])


class UsageFailure(click.ClickException):
    """A usage or configuration error: exit status 2, like ruff and mypy."""

    exit_code = 2


def _split_codes(values: Sequence[str]) -> tuple[str, ...]:
    return tuple(code.strip() for value in values for code in value.split(",") if code.strip())


def project_options(command: F) -> F:
    """Options every command that reads a project shares."""
    options = [
        click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path)),
        click.option("--settings", help="Settings module (dotted) or file to read statically."),
        click.option(
            "--django-contrib",
            type=click.Choice(["auto", "always", "never"]),
            help="Also load Django's contrib apps' migrations from the active environment.",
        ),
        click.option("--no-cache", is_flag=True, help="Parse every file, read and write no cache."),
        click.option(
            "--cache-dir", type=click.Path(path_type=Path), help="Where the parse cache lives."
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _analyse(
    paths: tuple[Path, ...],
    settings: str | None,
    django_contrib: str | None,
    no_cache: bool,
    cache_dir: Path | None,
    anchor: Path | None = None,
    base: Callable[[str | None], str | None] | None = None,
    **extra: object,
) -> Any:
    """Build the config from options and run the pipeline (imports kept lazy for speed).

    ``anchor``: where to look for the project root when ``paths`` is empty (see
    :func:`migration_lint.config.load_config`). ``base``: the ref to compare with, given
    the configured ``base`` key; commands that judge no change against a ref pass none and
    read no baseline.
    """
    from dataclasses import replace

    from migration_lint.baseline import BaselineError
    from migration_lint.config import ConfigError, load_config
    from migration_lint.pipeline import analyse

    overrides: dict[str, object] = {
        key: value
        for key, value in {
            "settings": settings,
            "django-contrib": django_contrib,
            "cache-dir": str(cache_dir) if cache_dir else None,
            **extra,
        }.items()
        if value
    }
    try:
        config = load_config(Path.cwd(), paths=paths, overrides=overrides, anchor=anchor)
    except ConfigError as error:
        raise UsageFailure(str(error)) from error
    config = replace(
        config,
        cache_dir=None if no_cache else config.cache_dir,
        base=base(config.base) if base else None,
    )
    try:
        return analyse(config)
    except BaselineError as error:
        raise UsageFailure(str(error)) from error


def _use_color(choice: str) -> bool:
    """``--color``, then ``NO_COLOR`` / ``FORCE_COLOR``, then whether stdout is a terminal."""
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return sys.stdout.isatty()


#: ``check --format`` choices (the keys of ``migration_lint.report.REPORTERS``, listed here so
#: ``--help`` does not import every reporter).
CHECK_FORMATS = ["text", "concise", "json", "github", "sarif", "junit", "markdown"]


def _report_context(
    analysis: Any, rules: Sequence[Any], findings: Sequence[Any], output_format: str, color: bool
) -> Any:
    """What the reporter needs beyond the findings; the plan and the graph drawing only for
    markdown, the one format that shows them (planning a large project is not free)."""
    from migration_lint.graph import CircularDependencyError
    from migration_lint.plan import PlanError, migration_plan
    from migration_lint.report import ReportContext

    if output_format != "markdown":
        return ReportContext(color=color, rules=rules)
    from migration_lint.graph_render import render_mermaid
    from migration_lint.plan_text import format_migrate_plan

    loaded = analysis.loaded
    plan: str | None = None
    # Like `plan`: a graph Django would refuse to load has no plan (the findings say why);
    # conflicting leaves still plan, since showing both branches' steps is the point.
    if not loaded.load_errors:
        try:
            steps = migration_plan(loaded, loaded.graph.leaf_nodes(), clean_start=True)
        except (PlanError, CircularDependencyError):
            pass
        else:
            plan = format_migrate_plan(
                [(analysis.by_key[key], back) for key, back in steps if key in analysis.by_key]
            )
    apps = sorted({f.app for f in findings if f.app})
    mermaid = render_mermaid(loaded.graph, apps) if apps else None
    return ReportContext(color=color, rules=rules, plan=plan, graph_mermaid=mermaid)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="migration-lint")
def main() -> None:
    """Static linter and planner for Django migrations: no Django import, no database."""


@main.command()
@project_options
@click.option(
    "--format",
    "--output-format",
    "output_format",
    type=click.Choice(CHECK_FORMATS),
    default="text",
    show_default=True,
    envvar="MIGRATION_LINT_OUTPUT_FORMAT",
    help="Report format (env: MIGRATION_LINT_OUTPUT_FORMAT).",
)
@click.option(
    "--statistics", is_flag=True, help="Show how many findings each rule has, not the findings."
)
@click.option("--select", multiple=True, help="Rule codes, prefixes or names to run.")
@click.option("--ignore", multiple=True, help="Rule codes, prefixes or names to skip.")
@click.option("--extend-select", multiple=True, help="Add rules to the selection.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto")
@click.option("-o", "--output-file", type=click.Path(path_type=Path), help="Write the report here.")
@click.option(
    "--base",
    "base_ref",
    metavar="REF",
    help="The git ref production runs (e.g. origin/main): only the migrations it lacks are "
    "judged by the safety rules, as one deploy, and edits to its migrations are errors "
    "(ML5xx). Default: the `base` setting, else origin/$GITHUB_BASE_REF in a GitHub "
    "Actions pull request job.",
)
@click.option(
    "--no-base",
    is_flag=True,
    help="Compare with no base ref, even when --base or a default gives one.",
)
def check(
    output_format: str,
    statistics: bool,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    extend_select: tuple[str, ...],
    exit_zero: bool,
    color: str,
    output_file: Path | None,
    base_ref: str | None,
    no_base: bool,
    **options: Any,
) -> None:
    """Lint the migrations under PATHS (default: the project root).

    When PATHS include files (as the pre-commit hook passes them), the whole project is
    loaded and per-file findings are reported only for PATHS; graph findings always are.
    """
    from migration_lint.baseline import resolve_base
    from migration_lint.findings import Severity
    from migration_lint.report import REPORTERS
    from migration_lint.rules import run_rules, select_rules, unknown_selectors
    from migration_lint.targets import Targets

    cli_select, cli_ignore = _split_codes(select), _split_codes(ignore)
    cli_extend = _split_codes(extend_select)
    unknown = unknown_selectors([*cli_select, *cli_ignore, *cli_extend])
    if unknown:
        raise UsageFailure(f"unknown rule selector(s): {', '.join(unknown)}")
    targets = Targets.from_paths(options["paths"])
    if targets is not None:
        # The graph needs every migration: load the project, let PATHS filter the report.
        options = {**options, "paths": (), "anchor": options["paths"][0]}
    if base_ref == "":
        raise UsageFailure("--base needs a ref; use --no-base to compare with none")
    analysis = _analyse(
        **options, base=lambda configured: resolve_base(base_ref, no_base, configured, os.environ)
    )
    config = analysis.config
    rules = select_rules(
        cli_select or config.select,
        (*config.ignore, *cli_ignore),
        (*config.extend_select, *cli_extend),
    )
    findings = run_rules(analysis, rules, targets)
    colour = _use_color(color) and not output_file
    if statistics:
        from migration_lint.report.statistics import render_statistics

        report = render_statistics(findings, as_json=output_format == "json")
    else:
        context = _report_context(analysis, rules, findings, output_format, colour)
        report = REPORTERS[output_format](findings, context)
    if output_file:
        output_file.write_text(report, encoding="utf-8")
    else:
        click.echo(report, nl=False, color=colour)
    if output_format == "text" and os.environ.get("GITHUB_ACTIONS") == "true":
        # Like squawk: the log keeps the text, the PR gets the findings on its lines.
        click.echo(REPORTERS["github"](findings, None), nl=False)
    failing = any(f.severity in (Severity.ERROR, Severity.WARNING) for f in findings)
    sys.exit(1 if failing and not exit_zero else 0)


@main.command()
@project_options
@click.option(
    "--target",
    "targets",
    multiple=True,
    metavar="APP[.NAME]",
    help="What `migrate APP [NAME]` targets: an app, app.<name prefix> or app.zero "
    "(repeatable; default: every leaf).",
)
@click.option("--list", "as_list", is_flag=True, help="Print like `showmigrations --plan`.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    help="text: `migrate --plan`, byte for byte; json / markdown: per migration and operation "
    "the locks, rewrites, reversibility, transaction and deploy stage.",
)
@click.option(
    "--applied",
    "applied_file",
    type=click.Path(path_type=Path),
    help="Applied migrations: `showmigrations --plan`/`--list` output or a JSON list.",
)
@click.option("--from-ref", help="The migrations that exist at this git ref count as applied.")
@click.option(
    "--database",
    help="Read django_migrations from this database: sqlite:///path or "
    "postgresql://user:password@host:port/name (needs the [postgres] extra).",
)
def plan(
    targets: tuple[str, ...],
    as_list: bool,
    output_format: str,
    applied_file: Path | None,
    from_ref: str | None,
    database: str | None,
    **options: Any,
) -> None:
    """Print the plan exactly as `migrate --plan` does (`--list`: `showmigrations --plan`).

    The database is empty unless --applied, --from-ref or --database says what is applied.

    `--format json` describes, for every planned migration (app, name, path, direction,
    atomic, deploy stage declared or inferred, reversible, strongest lock, rewrites/scans,
    flagged effects) and every operation (Django's plan line, reversible, atomic, lock,
    rewrites, scans, effects on each table), what `migrate --plan` does not say: schema
    `{"version": 1, "targets", "migrations", "summary"}`, documented in
    migration_lint/report/plan_json.py. `--format markdown` is the same for a job summary.
    """
    from migration_lint.applied import AppliedSourceError, applied_rows, with_applied
    from migration_lint.plan import (
        PlanError,
        migration_plan,
        parse_targets,
        showmigrations_plan,
    )
    from migration_lint.plan_text import format_migrate_plan

    analysis = _analyse(**options)
    loaded = analysis.loaded
    try:
        rows = applied_rows(
            analysis.project,
            loaded,
            applied_file=applied_file,
            from_ref=from_ref,
            database=database,
        )
    except AppliedSourceError as error:
        raise UsageFailure(str(error)) from error
    if rows is not None:
        loaded = with_applied(loaded, rows)
    # Django's loader raises for every one of these before anything else happens.
    fatal = loaded.load_errors
    if fatal:
        for problem in fatal:
            click.echo(f"error: {problem.message}", err=True)
        sys.exit(1)
    if as_list:
        if output_format != "text":
            raise UsageFailure(
                "--list prints `showmigrations --plan` text: use it without --format"
            )
        # `showmigrations --plan APP ...` takes app labels only and checks no history.
        if any("." in target for target in targets):
            raise UsageFailure("--list takes app labels as --target, not migrations")
        try:
            click.echo(showmigrations_plan(loaded, targets), nl=False)
        except PlanError as error:
            click.echo(str(error), err=True)
            sys.exit(2)
        return
    # `migrate`'s order: history, then conflicts, then the arguments.
    inconsistent = loaded.check_consistent_history()
    if inconsistent:
        for problem in inconsistent:
            click.echo(f"InconsistentMigrationHistory: {problem.message}", err=True)
        sys.exit(1)
    conflicts = loaded.detect_conflicts()
    if conflicts:
        names = "; ".join(f"{', '.join(n)} in {app}" for app, n in conflicts.items())
        click.echo(
            "CommandError: Conflicting migrations detected; multiple leaf nodes in the "
            f"migration graph: ({names}).\nTo fix them run 'python manage.py makemigrations "
            "--merge'",
            err=True,
        )
        sys.exit(1)
    try:
        resolved = parse_targets(loaded, targets)
        steps = migration_plan(loaded, resolved)
    except PlanError as error:
        click.echo(f"CommandError: {error}", err=True)
        sys.exit(1)
    if output_format != "text":
        click.echo(_plan_report(analysis, loaded, steps, resolved, output_format), nl=False)
        return
    by_key = {**loaded.disk_migrations, **analysis.by_key}
    click.echo(
        format_migrate_plan([(by_key[key], backwards) for key, backwards in steps]),
        nl=False,
    )


def _plan_report(
    analysis: Any, loaded: Any, steps: Sequence[Any], targets: Sequence[Any], output_format: str
) -> str:
    """`plan --format json|markdown`: the plan with its effects on the configured database."""
    from migration_lint.plan_report import build_plan_report
    from migration_lint.report.plan_json import render_plan_json
    from migration_lint.report.plan_markdown import render_plan_markdown

    config = analysis.config
    report = build_plan_report(loaded, steps, config, targets)
    return render_plan_json(report) if output_format == "json" else render_plan_markdown(report)


@main.command()
@project_options
@click.option("--format", "output_format", type=click.Choice(["dot", "mermaid"]), default="dot")
@click.option("--app", "apps", multiple=True, help="Only these apps (and their parents).")
def graph(output_format: str, apps: tuple[str, ...], **options: Any) -> None:
    """Draw the migration graph (Graphviz DOT or Mermaid)."""
    from migration_lint.graph_render import render_dot, render_mermaid

    analysis = _analyse(**options)
    render = render_dot if output_format == "dot" else render_mermaid
    click.echo(render(analysis.loaded.graph, apps), nl=False)


@main.command()
@click.option("--format", "output_format", type=click.Choice(["text", "markdown"]), default="text")
def rules(output_format: str) -> None:
    """List every rule: code, name, default severity and summary."""
    from migration_lint.rules import REGISTRY
    from migration_lint.rules.docs import rules_markdown_table

    if output_format == "markdown":
        click.echo(rules_markdown_table(), nl=False)
        return
    for code, found in sorted(REGISTRY.items()):
        click.echo(f"{code}  {found.name:<24} {found.severity.value:<8} {found.summary}")


@main.command()
@click.argument("code")
def rule(code: str) -> None:
    """Show the documentation of one rule (by code or name)."""
    from migration_lint.rules import REGISTRY

    wanted = code.upper()
    for found in REGISTRY.values():
        if found.code == wanted or found.name == code:
            click.echo(f"{found.code} {found.name} ({found.severity.value})\n\n{found.doc}")
            return
    raise UsageFailure(f"no rule {code!r}; `migration-lint rules` lists them")


@main.command()
@project_options
@click.option("--app", help="Only the models of this app label.")
@click.option("--model", help="Only this model: `Name` (any case) or `app_label.Name`.")
@click.option(
    "--at",
    metavar="APP.MIGRATION",
    help="The state just after this migration (a unique name prefix is enough).",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
)
def state(
    app: str | None, model: str | None, at: str | None, output_format: str, **options: Any
) -> None:
    """Print the models the migrations build, as Django's project state holds them.

    Without --at: `MigrationLoader.project_state()` (every leaf applied); with --at:
    `project_state((app, migration), at_end=True)`. Operations Django would reject are
    reported on stderr (rule ML010) and skipped.
    """
    import json

    from migration_lint.loader import AmbiguityError
    from migration_lint.pipeline import display_path
    from migration_lint.state.encode import encode_state, select_models, state_text
    from migration_lint.state.replay import replay_loaded

    analysis = _analyse(**options)
    loaded = analysis.loaded
    nodes = None
    if at:
        app_label, _, name = at.partition(".")
        key = (app_label, name)
        if key not in loaded.disk_migrations:
            try:
                key = loaded.get_migration_by_prefix(app_label, name).key
            except (KeyError, AmbiguityError) as error:
                raise UsageFailure(str(error.args[0])) from error
        if key not in loaded.graph.nodes:
            raise UsageFailure(f"{key[0]}.{key[1]} is replaced by a squashed migration")
        nodes = [key]
    replayed = replay_loaded(loaded, analysis.config.settings, nodes)
    for migration, _, note in replayed.notes():
        if note.kind == "error" and migration.app_label not in analysis.external_apps:
            where = f"{display_path(migration.path)}:{note.span.line}"
            click.echo(f"{where}: ML010 {note.message}", err=True)
    models = select_models(replayed.state, app=app, model=model)
    if output_format == "json":
        click.echo(json.dumps(encode_state(models), indent=1))
    else:
        click.echo(state_text(models), nl=False)


def _write_new_file(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically and never over an existing file.

    The text goes to a temporary file in the same directory first; ``os.link`` then gives
    it its name only if that name is still free (an ``os.replace`` would silently replace a
    file created meanwhile). Filesystems without hard links fall back to ``os.replace``
    after a last existence check.
    """
    import tempfile

    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
        try:
            os.link(temporary, path)
        except FileExistsError:
            raise
        except OSError:
            if path.exists():
                raise FileExistsError(path) from None
            os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


@main.command()
@project_options
@click.option("--app", "apps", multiple=True, help="Only merge these app labels.")
@click.option("--dry-run", is_flag=True, help="Print the merge file(s) instead of writing them.")
@click.option("--name", "merge_name", help="Name suffix instead of `merge_<leaves>`.")
@click.option("--no-header", is_flag=True, help="Leave out the `# Generated by` first line.")
@click.option(
    "--check", "check_only", is_flag=True, help="Exit 1 if a merge is needed; write nothing."
)
@click.option("--force", is_flag=True, help="Merge even when the branches really conflict.")
def merge(
    apps: tuple[str, ...],
    dry_run: bool,
    merge_name: str | None,
    no_header: bool,
    check_only: bool,
    force: bool,
    **options: Any,
) -> None:
    """Write the merge migrations `makemigrations --merge --noinput` would write.

    Exit codes: 0 merged (or nothing to merge), 1 a merge is needed (`--check`), the
    branches really conflict (without `--force`), or Django would fail (no common ancestor,
    a broken graph); 2 usage errors, including a merge file that already exists (nothing
    is ever overwritten: pick another `--name`). Nothing is written unless every app can be
    merged.
    """
    from migration_lint.merge import MergeError, plan_merge
    from migration_lint.pipeline import display_path

    if merge_name is not None and not merge_name.isidentifier():
        raise UsageFailure("The migration name must be a valid Python identifier.")
    analysis = _analyse(**options)
    loaded = analysis.loaded
    unknown = sorted(set(apps) - loaded.installed_apps)
    if unknown:
        raise UsageFailure(f"No installed app with label {unknown[0]!r}.")
    # Django's loader raises for these before makemigrations looks at the leaves.
    fatal = loaded.load_errors
    if fatal:
        for problem in fatal:
            click.echo(f"error: {problem.message}", err=True)
        sys.exit(1)
    conflicts = {
        app: leaves for app, leaves in loaded.detect_conflicts().items() if not apps or app in apps
    }
    if not conflicts:
        click.echo("No conflicts detected to merge.")
        return
    if check_only:
        for app, leaves in conflicts.items():
            click.echo(f"{app}: merge needed ({', '.join(leaves)})")
        sys.exit(1)
    try:
        plans = [
            plan_merge(loaded, app, leaves, analysis.by_key, merge_name)
            for app, leaves in conflicts.items()
        ]
    except MergeError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
    refused = False
    for merge_plan in plans:
        click.echo(merge_plan.listing(), nl=False)
        for note in merge_plan.unchecked():
            click.echo(f"warning: {merge_plan.app}: {note}", err=True)
        for conflict in merge_plan.conflicts():
            refused = True
            prefix = "warning" if force else "error"
            click.echo(f"{prefix}: {merge_plan.app}: {conflict.explain()}", err=True)
    if refused and not force:
        click.echo(
            "error: an empty merge would not reconcile these branches; fix them, or pass "
            "--force to merge anyway",
            err=True,
        )
        sys.exit(1)
    existing = [p.path for p in plans if p.path.exists()]
    if existing:
        raise UsageFailure(
            f"{display_path(existing[0])} already exists; not overwriting it (use --name)"
        )
    for merge_plan in plans:
        text = merge_plan.render(include_header=not no_header)
        if dry_run:
            click.echo(f"Full merge migrations file '{merge_plan.path.name}':")
            click.echo(text, nl=False)
            continue
        try:
            _write_new_file(merge_plan.path, text)
        except FileExistsError as error:
            raise UsageFailure(
                f"{display_path(merge_plan.path)} already exists; not overwriting it"
            ) from error
        click.echo(f"\nCreated new merge migration {display_path(merge_plan.path)}")


@main.group()
def github() -> None:
    """GitHub features (need the [github] extra: PyGithub)."""


@github.command("comment")
@click.option("--repo", required=True, metavar="OWNER/NAME", help="The repository.")
@click.option("--pr", "number", required=True, type=int, help="The pull request number.")
@click.option(
    "--body-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The comment's markdown (required unless --clean).",
)
@click.option("--clean", is_flag=True, help="The run had no findings: delete our comment instead.")
@click.option("--api-url", help="REST API root (default: $GITHUB_API_URL, else api.github.com).")
@click.option("--retries", type=int, default=3, show_default=True, help="Retries on 5xx.")
@click.option(
    "--backoff", type=float, default=1.0, show_default=True, help="Seconds before a retry."
)
def github_comment(
    repo: str,
    number: int,
    body_file: Path | None,
    clean: bool,
    api_url: str | None,
    retries: int,
    backoff: float,
) -> None:
    """Create, update or delete the sticky migration-lint comment on a pull request.

    The token comes from GITHUB_TOKEN. A read-only token (fork PRs), a missing permission
    or a PR that is gone prints a notice and exits 0: the comment is an extra, never the
    reason a check fails. Exit 1 when GitHub keeps failing (5xx) or refuses the body.
    """
    from migration_lint.github.comment import CommentError, GithubExtraMissing, StickyComment

    if "/" not in repo:
        raise UsageFailure("--repo must be OWNER/NAME")
    if not clean and body_file is None:
        raise UsageFailure("give --body-file, or --clean to remove the comment")
    token = os.environ.get("GITHUB_TOKEN", "")
    if not token:
        raise UsageFailure("GITHUB_TOKEN is not set")
    body = None if clean else body_file.read_text(encoding="utf-8")  # type: ignore[union-attr]
    try:
        sticky = StickyComment(repo, number, token, api_url, retries=retries, backoff=backoff)
        outcome = sticky.sync(body)
    except GithubExtraMissing as error:
        raise UsageFailure(str(error)) from error
    except CommentError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
    if outcome.is_notice:
        prefix = "::notice title=migration-lint::" if os.environ.get("GITHUB_ACTIONS") else ""
        click.echo(f"{prefix}{outcome.message}")
    else:
        click.echo(f"migration-lint comment on {repo}#{number}: {outcome.message}")
