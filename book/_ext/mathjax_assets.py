"""MathJax served from the site, only the parts the book uses.

The pinned package sphinx-mathjax-offline carries MathJax 3.2.2. Loaded as an extension it would point every page
at MathJax's one-file ``tex-chtml.js`` (1.16 MB, 426 KB of it the context menu) and copy all of MathJax (24 MB,
mostly the speech rule engine) into the site. Here it is only the source of the files: _config.yml points
``mathjax_path`` at MathJax's ``startup.js`` and lists in ``mathjax3_config.loader.load`` the components the book
needs (765 KB in all); once the build has succeeded, this extension copies those, with what they load in turn
(the core, and the CommonHTML output's font data and web fonts), into ``_static/mathjax``. A component missing
from the copy is a failed request on every page with math, which the site tests report.
"""

from __future__ import annotations

import shutil
from pathlib import Path

ALWAYS = ["startup.js", "core.js"]
# What a component loads besides its own file, as MathJax's loader resolves it (files or folders).
LOADS_TOO = {"output/chtml": ["output/chtml/fonts/tex.js", "output/chtml/fonts/woff-v2"]}


def mathjax_source() -> Path:
    """MathJax's es5 folder inside the installed sphinx-mathjax-offline."""
    from importlib.metadata import distribution

    dist = distribution("sphinx-mathjax-offline")
    for file in dist.files or []:
        if file.name == "startup.js" and file.parent.name == "mathjax":
            return Path(dist.locate_file(file)).parent
    raise FileNotFoundError("MathJax's startup.js is not in the installed sphinx-mathjax-offline: "
                            "reinstall requirements.txt")


def files_for(components: list[str]) -> list[str]:
    """The paths, relative to MathJax's folder, that the loader fetches for ``components`` (names as in
    ``loader.load``: ``input/tex-base``, ``[tex]/ams``, ``output/chtml``, ...)."""
    if not isinstance(components, list) or not all(isinstance(c, str) for c in components):
        raise ValueError(f"mathjax3_config.loader.load must be a list of component names, got {components!r}")
    paths = list(ALWAYS)
    for component in components:
        name = component.replace("[tex]/", "input/tex/extensions/")
        paths += [f"{name}.js", *LOADS_TOO.get(name, [])]
    return paths


def copy_mathjax(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    components = ((app.config.mathjax3_config or {}).get("loader") or {}).get("load")
    if not components:
        raise ValueError("_config.yml: sphinx.config.mathjax3_config.loader.load must list MathJax's components "
                         "(the site serves only those)")
    source, target = mathjax_source(), Path(app.outdir) / "_static" / "mathjax"
    for path in files_for(components):
        if (source / path).is_dir():
            shutil.copytree(source / path, target / path, dirs_exist_ok=True)
        elif (source / path).is_file():
            (target / path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / path, target / path)
        else:
            raise FileNotFoundError(f"MathJax has no {path} (component list: {components})")


def setup(app):
    # Before the PDFs are printed (priority 700, 800) and the site is zipped (900).
    app.connect("build-finished", copy_mathjax, priority=400)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
