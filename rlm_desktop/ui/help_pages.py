"""Help ▸ Getting started, Help ▸ Keyboard shortcuts and Help ▸ About this computer: short
pages inside the app (no browser, no network), each a small non-modal dialog.
"""

from __future__ import annotations

import os
import platform

import psutil
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

from rlm_desktop.llm.base import BackendInfo
from rlm_desktop.ui.format import human_size
from rlm_desktop.ui.status_bar import ALL_LAYERS, LAYER_WORDS, technical

GETTING_STARTED = """
<h2>Getting started</h2>
<ol>
<li><b>Add your documents.</b> Drop files or a folder anywhere on the window, or use
<i>Add files…</i> (Ctrl+O). PDF, Word, spreadsheets, slides, web pages, e-books and text
all work. Scanned pages and photos of pages are read by text recognition (OCR), marked
“read by OCR”: check their wording (File ▸ Read scanned pages turns it off). Everything stays
on this computer.</li>
<li><b>Ask a question</b> in the Question box and press <b>Enter</b> (Shift+Enter starts a new
line). Press <b>Esc</b> to stop.</li>
<li><b>Read the answer</b>, then check it: the pane <i>How the answer was found</i> (F9) shows
each step in plain words, such as “Searched all documents for ‘liability cap’ → 1 match
(supply_agreement.pdf, page 9)”. Click a step and <i>Show details</i> to see exactly what the
model wrote, the small program it ran and what that program printed.</li>
</ol>
<h3>What the steps mean</h3>
<p>The model does not read all your documents at once. It works like a careful assistant:
it <b>searches</b> them, <b>reads</b> the parts that matter, <b>asks a helper</b> (a second
call to the model) about one document or one part at a time, <b>counts</b> or adds up the
helpers' answers, and finally <b>writes the answer</b>. Places in PDFs are given as
<i>page, then line within the page</i>.</p>
<h3>The demo model</h3>
<p>The app comes with a tiny demo model so you can try it at once. It can find a sentence
that contains your words and copy a number or a name from it, but it <b>often gets answers
wrong</b> and cannot summarise, compare or reason over long documents. For real work choose a
bigger model in <i>Models ▸ Manage models…</i>.</p>
"""

SHORTCUTS = (
    ("Enter", "Ask the question"),
    ("Shift+Enter", "New line in the question"),
    ("Ctrl+Enter", "Ask the question (from anywhere in the window)"),
    ("Esc", "Stop the run"),
    ("Ctrl+O", "Add files"),
    ("Delete", "Remove the selected documents"),
    ("F9", "Show or hide How the answer was found"),
    ("F1", "Getting started"),
    ("Ctrl+Q", "Quit (asks first during a run)"),
)


def _page(parent: QWidget, title: str, html: str, name: str) -> QDialog:
    dialog = QDialog(parent)
    dialog.setObjectName(name)
    dialog.setWindowTitle(title)
    text = QTextBrowser()
    text.setOpenLinks(False)
    text.setAccessibleName(title)
    text.setHtml(html)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    buttons.rejected.connect(dialog.close)
    layout = QVBoxLayout(dialog)
    layout.addWidget(text, 1)
    layout.addWidget(buttons)
    dialog.resize(560, 520)
    dialog.open()
    return dialog


def getting_started(parent: QWidget) -> QDialog:
    return _page(parent, "Getting started", GETTING_STARTED, "gettingStarted")


def keyboard_shortcuts(parent: QWidget) -> QDialog:
    rows = "".join(f"<tr><td><b>{k}</b></td><td>{what}</td></tr>" for k, what in SHORTCUTS)
    html = f"<h2>Keyboard shortcuts</h2><table cellpadding='4'>{rows}</table>"
    return _page(parent, "Keyboard shortcuts", html, "keyboardShortcuts")


def about_computer(parent: QWidget, info: BackendInfo | None, layers: list[str]) -> QDialog:
    """The technical details the status bar keeps out of sight."""
    model = "<br>".join(technical(info)) if info else "No model is loaded."
    shown = [
        f"<li>{LAYER_WORDS.get(n, n)} ({n}): {'on' if n in layers else 'not available'}</li>"
        for n in ALL_LAYERS
    ]
    memory = psutil.virtual_memory()
    html = (
        "<h2>About this computer</h2>"
        f"<h3>Model</h3><p>{model}</p>"
        f"<h3>Safety layers around the model's code</h3><ul>{''.join(shown)}</ul>"
        "<h3>Computer</h3>"
        f"<p>{platform.system()} {platform.release()} ({platform.machine()}), "
        f"{os.cpu_count() or '?'} processor cores, {human_size(memory.total)} memory "
        f"({human_size(memory.available)} free), Python {platform.python_version()}.</p>"
        "<p>The app does not use the network: documents and questions stay here.</p>"
    )
    return _page(parent, "About this computer", html, "aboutComputer")
