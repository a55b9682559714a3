#!/usr/bin/python3
"""ru_corpus.py: a plain-text Russian corpus from the Debian packages listed in PACKAGES,
split into training and held-out text, for tools/train_ru_gpt2.py.

Run from the repository root on Debian 12, as root or with sudo (missing packages are
installed with apt-get):

    tools/ru_corpus.py --out /work/ru-data/corpus

What it writes into --out (none of it belongs in the repository):
  train.txt      training units separated by <|endoftext|>
  heldout.txt    held-out units separated by <|endoftext|>
  bpe-input.txt  the training units alone, one blank line apart (the tokenizer's input)
  manifest.json  package versions and licences, unit and character counts per source

A unit is one fortune, or a run of consecutive paragraphs of at most UNIT_CHARS characters
from a manual page or a document. A unit goes to the held-out set when the MD5 of its text,
as a number, is divisible by HELDOUT_EVERY; the split therefore depends on nothing but the
text. Paragraphs are kept when they are long enough and mostly Cyrillic (translations leave
many English paragraphs untranslated), and each distinct paragraph is kept once, so that the
single-page and per-chapter copies of a guide do not leak between the two sets.
"""

import argparse
import collections
import gzip
import hashlib
import html.parser
import json
import os
import re
import subprocess
import sys

HELDOUT_EVERY = 20  # about 5% of the units
UNIT_CHARS = 2000
MIN_PARAGRAPH = 40  # characters; shorter lines are headings, option names, table cells
MIN_CYRILLIC = 0.6  # share of Cyrillic among the letters of a kept paragraph

# (package, licence of its Russian text as its debian/copyright states it, reader)
# debian-faq-ru is left out: its permission notice asks that derived works carry that same
# notice, which the GPL of the other texts does not allow alongside it.
PACKAGES = [
    ("fortunes-ru", "GPL-2+", "fortunes"),
    ("manpages-ru", "GPL-3+", "manpages"),
    ("developers-reference-ru", "GPL-2+", "devref"),
    ("maint-guide-ru", "GPL-2+", "maintguide"),
    ("aptitude-doc-ru", "GPL-2+", "aptitude"),
]
TOOLS = ["groff-base"]  # groff and preconv turn manual pages into text


# ---- Packages ------------------------------------------------------------------------------

def installed(pkg):
    r = subprocess.run(["dpkg-query", "-W", "-f=${Status}", pkg], capture_output=True,
                       text=True)
    return r.returncode == 0 and "install ok installed" in r.stdout


def ensure_packages():
    missing = [p for p in [p[0] for p in PACKAGES] + TOOLS if not installed(p)]
    if not missing:
        return
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    print("ru_corpus: installing " + " ".join(missing), file=sys.stderr)
    subprocess.run(sudo + ["apt-get", "update", "-qq"], check=True)
    subprocess.run(sudo + ["env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install",
                           "-y", "-qq"] + missing, check=True, stdout=subprocess.DEVNULL)


def package_files(pkg):
    out = subprocess.run(["dpkg", "-L", pkg], capture_output=True, text=True, check=True)
    return sorted(f for f in out.stdout.splitlines() if os.path.isfile(f))


def package_version(pkg):
    return subprocess.run(["dpkg-query", "-W", "-f=${Version}", pkg], capture_output=True,
                          text=True, check=True).stdout


# ---- Cleaning ------------------------------------------------------------------------------

CYRILLIC = re.compile(r"[\u0400-\u04FF]")
LETTER = re.compile(r"[^\W\d_]")
SPACES = re.compile(r"[ \t\u00a0]+")


def normalize(text):
    """One paragraph: no soft hyphens or control characters, single spaces."""
    text = text.replace("\u00ad", "").replace("\u2010", "-")
    text = "".join(c for c in text if c == "\n" or c >= " ")
    return SPACES.sub(" ", text).strip()


def mostly_russian(text):
    letters = LETTER.findall(text)
    return bool(letters) and len(CYRILLIC.findall(text)) >= MIN_CYRILLIC * len(letters)


def keep_paragraph(p):
    return len(p) >= MIN_PARAGRAPH and mostly_russian(p)


def units_from_paragraphs(paragraphs):
    """Consecutive paragraphs grouped into units of at most UNIT_CHARS (a longer paragraph
    is a unit of its own)."""
    unit, size = [], 0
    for p in paragraphs:
        if unit and size + len(p) > UNIT_CHARS:
            yield "\n".join(unit)
            unit, size = [], 0
        unit.append(p)
        size += len(p) + 1
    if unit:
        yield "\n".join(unit)


# ---- Readers: each yields (source name, list of paragraphs) --------------------------------

def read_fortunes(files):
    """Fortune files: entries separated by a line holding '%'. Lines a fortune file wrapped
    near 80 columns are joined; dialogue lines stay separate. The closing '-- author' line
    (three fortunes in four have one) is dropped: names are not prose, and a model trained
    with them ends most sentences by naming the largest collection's author."""
    for path in files:
        if "/games/fortunes/" not in path or path.endswith((".dat", ".u8")):
            continue
        with open(path, encoding="utf-8", errors="replace") as f:
            entries = f.read().split("\n%\n")
        for entry in entries:
            lines = [normalize(l) for l in entry.strip("%\n").split("\n")]
            lines = [l for l in lines if l]
            joined = []
            for line in lines:
                starts_own = line.startswith(("-", "\u2014", "\u2013")) or not joined
                if not starts_own and len(joined[-1]) >= 55:
                    joined[-1] += " " + line
                else:
                    joined.append(line)
            if len(joined) > 1 and joined[-1].startswith("-- "):
                joined.pop()
            text = "\n".join(joined)
            if text and mostly_russian(text):
                yield os.path.basename(path), [text]


