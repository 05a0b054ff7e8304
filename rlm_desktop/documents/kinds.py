"""What kind of document a file is: extension tables, magic bytes and the looks-like-text check."""

from __future__ import annotations

import os


def _words(text: str) -> list[str]:
    """A list from space-separated words (keeps the long tables below readable)."""
    return text.split()


TEXT_EXTENSIONS = frozenset(
    _words(
        "txt text md markdown mdown mkd rst adoc asciidoc org tex latex bib log out nfo srt vtt "
        "po pot diff patch eml mbox readme me changes changelog todo"
    )
)
DATA_EXTENSIONS = frozenset(
    _words(
        "json jsonl ndjson geojson ipynb yaml yml toml xml xsd xsl xslt rss atom plist ini cfg "
        "conf config properties env editorconfig gitignore gitattributes dockerignore lock sum mod "
        "gradle sbt cabal"
    )
)
CODE_EXTENSIONS = frozenset(
    _words(
        "py pyi pyw pyx pxd c h cc cpp cxx c++ hpp hh hxx inl ipp m mm java kt kts scala sc groovy "
        "go rs swift js mjs cjs jsx ts mts cts tsx vue svelte astro rb erb rake gemspec php phtml "
        "pl pm t r rmd jl lua sh bash zsh fish ksh csh ps1 psm1 psd1 bat cmd sql psql cs csx fs "
        "fsi fsx vb vbs dart ex exs eex heex erl hrl hs lhs ml mli clj cljs cljc edn lisp lsp el "
        "scm ss rkt nim zig v sv svh vhd vhdl asm s f f77 f90 f95 f03 for pas pp d di cr cmake mk "
        "mak make ninja bzl bazel proto thrift avdl graphql gql tf tfvars hcl nix dockerfile "
        "containerfile sol vy coffee elm purs idr agda lean tcl awk sed vim cu cuh glsl vert frag "
        "hlsl metal wgsl css scss sass less styl haml pug jade jinja jinja2 j2 twig hbs handlebars "
        "mustache ejs liquid tpl tmpl razor cshtml ino pde gd gdshader qml re rei res resi "
        "applescript ahk au3 prg cls bas frm st factor forth fth pro prolog pony odin hx"
    )
)
CODE_FILENAMES = frozenset(
    _words(
        "makefile gnumakefile dockerfile containerfile rakefile gemfile procfile vagrantfile "
        "jenkinsfile justfile brewfile podfile cmakelists.txt build buck workspace"
    )
)
HTML_EXTENSIONS = frozenset({"html", "htm", "xhtml", "shtml"})
IMAGE_EXTENSIONS = frozenset(_words("png jpg jpeg jpe jfif tif tiff webp bmp gif"))
"""Pictures of pages, read by text recognition (OCR)."""

RICH_KINDS: dict[str, str] = {
    "pdf": "pdf",
    "docx": "docx",
    "xlsx": "xlsx",
    "xlsm": "xlsx",
    "pptx": "pptx",
    "pptm": "pptx",
    "odt": "odt",
    "ods": "ods",
    "odp": "odp",
    "epub": "epub",
    "csv": "csv",
    "tsv": "tsv",
    "tab": "tsv",
}

