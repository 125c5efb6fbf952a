#!/usr/bin/python3
"""Check that executed notebooks render everywhere, as CI requires.

Usage: check-notebooks.py [--html DIR] NOTEBOOK...

Each notebook is validated (nbformat) and rendered to HTML with nbconvert (written to DIR when
given, to look at in a browser). It fails on:
  - error outputs (a cell that raised or whose program failed);
  - rich outputs (HTML, markdown, images) without a text/plain alternative, which Jupyter front
    ends show when they do not render or do not trust the rich one (an untrusted notebook in the
    classic Notebook shows nothing for them); outputs that show nothing (empty, or only a script)
    are exempt;
  - unescaped math in outputs: a "$" in a markdown output not written as "\\$" (outside code
    spans), or a "$" in an HTML output that is not inside a block of class tex2jax_ignore, which
    MathJax would typeset as math (paths such as "$MVC_DATA/usps" become italic formulas).
Needs Debian's python3-nbformat and python3-nbconvert (jupyter-nbconvert).
"""

import argparse
import os
import re
import sys

import nbformat
from nbconvert import HTMLExporter

RICH = ("text/html", "text/markdown", "image/png", "image/svg+xml", "image/jpeg", "text/latex")
NO_MATH = "tex2jax_ignore"


def text(value):
    return "".join(value) if isinstance(value, list) else (value or "")


def without_scripts(html):
    """Returns html without its script and style elements, which show nothing and which MathJax skips."""
    return re.sub(r"<(script|style)\b.*?</\1\s*>", "", html, flags=re.S | re.I)


def visible(mime, value):
    """Tells whether an output's representation shows something."""
    if mime == "text/html":
        return without_scripts(text(value)).strip() != ""
    return text(value).strip() != ""


def unescaped_dollar_markdown(md):
    """Returns the first unescaped "$" of a markdown text, outside code spans, with context."""
    md = re.sub(r"```.*?```", "", md, flags=re.S)
    md = re.sub(r"`[^`\n]*`", "", md)
    for m in re.finditer(r"\$", md):
        i = m.start()
        backslashes = len(md[:i]) - len(md[:i].rstrip("\\"))
        if backslashes % 2 == 0:
            return md[max(0, i - 40) : i + 40]
    return None


def dollar_outside_no_math(html):
    """Returns context of a "$" in HTML that is not inside a tex2jax_ignore block."""
    if "$" not in html:
        return None
    # Remove the tex2jax_ignore blocks: the kernel writes each as one outer <div> that holds the
    # whole output, so everything from its opening tag to the last </div> is skipped by MathJax.
    stripped = re.sub(r'<div class="' + NO_MATH + r'"[^>]*>.*</div>', "", html, flags=re.S)
    i = stripped.find("$")
    if i < 0:
        return None
    return stripped[max(0, i - 40) : i + 40]


def check(path, html_dir):
    problems = []
    nb = nbformat.read(path, as_version=4)
    try:
        nbformat.validate(nb)
    except nbformat.ValidationError as e:
        problems.append(f"invalid notebook: {e.message}")
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        where = f"cell {i} (id {cell.get('id', '?')})"
        for out in cell.get("outputs", []):
            kind = out.get("output_type")
            if kind == "error":
                problems.append(f"{where}: error output {out.get('ename')}: {out.get('evalue')}")
                continue
            if kind not in ("display_data", "execute_result"):
                continue
            data = out.get("data", {})
            # An output that shows nothing (empty, or only a script: what GoNB leaves of its widgets'
            # JavaScript) needs no plain-text alternative.
            rich = [m for m in data if (m in RICH or m.startswith("application/")) and visible(m, data[m])]
            if rich and "text/plain" not in data:
                problems.append(f"{where}: {', '.join(rich)} output without a text/plain alternative")
            if "text/markdown" in data:
                ctx = unescaped_dollar_markdown(text(data["text/markdown"]))
                if ctx is not None:
                    problems.append(f"{where}: unescaped $ in a markdown output: ...{ctx!r}...")
            if "text/html" in data:
                ctx = dollar_outside_no_math(without_scripts(text(data["text/html"])))
                if ctx is not None:
                    problems.append(f"{where}: $ outside a {NO_MATH} block in an HTML output: ...{ctx!r}...")
    try:
        body, _ = HTMLExporter().from_notebook_node(nb)
    except Exception as e:  # nbconvert's errors have no common base class
        problems.append(f"nbconvert cannot render it to HTML: {e}")
    else:
        if html_dir:
            os.makedirs(html_dir, exist_ok=True)
            name = os.path.splitext(os.path.basename(path))[0] + ".html"
            with open(os.path.join(html_dir, name), "w", encoding="utf-8") as f:
                f.write(body)
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--html", help="write each notebook's HTML rendering here")
    ap.add_argument("notebooks", nargs="+")
    args = ap.parse_args()
    failed = 0
    for path in args.notebooks:
        problems = check(path, args.html)
        for p in problems:
            print(f"FAIL {path}: {p}")
        if problems:
            failed += 1
        else:
            print(f"ok   {path}")
    if failed:
        print(f"{failed} of {len(args.notebooks)} notebooks do not render everywhere")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
