"""Sphinx configuration for the skadv documentation.

The build is offline and the site it produces never contacts another host:

- No intersphinx (it downloads inventories from other projects' sites).
- Math is typeset at build time into local SVG files by ``_ext/mathtext_svg.py``
  using matplotlib's mathtext. Sphinx's default renderer, MathJax, loads its
  scripts from a CDN, no local MathJax copy is installed here, and
  ``sphinx.ext.imgmath`` needs LaTeX, which these machines lack; matplotlib is
  already needed for the gallery.
- The benchmark tables in ``benchmarks/results/*.md`` are Markdown; without a
  Markdown parser installed, ``_ext/markdown_results.py`` converts them into
  tables at build time.
"""

import os
import re
import sys
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))
sys.path.insert(0, str(HERE.parent))

import skadv  # noqa: E402

# Gallery scripts run in this process; matplotlib must not try to open windows.
os.environ.setdefault("MPLBACKEND", "Agg")
# The gallery trains small networks. On a machine whose cores are busy, a team
# of torch/BLAS threads spins waiting for each other: on two shared cores the
# digits example took over a minute with two threads and seconds with one.
# Set before anything imports torch; an explicit setting still wins.
for _variable in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

project = "skadv"
author = "The skadv developers"
copyright = "The skadv developers"
version = skadv.__version__
release = skadv.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "mathtext_svg",
    "markdown_results",
]

html_math_renderer = "mathtext_svg"

templates_path = ["_templates"]
exclude_patterns = [
    "_build",
    "Thumbs.db",
    ".DS_Store",
    "examples/README.txt",
    "auto_examples/*.ipynb",
    "auto_examples/*.py",
    "auto_examples/*.zip",
    "auto_examples/*.md5",
    "auto_examples/*.json",
]
default_role = "literal"
nitpicky = False

# autosummary writes one page per public name into generated/ (git-ignored).
autosummary_generate = True
autosummary_imported_members = True
autodoc_default_options = {"members": True, "inherited-members": False}
autodoc_typehints = "none"

# numpydoc: members are listed by the autosummary class template instead.
numpydoc_show_class_members = False
numpydoc_show_inherited_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = False
# Docstrings are validated at build time; with -W a violation fails the build.
# Left out: checks of prose style that the scikit-learn conventions followed
# here do not share (extended summaries, See Also sections, descriptions that
# start with a symbol such as ``l_inf``, summaries in the imperative mood, and
# the exact punctuation of Returns entries), and Examples sections on methods:
# every public class and function has one, its methods need not.
numpydoc_validation_checks = {
    "all",
    "EX01",
    "ES01",
    "SA01",
    "GL01",
    "GL02",
    "SS05",
    "PR08",
    "PR09",
    "RT02",
    "RT05",
}
# Methods inherited from scikit-learn are validated by scikit-learn.
numpydoc_validation_exclude = {r"\.get_params$", r"\.set_params$", r"\.set_output$"}

# sphinx-gallery: examples run at build time; plots go to auto_examples/.
sphinx_gallery_conf = {
    "examples_dirs": "examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "doc_module": ("skadv",),
    "backreferences_dir": "generated/backreferences",
    "remove_config_comments": True,
    "plot_gallery": "True",
    "image_scrapers": ("matplotlib",),
    "matplotlib_animations": False,
    "show_memory": False,
    # The timing pages load their table scripts from a CDN; leave them out.
    "write_computation_times": False,
    "show_signature": False,
    "abort_on_example_error": False,
}

html_theme = "pydata_sphinx_theme"
html_title = f"skadv {release}"
html_static_path = ["_static"]
html_css_files = ["custom.css"]
html_show_sourcelink = False
html_copy_source = False
html_theme_options = {
    "navbar_align": "left",
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "header_links_before_dropdown": 6,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": [],
}
html_sidebars = {"index": [], "getting_started": [], "benchmarks/*": []}
html_context = {"default_mode": "light"}

# Third-party libraries warn about their own deprecations while the gallery runs;
# those messages are not about these docs.
warnings.filterwarnings("ignore", category=DeprecationWarning)
warnings.filterwarnings("ignore", category=FutureWarning, module="sklearn")


def _skip_metadata_request_methods(app, what, name, obj, skip, options):
    """Leave out the ``set_*_request`` methods scikit-learn generates.

    Their docstrings point into scikit-learn's own glossary and user guide,
    which cannot be resolved without intersphinx; metadata routing is
    scikit-learn machinery, documented there.
    """
    if re.fullmatch(r"set_\w+_request", name):
        return True
    return skip


_SHAPE_NAME = re.compile(r"(?<=\w)_(?=[,)])")
_SHAPE_STAR = re.compile(r"(?<=[(,\s])\*(?=\w)")


def _escape_shape_names(app, what, name, obj, options, lines):
    """Escape reST markup characters inside ``of shape (...)`` types.

    In reST a word ending in an underscore is a hyperlink reference and a
    leading star starts emphasis, so the scikit-learn conventions
    ``ndarray of shape (n_features_in_,)`` and ``(n_samples, *image_shape)``
    would be misread. Runs before numpydoc turns the sections into reST.
    """
    for index, line in enumerate(lines):
        if "of shape (" in line:
            line = _SHAPE_NAME.sub(r"\\_", line)
            lines[index] = _SHAPE_STAR.sub(r"\\*", line)


def setup(app):
    app.connect("autodoc-skip-member", _skip_metadata_request_methods)
    app.connect("autodoc-process-docstring", _escape_shape_names, priority=100)
