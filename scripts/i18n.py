"""Refresh the English catalogue: extract every _() string, fill translations from translations/en.json, compile.

Chinese is the source language; `contestapp/translations/en.json` maps each Chinese message to its English text.
Run `python scripts/i18n.py` after adding UI strings; it lists the messages still without an English text.
"""
import json
import subprocess
import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "contestapp" / "translations"
PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"


def main() -> int:
    pot = ROOT / "var" / "messages.pot"
    pot.parent.mkdir(exist_ok=True)
    subprocess.run([str(Path(sys.executable).parent / "pybabel"), "extract", "-F", str(ROOT / "babel.cfg"),
                    "-k", "_l", "-o", str(pot), "."], check=True, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    english = json.loads((TRANSLATIONS / "en.json").read_text(encoding="utf-8"))
    with pot.open("rb") as f:
        catalog = read_po(f, locale="en")
    missing = []
    for message in catalog:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        if key in english:
            message.string = english[key]
        else:
            missing.append(key)
    PO.parent.mkdir(parents=True, exist_ok=True)
    with PO.open("wb") as f:
        write_po(f, catalog, width=120, omit_header=False)
    with PO.with_suffix(".mo").open("wb") as f:
        write_mo(f, catalog)
    for key in missing:
        print("no English yet:", key)
    print(f"{len(catalog) - 1 - len(missing)} translated, {len(missing)} missing")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
