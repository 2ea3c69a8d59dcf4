from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]


def load(*parts: str) -> Any:
    return json.loads((ROOT.joinpath(*parts)).read_text(encoding="utf-8"))