def man_to_text(path):
    """A manual page as text, one paragraph a line: groff with a very long line, no
    hyphenation, no justification, no bold or underline."""
    with gzip.open(path, "rb") as f:
        source = b".nh\n.ad l\n" + f.read()
    r = subprocess.run(["sh", "-c", "preconv -e utf-8 | groff -mandoc -Tutf8 -P-cbou "
                        "-rLL=5000n 2>/dev/null"], input=source, capture_output=True)
    return r.stdout.decode("utf-8", errors="replace")


def read_manpages(files):
    for path in files:
        if not path.endswith(".gz") or "/man/ru/" not in path:
            continue
        lines = man_to_text(path).split("\n")
        body = [normalize(l) for l in lines[1:-2]]  # first and last: header and footer
        yield os.path.basename(path), [l for l in body if keep_paragraph(l)]


class HTMLText(html.parser.HTMLParser):
    """Text of an HTML page, one paragraph per block element; code, navigation and
    scripts are dropped."""
    BLOCKS = {"p", "div", "li", "dd", "dt", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6",
              "br", "tr", "table", "ul", "ol", "dl", "title", "blockquote"}
    SKIP = {"pre", "code", "script", "style", "head", "tt", "kbd", "samp"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.paragraphs, self.current, self.skipping = [], [], 0

    def flush(self):
        text = normalize(" ".join(self.current).replace("\n", " "))
        if text:
            self.paragraphs.append(text)
        self.current = []

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCKS:
            self.flush()

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCKS:
            self.flush()

    def handle_data(self, data):
        if not self.skipping:
            self.current.append(data)


def read_html(files, keep):
    for path in files:
        if not path.endswith(".html") or not keep(path):
            continue
        parser = HTMLText()
        with open(path, encoding="utf-8", errors="replace") as f:
            parser.feed(f.read())
        parser.close()
        parser.flush()
        yield os.path.basename(path), [p for p in parser.paragraphs if keep_paragraph(p)]


READERS = {
    "fortunes": read_fortunes,
    "manpages": read_manpages,
    # The single-page edition repeats the chapters.
    "devref": lambda fs: read_html(fs, lambda p: "/ru/" in p and
                                   not p.endswith("developers-reference.html")),
    "maintguide": lambda fs: read_html(fs, lambda p: p.endswith(".ru.html")),
    "aptitude": lambda fs: read_html(fs, lambda p: "/html/ru/" in p),
}


# ---- Corpus --------------------------------------------------------------------------------

def is_heldout(unit):
    return int(hashlib.md5(unit.encode("utf-8")).hexdigest(), 16) % HELDOUT_EVERY == 0


def collect():
    """Units of every package in PACKAGES order, each paragraph seen only once."""
    seen, units, stats = set(), {"train": [], "heldout": []}, collections.OrderedDict()
    for pkg, licence, reader in PACKAGES:
        s = stats[pkg] = {"version": package_version(pkg), "licence": licence,
                          "documents": 0, "train_units": 0, "heldout_units": 0,
                          "train_chars": 0, "heldout_chars": 0}
        for _name, paragraphs in READERS[reader](package_files(pkg)):
            fresh = []
            for p in paragraphs:
                if p not in seen:
                    seen.add(p)
                    fresh.append(p)
            s["documents"] += 1
            for unit in units_from_paragraphs(fresh):
                split = "heldout" if is_heldout(unit) else "train"
                units[split].append(unit)
                s[split + "_units"] += 1
                s[split + "_chars"] += len(unit)
    return units, stats


def write_text(path, units, separator):
    with open(path, "w", encoding="utf-8") as f:
        f.write(separator.join(units))
        f.write("\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, help="folder for the corpus files")
    out = ap.parse_args().out
    ensure_packages()
    os.makedirs(out, exist_ok=True)
    units, stats = collect()
    eot = "<|endoftext|>"  # read as the one eos token by `vkgpt tokenize --special`
    write_text(os.path.join(out, "train.txt"), units["train"], eot)
    write_text(os.path.join(out, "heldout.txt"), units["heldout"], eot)
    write_text(os.path.join(out, "bpe-input.txt"), units["train"], "\n\n")
    manifest = {"heldout_every": HELDOUT_EVERY, "unit_chars": UNIT_CHARS,
                "min_paragraph": MIN_PARAGRAPH, "min_cyrillic": MIN_CYRILLIC,
                "packages": stats}
    with open(os.path.join(out, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, ensure_ascii=False, indent=1)
        f.write("\n")
    for pkg, s in stats.items():
        print(f"{pkg:26s} {s['version']:18s} train {s['train_chars']:9d} chars "
              f"({s['train_units']} units), held-out {s['heldout_chars']:8d} chars "
              f"({s['heldout_units']} units)")


if __name__ == "__main__":
    main()
