"""Command line: build, check, new, clean, serve. Errors become 'path:line:col: message — hint'."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import datetime
from pathlib import Path

from biteye_site import __version__
from biteye_site.errors import BiteyeError, ConfigError, OutputError, Problem


def _parse_now(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"data inválida '{text}' (use AAAA-MM-DDTHH:MM:SS-03:00)") from None
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError("--now precisa de fuso horário, por exemplo 2026-03-05T12:00:00-03:00")
    return value


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="biteye-site", description="Gerador de sites estáticos do arquivo Biteye.")
    parser.add_argument("--version", action="version", version=f"biteye-site {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--config", default="site.yaml", help="arquivo de configuração (padrão: site.yaml)")
        p.add_argument("--drafts", action="store_true", help="inclui rascunhos (draft: true)")
        p.add_argument("--future", action="store_true", help="inclui artigos com data futura")
        p.add_argument("--now", type=_parse_now, help="momento de referência (padrão: SOURCE_DATE_EPOCH ou o relógio)")
        p.add_argument("--strict", action="store_true", help="avisos também fazem a construção falhar")

    b = sub.add_parser("build", help="gera o site em public/")
    common(b)
    b.add_argument("--output", help="pasta de saída (padrão: output_dir de site.yaml, ou public)")
    b.add_argument("--force", action="store_true", help="substitui uma pasta de saída que não foi criada pelo biteye-site")
    b.add_argument("--quiet", action="store_true", help="mostra só erros")
    return parser


def _print_problems(problems: tuple[Problem, ...], stream=None) -> None:
    # sys.stderr looked up per call: a default bound at import would bypass later redirections.
    stream = stream or sys.stderr
    for p in problems:
        print(p.format(), file=stream)


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def cmd_build(args: argparse.Namespace) -> int:
    from biteye_site.build import BuildOptions, build
    from biteye_site.config import load_config

    config = load_config(args.config)
    options = BuildOptions(drafts=args.drafts, future=args.future, now=args.now, strict=args.strict,
                           force=args.force, output=Path(args.output).resolve() if args.output else None)
    report = build(config, options)
    if not args.quiet:
        _print_problems(report.warnings)
        total = sum(t for _, t in report.timings)
        stages = ", ".join(f"{name} {t:.2f}s" for name, t in report.timings)
        skipped = []
        if report.skipped_drafts:
            skipped.append(_plural(report.skipped_drafts, "rascunho omitido", "rascunhos omitidos"))
        if report.skipped_future:
            skipped.append(_plural(report.skipped_future, "agendado omitido", "agendados omitidos"))
        print(f"Site gerado em {_shown(report.output)}: {_plural(report.articles, 'artigo', 'artigos')}, "
              f"{_plural(report.pages, 'página', 'páginas')}, {_plural(report.tags, 'tag', 'tags')}, "
              f"{_plural(report.authors, 'autor', 'autores')}"
              + (f" ({'; '.join(skipped)})" if skipped else "") + f" em {total:.2f} s.")
        print(f"Arquivos: {report.written} gravados, {report.unchanged} sem mudança, {report.removed} removidos. "
              f"Etapas: {stages}." + (f" {_plural(len(report.warnings), 'aviso', 'avisos')}." if report.warnings else ""))
    return 0


def _shown(path: Path) -> str:
    try:
        return os.path.relpath(path) + "/"
    except ValueError:
        return str(path)


COMMANDS = {"build": cmd_build}


def main(argv: list[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except BiteyeError as exc:
        _print_problems(exc.problems)
        errors = sum(1 for p in exc.problems if p.severity == "error")
        warnings = len(exc.problems) - errors
        if args.command == "build" and getattr(args, "strict", False) and warnings and not errors:
            print(f"A construção falhou: {_plural(warnings, 'aviso', 'avisos')} com --strict; "
                  "public/ não foi alterado.", file=sys.stderr)
        else:
            print(f"A construção falhou: {_plural(errors, 'erro', 'erros')}"
                  + (f" e {_plural(warnings, 'aviso', 'avisos')}" if warnings else "")
                  + "; a saída anterior não foi alterada.", file=sys.stderr)
        return 2 if isinstance(exc, (ConfigError, OutputError)) else 1
    except KeyboardInterrupt:
        print("Interrompido; a saída anterior não foi alterada.", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - an editor never sees a traceback
        if os.environ.get("BITEYE_DEBUG"):
            raise
        print(f"erro interno do biteye-site: {type(exc).__name__}: {exc} — rode de novo com BITEYE_DEBUG=1 "
              "e relate o problema com a mensagem completa", file=sys.stderr)
        return 1
