"""What an explorer puts on the static page, for the figure tests."""

import json
import re


def static_frames(explorer):
    """The frame data an explorer embeds in its static HTML: ``{"frames": [...], "alts": [...], ...}``."""
    page = explorer.to_html()
    payload = re.search(r'<script type="application/json" class="initlab-explorer-data">(.*?)</script>', page, re.S)
    return json.loads(payload.group(1))
