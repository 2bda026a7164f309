"""The knowledge base from the command line: `casedesk kb suggest`, `casedesk kb list`
(README, "Knowledge base").

Store and config imports happen inside the commands, so `--help` is quick."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from cli.cases import CaseNumber
from cli.context import CliError, Context, ctx_of
from cli.output import emit_json, reader_may_leave
from tui.sanitize import clean_line

if TYPE_CHECKING:
    from store.knowledge import Article

kb_app = typer.Typer(help="The knowledge base: the team's articles, suggested for a case.",
                     no_args_is_help=True)


def _require_folder(context: Context) -> None:
    if context.knowledge_path() is None:
        raise CliError("no knowledge base: set [knowledge] folder in the config (a folder of "
                       "Markdown articles, relative to the config file)")


def _article_json(article: Article) -> dict[str, Any]:
    return {"title": article.title, "path": article.path, "url": article.url,
            "tags": list(article.tags)}


def _warn(problem: str | None) -> None:
    if problem:
        typer.echo(f"casedesk: knowledge base: {clean_line(problem)}", err=True)


@kb_app.command("suggest")
def kb_suggest(ctx: typer.Context, number: CaseNumber,
               limit: Annotated[int, typer.Option("--limit", min=1, max=50,
                                                  help="How many articles at most.")] = 3,
               as_json: Annotated[bool, typer.Option(
                   "--json", help="A list, best first, of {title, path, score, url, tags}.")
               ] = False) -> None:
    """The articles that best match a case's title and its customer's words, best first:
    score, title, file (and url)."""
    context = ctx_of(ctx)
    _require_folder(context)
    service = context.service()
    found = service.suggest_articles(number, limit)
    if service.db.knowledge is not None:
        _warn(service.db.knowledge.problem)
    with reader_may_leave():
        if as_json:
            emit_json([{**_article_json(s.article), "score": s.score} for s in found])
            return
        if not found:
            typer.echo(f"No article matches case #{number}.")
        for s in found:
            url = f"  {clean_line(s.article.url)}" if s.article.url else ""
            typer.echo(f"{s.score:8.3f}  {clean_line(s.article.title)}  "
                       f"({clean_line(s.article.path)}){url}")


@kb_app.command("list")
def kb_list(ctx: typer.Context, as_json: Annotated[bool, typer.Option(
        "--json", help="A list of {title, path, url, tags}.")] = False) -> None:
    """Every article of the knowledge base, by file, and what is wrong with the folder
    or a file in it (on standard error)."""
    from store.knowledge import KnowledgeBase

    context = ctx_of(ctx)
    _require_folder(context)
    folder = context.knowledge_path()
    assert folder is not None
    base = KnowledgeBase(folder)  # the files alone: no database needed
    articles = base.articles()
    _warn(base.problem)
    with reader_may_leave():
        if as_json:
            emit_json([_article_json(a) for a in articles])
            return
        if not articles:
            typer.echo(f"No articles in {clean_line(str(folder))}.")
        for a in articles:
            tags = f"  [{clean_line(', '.join(a.tags))}]" if a.tags else ""
            typer.echo(f"{clean_line(a.path)}: {clean_line(a.title)}{tags}")
