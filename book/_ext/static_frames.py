"""Tell the chapter kernels that they run for the static site.

`initlab.notebook.explorer.explore` shows live ipywidgets controls in Jupyter. A static page has no
kernel behind it, so when the book is built the same call must instead pre-render one frame
per control setting and emit a small HTML slider (switched by ``_static/initlab-frames.js``).
The kernels that Jupyter Book starts inherit this process's environment, so setting the
variable here, when Sphinx loads the extension, reaches every chapter however the build is run.
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # book/, where initlab is
from initlab.notebook.explorer import ENV_VAR  # noqa: E402


def setup(app):
    os.environ[ENV_VAR] = "1"
    return {"parallel_read_safe": True, "parallel_write_safe": True}
