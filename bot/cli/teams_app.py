"""``partnerbot teams-app``: write the Teams app package (manifest and icons, zipped), to a
file or, with ``--out -``, to standard output."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from bot.cli.loading import EXIT_ERROR, EXIT_OK, load_or_report, read_config

STDOUT = "-"


def teams_app_command(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from importlib.metadata import version

    from bot.transports.teams.app_package import PackageError, build_manifest, package_bytes

    config = read_config(args.config, err)
    if config is None:
        return EXIT_ERROR
    if config.teams_app is None:
        print(f"error: {args.config}: teams_app: the section is missing", file=err)
        return EXIT_ERROR
    knowledge = load_or_report(args.knowledge or config.knowledge_path or None, err)
    if knowledge is None:
        return EXIT_ERROR
    partners: set[str] = set()
    examples = []
    for entry in knowledge.entries:  # one example question per partner, in file order
        if entry.partner not in partners:
            partners.add(entry.partner)
            examples.append(entry.question)
    try:
        manifest = build_manifest(config.teams_app, examples, version("partnerwijzer"))
    except PackageError as error:
        print(f"error: {args.config}: {error}", file=err)
        return EXIT_ERROR
    if args.out == STDOUT:
        return _to_stdout(package_bytes(manifest), out, err)
    try:
        Path(args.out).write_bytes(package_bytes(manifest))
    except OSError as error:
        print(f"error: {args.out}: cannot write: {error.strerror}", file=err)
        return EXIT_ERROR
    print(f"wrote {args.out}: upload it in Teams (Apps > Manage your apps)", file=out)
    return EXIT_OK


def _to_stdout(package: bytes, out: TextIO, err: TextIO) -> int:
    """``--out -``: the zip on standard output, as zip, tar and curl do, for a pipe or a
    redirect; never onto a terminal, where it would only garble the screen. (A file that is
    really named "-" is ``--out ./-``.) The confirmation goes to stderr: stdout is the zip."""
    binary = getattr(out, "buffer", None)
    if binary is None or out.isatty():
        print(
            "error: --out -: standard output is a terminal; redirect it "
            "(--out - > partnerwijzer.zip) or give a file name (--out partnerwijzer.zip)",
            file=err,
        )
        return EXIT_ERROR
    out.flush()
    binary.write(package)
    binary.flush()
    print(
        "wrote the package to standard output: upload it in Teams (Apps > Manage your apps)",
        file=err,
    )
    return EXIT_OK
