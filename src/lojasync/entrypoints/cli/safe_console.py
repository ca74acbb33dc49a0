"""The CLI's consoles: rich's, printing no control character that came with the data.

The store's text is cleaned of them on the way in (`shared.text.without_controls`); an order kept before that,
or any other text the CLI prints, still cannot reach the terminal with an escape sequence in it (security review:
a buyer's name cleared the screen, recoloured amounts and planted a link in `orders list`). rich's own colours
and cursor moves are styles and control segments, not text: they are left alone.
"""

from __future__ import annotations

from rich.console import Console, ConsoleOptions, RenderableType, RenderHook, RenderResult
from rich.segment import Segment

from lojasync.shared.text import without_terminal_controls


class _WithoutControls:
    def __init__(self, renderable: RenderableType) -> None:
        self.renderable = renderable

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for segment in console.render(self.renderable, options):
            text = segment.text
            if segment.control or text.isprintable():
                yield segment
            else:
                yield Segment(without_terminal_controls(text), segment.style)


class _Hook(RenderHook):
    def process_renderables(self, renderables: list[RenderableType]) -> list[RenderableType]:
        return [_WithoutControls(renderable) for renderable in renderables]


def safe_console(**options) -> Console:
    console = Console(**options)
    console.push_render_hook(_Hook())
    return console
