"""``clerk audit``: verify, report, export and prune runs. Registered by clerk.cli.

Exit codes: 0 the run is intact (or the command did its work), 1 verification found
problems, 2 usage or configuration error (e.g. no such run).
"""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from clerk._config import Settings, find_project_dir, load_settings
from clerk.audit._runs import opened

if TYPE_CHECKING:  # each command imports what it uses, so that `clerk --help` and `clerk run` do not
    from clerk.audit._verify import Verification


def _settings(ctx: click.Context) -> Settings:
    project = (ctx.obj or {}).get("project")
    return load_settings(project or find_project_dir())


def _recordings_dir(ctx: click.Context, run: str) -> Path:
    """Only a run id needs the project; a folder or zip is verified without one."""
    if Path(run).exists():
        return Path(run).parent
    return _settings(ctx).recordings_dir


@click.group("audit")
def audit_group() -> None:
    """Verify, review, export and prune the audit trail (recordings/<bot>/<run>/)."""


_ALLOW_UNSIGNED = click.option(
    "--allow-unsigned", is_flag=True,
    help="Accept a run without a signature although CLERK_AUDIT_HMAC_KEY is set (a run made without the key).")


@audit_group.command("verify")
@click.argument("run")
@click.option("--require-signature", is_flag=True, help="Fail unless the run is signed and the signature checks.")
@_ALLOW_UNSIGNED
@click.pass_context
def verify_command(ctx: click.Context, run: str, require_signature: bool, allow_unsigned: bool) -> None:
    """Check that RUN (a run id, a run folder or an exported zip) is exactly as sealed.

    With CLERK_AUDIT_HMAC_KEY set, a run without a signature fails unless --allow-unsigned.
    """
    if require_signature and allow_unsigned:
        raise click.UsageError("--require-signature and --allow-unsigned contradict each other: give one")
    from clerk.audit._verify import verify_run

    with opened(run, _recordings_dir(ctx, run)) as found:
        result = verify_run(found.folder, require_signature=require_signature, allow_unsigned=allow_unsigned)
        _print_verification(run, result)
        for name in found.ignored:
            click.echo(f"  note: {name} is outside the sealed run folder (not checked)")
    ctx.exit(0 if result.intact else 1)


def _print_verification(label: str, result: Verification) -> None:
    if result.intact:
        signature = {"valid": "signature valid", "unchecked": "signature not checked",
                     "unsigned": "not signed"}.get(result.signature, result.signature)
        click.secho(f"{label}: intact ({result.files} files, {result.events} events as sealed; {signature})",
                    fg="green")
    else:
        click.secho(f"{label}: NOT INTACT, {len(result.findings)} problem(s):", fg="red", err=True)
        for finding in result.findings:
            click.echo(f"  {finding}", err=True)
    for note in result.notes:
        click.echo(f"  note: {note}")


@audit_group.command("report")
@click.argument("run")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The HTML file (default: <run folder>.report.html beside the run).")
@click.option("--images", type=click.Choice(["auto", "embed", "link"]), default="auto", show_default=True,
              help="embed: thumbnails inside the page; link: lazy-loaded screenshots beside it; auto: by size.")
@_ALLOW_UNSIGNED
@click.pass_context
def report_command(ctx: click.Context, run: str, output: Path | None, images: Any, allow_unsigned: bool) -> None:
    """Write one offline HTML page to review RUN: summary, items, steps with screenshots."""
    from clerk.audit._report import write_report

    if Path(run).is_file() and zipfile.is_zipfile(run):
        raise click.UsageError("unzip the export first: its report is inside, beside the run folder")
    with opened(run, _recordings_dir(ctx, run)) as found:
        path = write_report(found.folder, output, images=images, allow_unsigned=allow_unsigned)
    click.echo(str(path))


@audit_group.command("export")
@click.argument("run")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The zip to write (default: ./<run id>.zip).")
@click.option("--report/--no-report", default=True, show_default=True, help="Put the HTML report beside the run.")
@_ALLOW_UNSIGNED
@click.pass_context
def export_command(ctx: click.Context, run: str, output: Path | None, report: bool, allow_unsigned: bool) -> None:
    """Zip RUN for an auditor, who checks it anywhere with `clerk audit verify ZIP`."""
    from clerk.audit._export import ExportRefused, export_run
    from clerk.audit._report import write_report

    with opened(run, _recordings_dir(ctx, run)) as found, tempfile.TemporaryDirectory() as tmp:
        folder = found.folder
        page = (write_report(folder, Path(tmp) / f"{folder.name}.report.html", link_base=folder.parent,
                             allow_unsigned=allow_unsigned) if report else None)
        try:
            path = export_run(folder, output or Path.cwd() / f"{folder.name}.zip", report=page,
                              allow_unsigned=allow_unsigned)
        except ExportRefused as refused:
            _print_verification(run, refused.verification)
            click.secho("not exported: the run does not verify", fg="red", err=True)
            ctx.exit(1)
    click.echo(str(path))


@audit_group.command("prune")
@click.option("--older-than", "older_than", default=None, metavar="AGE",
              help="Delete runs that ended more than AGE ago (e.g. 90d, 12w, 36h); default: [audit] retention_days.")
@click.option("--dry-run", is_flag=True, help="Only list what would be deleted.")
@click.option("--force", is_flag=True, help="Also delete runs the ledger still references as unresolved.")
@click.pass_context
def prune_command(ctx: click.Context, older_than: str | None, dry_run: bool, force: bool) -> None:
    """Delete old runs by the retention policy; unresolved runs stay unless --force."""
    from clerk._ledger_config import ledger_path, ledger_settings
    from clerk.audit._prune import apply_prune, parse_age, plan_prune
    from clerk.audit._settings import AuditSettings

    settings = _settings(ctx)
    if older_than is not None:
        age = parse_age(older_than)
    else:
        retention = AuditSettings.of(settings).retention
        if retention is None:
            click.echo("[audit] retention_days = 0: runs are kept forever; nothing to prune")
            return
        age = retention
    decisions = plan_prune(settings.recordings_dir, ledger_settings(settings).url or ledger_path(settings), age,
                           force=force)
    if not dry_run:
        apply_prune(decisions)
    verb = "would delete" if dry_run else "deleted"
    for decision in decisions:
        action = verb if decision.delete else "kept"
        click.echo(f"{action}: {decision.folder} (ended {decision.ended:%Y-%m-%d}; {decision.reason})")
    deleted = sum(d.delete for d in decisions)
    click.echo(f"{deleted} run(s) {verb}, {len(decisions) - deleted} old run(s) kept")