_IMAGE = "this kind of picture is not read; save it as PNG or JPEG to have its text read"
_MEDIA = "audio and video files are not documents"
_ARCHIVE = "archives are not opened; unpack it and drop the folder instead"
_PROGRAM = "programs and binary data are not documents"
_FONT = "font files are not documents"
UNSUPPORTED: dict[str, str] = {
    **dict.fromkeys(
        _words("heic heif avif ico icns svg psd raw cr2 nef dng xcf ai eps"),
        _IMAGE,
    ),
    **dict.fromkeys(
        _words(
            "mp3 wav flac ogg oga opus m4a aac wma aiff mid midi mp4 m4v mov avi mkv webm wmv "
            "flv mpg mpeg 3gp"
        ),
        _MEDIA,
    ),
    **dict.fromkeys(
        _words("zip tar gz tgz bz2 tbz xz txz zst 7z rar lz lzma cab iso dmg jar war apk whl"),
        _ARCHIVE,
    ),
    **dict.fromkeys(
        _words(
            "exe dll so dylib o obj a lib class pyc pyo pyd wasm bin dat img msi deb rpm appimage "
            "sqlite sqlite3 db mdb accdb pkl pickle npy npz h5 hdf5 parquet feather arrow onnx pt "
            "pth safetensors gguf ckpt"
        ),
        _PROGRAM,
    ),
    **dict.fromkeys(_words("ttf otf woff woff2 eot"), _FONT),
    "doc": "old Word .doc files are not supported; save it as .docx or PDF",
    "dot": "old Word .dot files are not supported; save it as .docx or PDF",
    "docm": "macro-enabled Word files (.docm) are not read; save it as .docx",
    "dotx": "Word templates (.dotx) are not read; save it as .docx",
    "xls": "old Excel .xls files are not supported; save it as .xlsx or CSV",
    "ppt": "old PowerPoint .ppt files are not supported; save it as .pptx or PDF",
    "rtf": "RTF files are not supported yet; save it as .docx or .txt",
    "pages": "Apple Pages files are not supported; export it as PDF or .docx",
    "numbers": "Apple Numbers files are not supported; export it as .xlsx or CSV",
    "key": "Apple Keynote files are not supported; export it as PDF or .pptx",
    "mobi": "Kindle .mobi files are not supported; convert it to EPUB",
    "azw": "Kindle files are not supported; convert it to EPUB",
    "azw3": "Kindle files are not supported; convert it to EPUB",
    "djvu": "DjVu files are not supported; convert it to PDF",
}

SNIFF_BYTES = 8192
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
# Control bytes that do not occur in text (tab, LF, FF, CR and ESC do).
_BINARY_CONTROLS = bytes(set(range(32)) - {8, 9, 10, 12, 13, 27}) + b"\x7f"
_DELETE_CONTROLS = bytes.maketrans(b"", b"")


def extension(path: str) -> str:
    """The lower-case extension without its dot ('' when there is none)."""
    base = os.path.basename(path).lower()
    if "." not in base.lstrip("."):
        return ""
    return base.rsplit(".", 1)[1]


def kind_from_name(path: str) -> str | None:
    """The kind a file's name promises, or None when the name says nothing useful."""
    ext = extension(path)
    if ext in RICH_KINDS:
        return RICH_KINDS[ext]
    if ext in HTML_EXTENSIONS:
        return "html"
    if ext in IMAGE_EXTENSIONS:
        return "image"
    if ext in CODE_EXTENSIONS:
        return "code"
    if ext in DATA_EXTENSIONS:
        return "data"
    if ext in TEXT_EXTENSIONS:
        return "text"
    if os.path.basename(path).lower() in CODE_FILENAMES:
        return "code"
    return None


def unsupported_reason(path: str) -> str | None:
    """One sentence for a file type the app knows it cannot read, else None."""
    return UNSUPPORTED.get(extension(path))


def _mostly_printable(data: bytes) -> bool:
    printable = sum(1 for b in data if 32 <= b < 127 or b in (9, 10, 13))
    return printable >= 0.9 * len(data)


def utf16_without_bom(sample: bytes) -> str | None:
    """'utf-16-le'/'utf-16-be' when the sample looks like mostly-ASCII UTF-16 without a BOM."""
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le" if _mostly_printable(even) else None
    if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be" if _mostly_printable(odd) else None
    return None


def looks_like_text(sample: bytes) -> bool:
    """True when the first bytes of a file read as text rather than binary data."""
    if not sample:
        return True
    if sample.startswith(_BOMS) or utf16_without_bom(sample):
        return True
    if 0 in sample:
        return False
    controls = len(sample) - len(sample.translate(_DELETE_CONTROLS, _BINARY_CONTROLS))
    return controls <= 0.02 * len(sample)


def kind_from_content(sample: bytes) -> str | None:
    """The kind the first bytes reveal ('pdf', 'text'), or None for binary data."""
    if sample.startswith(b"%PDF-"):
        return "pdf"
    head = sample[:512].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")):
        return "html"
    return "text" if looks_like_text(sample) else None
