"""Tell the chapter kernels that they run for the static site.

`initlab.notebook.explorer.explore` shows live ipywidgets controls in Jupyter. A static page has no
kernel behind it, so when the book is built the same call must instead pre-render one frame
per control setting and emit a small HTML slider (switched by ``_static/initlab-frames.js``).
The kernels that Jupyter Book starts inherit this process's environment, so setting the
variable here, when Sphinx loads the extension, reaches every chapter however the build is run.
"""

import os

ENV_VAR = "INITLAB_STATIC"


def setup(app):
    os.environ[ENV_VAR] = "1"
    return {"parallel_read_safe": True, "parallel_write_safe": True}
