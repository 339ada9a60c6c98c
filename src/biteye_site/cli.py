"""Command line: build, check, new, clean, serve. Errors become 'path:line:col: message — hint'."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from datetime import datetime
from pathlib import Path

from biteye_site import __version__
from biteye_site.progress import Progress
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

    def no_cache(p: argparse.ArgumentParser) -> None:
        p.add_argument("--no-cache", action="store_true",
                       help="ignora o cache de construção (.biteye-cache/) e refaz tudo")

    b = sub.add_parser("build", help="gera o site em public/")
    common(b)
    no_cache(b)
    b.add_argument("--output", help="pasta de saída (padrão: output_dir de site.yaml, ou public)")
    b.add_argument("--force", action="store_true", help="substitui uma pasta de saída que não foi criada pelo biteye-site")
    b.add_argument("--quiet", action="store_true", help="mostra só erros")

    s = sub.add_parser("serve", help="prévia local que se atualiza a cada arquivo salvo")
    common(s)
    no_cache(s)
    s.add_argument("--host", default="127.0.0.1", help="endereço (padrão: 127.0.0.1, só este computador)")
    s.add_argument("--port", type=int, default=8000, help="porta (padrão: 8000)")

    n = sub.add_parser("new", help="cria um rascunho em content/<ano>/<slug>.md")
    n.add_argument("title", help='título do artigo, entre aspas: "Título do artigo"')
    n.add_argument("--config", default="site.yaml", help="arquivo de configuração (padrão: site.yaml)")
    n.add_argument("--author", action="append", default=[], metavar="NOME",
                   help="autor (repita para vários; padrão: default_author de site.yaml)")
    n.add_argument("--tag", action="append", default=[], metavar="TAG", help="tag (repita para várias)")
    n.add_argument("--slug", help="endereço do artigo (padrão: gerado do título)")
    n.add_argument("--now", type=_parse_now, help="data do artigo (padrão: SOURCE_DATE_EPOCH ou o relógio)")

    c = sub.add_parser("check", help="confere links, imagens, âncoras, tags, autores e avisos")
    common(c)
    no_cache(c)
    c.add_argument("--dir", metavar="PASTA", help="confere um site já gerado (por exemplo public/) em vez de gerar em memória")

    k = sub.add_parser("clean", help="apaga public/ e o cache .biteye-cache/")
    k.add_argument("--config", default="site.yaml", help="arquivo de configuração (padrão: site.yaml)")
    k.add_argument("--force", action="store_true", help="apaga a pasta de saída mesmo sem a marca do biteye-site")
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
                           force=args.force, output=Path(args.output).resolve() if args.output else None,
                           use_cache=not args.no_cache, progress=Progress(quiet=args.quiet))
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
        print(f"Arquivos: {report.written} gravados, {report.unchanged} sem mudança, {report.removed} removidos; "
              f"{report.rendered} renderizados, {report.cache_hits} artigos do cache. "
              f"Etapas: {stages}." + (f" {_plural(len(report.warnings), 'aviso', 'avisos')}." if report.warnings else ""))
        if report.search_size is not None and report.search_seconds is not None:  # indexed in this build
            size = report.search_size
            shown = f"{size / 1e6:.1f} MB".replace(".", ",") if size >= 1e6 else f"{size / 1e3:.0f} kB"
            print(f"Busca: índice de {shown} gerado em {report.search_seconds:.2f} s.")
    return 0


def _shown(path: Path) -> str:
    try:
        return os.path.relpath(path) + "/"
    except ValueError:
        return str(path)


def cmd_serve(args: argparse.Namespace) -> int:
    from biteye_site.build import BuildOptions
    from biteye_site.server import Preview

    options = BuildOptions(drafts=args.drafts, future=args.future, now=args.now, strict=args.strict,
                           use_cache=not args.no_cache)
    preview = Preview(args.config, options, host=args.host, port=args.port)

    def terminate(signum, frame):  # `kill` or a closed terminal: leave like Ctrl+C, removing the temp folder
        raise KeyboardInterrupt

    # Put back when serve returns: a process that goes on (the tests) must not keep it, nor
    # hand it to the build workers it forks later.
    before = signal.signal(signal.SIGTERM, terminate)
    try:
        try:
            preview.start()
        except OSError as exc:
            print(f"não foi possível escutar em {args.host}:{args.port}: {exc.strerror or exc} — "
                  "outra prévia já está aberta? Use outra porta com --port 8001", file=sys.stderr)
            return 2
        shown = []
        if args.drafts:
            shown.append("rascunhos (selo 'Rascunho')")
        if args.future:
            shown.append("agendados (selo 'Agendado')")
        print(f"Prévia em {preview.url} — Ctrl+C para sair.")
        print("Observando content/, templates/, static/ e site.yaml; a página se atualiza a cada arquivo salvo."
              + (f" Incluindo {' e '.join(shown)}." if shown else ""), flush=True)
        if args.host not in ("127.0.0.1", "localhost", "::1"):
            print(f"aviso: --host {args.host} deixa a prévia visível para outros computadores da rede",
                  file=sys.stderr)
        try:
            preview.wait()
        except KeyboardInterrupt:
            print("\nPrévia encerrada.")
        return 0
    finally:
        preview.stop()
        signal.signal(signal.SIGTERM, before)


def cmd_new(args: argparse.Namespace) -> int:
    from biteye_site.build import reference_time
    from biteye_site.config import load_config
    from biteye_site.scaffold import create_article, plan_article

    config = load_config(args.config)
    new = plan_article(config, args.title, reference_time(args.now), args.author, args.tag, args.slug)
    path = create_article(config, new)
    print(_relative(path))
    print("Rascunho criado (draft: true). Veja-o com: biteye-site serve --drafts; "
          "para publicar, apague a linha 'draft: true'.", file=sys.stderr)
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from biteye_site.build import BuildOptions, generate, open_cache
    from biteye_site.check import check_folder, check_generated, summarize
    from biteye_site.config import load_config

    config = load_config(args.config)
    if args.dir:
        folder = Path(args.dir)
        problems = check_folder(folder, config)
        checked = f"em {_shown(folder.resolve())}"
    else:
        options = BuildOptions(drafts=args.drafts, future=args.future, now=args.now, strict=False,
                               use_cache=not args.no_cache)
        cache = open_cache(config, options)
        try:
            generated = generate(config, options, cache)
        except BiteyeError as exc:
            problems = list(exc.problems)
        else:
            problems = check_generated(generated, config)
        finally:
            cache.close()
        checked = "no site gerado em memória"
    _print_problems(tuple(problems))
    if problems:
        errors, warnings = summarize(problems)
        print(f"A verificação falhou: {_plural(errors, 'erro', 'erros')} e {_plural(warnings, 'aviso', 'avisos')} "
              f"{checked}.", file=sys.stderr)
        return 1
    print(f"Tudo certo: links, imagens, âncoras, tags e autores conferidos {checked}, sem avisos.")
    return 0


def cmd_clean(args: argparse.Namespace) -> int:
    from biteye_site.config import load_config
    from biteye_site.output import clean

    config = load_config(args.config)
    removed = clean(config.output_dir, config.cache_dir, root=config.root, content=config.content_dir,
                    protected=(config.templates_dir, config.static_dir), force=args.force)
    if removed:
        print("Apagado: " + ", ".join(_shown(p) for p in removed))
    else:
        print("Nada para apagar.")
    return 0


def _relative(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


COMMANDS = {"build": cmd_build, "serve": cmd_serve, "new": cmd_new, "check": cmd_check, "clean": cmd_clean}


_COMMAND_FAILED = {"new": "Nenhum arquivo foi criado", "clean": "Nada foi apagado", "check": "A verificação não pôde rodar"}


def main(argv: list[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except BiteyeError as exc:
        _print_problems(exc.problems)
        errors = sum(1 for p in exc.problems if p.severity == "error")
        warnings = len(exc.problems) - errors
        if args.command in ("new", "clean", "check"):
            print(f"{_COMMAND_FAILED[args.command]}: {_plural(len(exc.problems), 'problema', 'problemas')}.",
                  file=sys.stderr)
        elif args.command == "serve":
            print("A prévia não pôde começar; corrija o erro acima e rode biteye-site serve de novo.", file=sys.stderr)
        elif args.command == "build" and getattr(args, "strict", False) and warnings and not errors:
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


def entry() -> None:
    """The ``biteye-site`` command: main(), then the process ends at once.

    Everything is written and closed when main() returns (pages, cache, temporary
    folders). What is left is the interpreter taking apart a heap of ten thousand
    articles object by object, 0.2 s of a small rebuild at that size, for nothing.
    """
    code = main()
    if _observed():
        sys.exit(code)  # a profiler or coverage writes its report at exit: let it
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing more can be shown anyway
            pass
    os._exit(code)


def _observed() -> bool:
    """Whether a profiler, tracer or (Python 3.12+) sys.monitoring tool watches this process."""
    if sys.getprofile() is not None or sys.gettrace() is not None:
        return True
    monitoring = getattr(sys, "monitoring", None)
    return monitoring is not None and any(monitoring.get_tool(tool) is not None for tool in range(6))
