"""A read-only code view with pygments highlighting, in a light or dark style to match the
palette. Text is inserted token by token with QTextCharFormats (no HTML round trip).
"""

from __future__ import annotations

from functools import cache, lru_cache

from pygments.lexers import PythonLexer
from pygments.styles import get_style_by_name
from pygments.token import _TokenType
from PySide6.QtCore import QEvent
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QGuiApplication,
    QPalette,
    QTextCharFormat,
    QTextCursor,
)
from PySide6.QtWidgets import QPlainTextEdit, QWidget

LIGHT_STYLE, DARK_STYLE = "default", "github-dark"
PALETTE_EVENTS = (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange)


def is_dark(palette: QPalette | None = None) -> bool:
    """Whether the application palette (or `palette`) is a dark one."""
    palette = palette or QGuiApplication.palette()
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


@cache
def python_lexer() -> PythonLexer:
    """One lexer, made when the first code view is: its first use compiles many regexes."""
    return PythonLexer(stripnl=False, ensurenl=False)


@lru_cache(maxsize=512)
def _format(style_name: str, token: _TokenType) -> QTextCharFormat:
    style = get_style_by_name(style_name).style_for_token(token)
    fmt = QTextCharFormat()
    if style["color"]:
        fmt.setForeground(QColor(f"#{style['color']}"))
    if style["bold"]:
        fmt.setFontWeight(QFont.Weight.Bold)
    if style["italic"]:
        fmt.setFontItalic(True)
    return fmt


def mono_font() -> QFont:
    return QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)


class CodeView(QPlainTextEdit):
    """Shows one piece of Python, highlighted."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setAcceptDrops(False)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setFont(mono_font())
        self._code = ""
        self._style = ""
        self._apply_style()
        list(python_lexer().get_tokens("x = 1"))  # pay the lexer's one-off set-up now, not mid-run

    def _apply_style(self) -> None:
        dark = is_dark()
        self._style = DARK_STYLE if dark else LIGHT_STYLE
        background = get_style_by_name(self._style).background_color or "#ffffff"
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Base, QColor(background))
        palette.setColor(QPalette.ColorRole.Text, QColor("#e6edf3" if dark else "#1f2328"))
        self.viewport().setPalette(palette)
        self.setPalette(palette)

    def set_code(self, code: str) -> None:
        if code == self._code and self.document().characterCount() > 1:
            return
        self._code = code
        self._render()

    def _render(self) -> None:
        self.clear()
        cursor = QTextCursor(self.document())
        cursor.beginEditBlock()
        for token, value in python_lexer().get_tokens(self._code):
            cursor.insertText(value, _format(self._style, token))
        cursor.endEditBlock()
        self.moveCursor(QTextCursor.MoveOperation.Start)

    def restyle(self) -> None:
        """Follow a light/dark palette change."""
        self._apply_style()
        self._render()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        wanted = DARK_STYLE if is_dark() else LIGHT_STYLE
        if event.type() in PALETTE_EVENTS and wanted != self._style:
            self.restyle()
