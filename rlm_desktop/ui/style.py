"""The window's small style sheet: section titles, the drop hint, the first-run card and the
outcome banners. Colours come from the palette (light or dark) or read on both.
"""

from __future__ import annotations

STYLE = """
QLabel#sectionTitle, QLabel#paneTitle { font-weight: 600; font-size: 11pt; padding: 2px 0; }
QLabel#paneTitle { font-size: 12pt; }
QLabel#cardTitle { font-weight: 600; font-size: 13pt; }
QLabel#dropHint {
    border: 2px dashed palette(mid); border-radius: 10px; padding: 18px;
    color: palette(text); background: palette(base);
}
QFrame#modelSetup {
    border: 1px solid palette(mid); border-radius: 10px; background: palette(base);
    padding: 6px;
}
QLabel#paneHint { color: palette(placeholder-text); padding: 24px; }
QLabel#caption { color: palette(placeholder-text); }
QLabel#errorLine, QLabel#banner[status="error"] {
    background: rgba(214, 69, 69, 0.16); border-radius: 6px; padding: 6px 8px;
}
QLabel#banner[status="cancelled"] {
    background: rgba(138, 143, 152, 0.20); border-radius: 6px; padding: 6px 8px;
}
QLabel#banner[status="budget"], QLabel#banner[status="unverified"] {
    background: rgba(217, 138, 28, 0.20); border-radius: 6px; padding: 6px 8px;
}
QLabel#banner[status="found"] {
    background: rgba(46, 160, 67, 0.16); border-radius: 6px; padding: 6px 8px;
}
QLabel#statsLine { color: palette(placeholder-text); }
QLabel#dropOverlay {
    background: rgba(45, 127, 249, 0.18); border: 3px dashed #2d7ff9; border-radius: 14px;
    font-size: 16pt; font-weight: 600; color: palette(text);
}
QPushButton#askButton { font-weight: 600; padding: 6px 18px; }
QStatusBar QLabel { padding: 0 8px; }
QFrame#demoBadge {
    background: rgba(217, 138, 28, 0.28); border: 1px solid rgba(217, 138, 28, 0.8);
    border-radius: 6px;
}
QLabel#demoBadgeText { font-weight: 600; background: transparent; border: none; }
"""
