"""index.html: one self-contained page (inline CSS, images as data URIs).

The page has no scripts and refers to nothing outside itself, so it opens the
same way from a laptop, an e-mail attachment or an offline archive.
"""

import base64
from html import escape

import numpy as np

from ._figures import shown_features
from ._models import MODEL_NAMES
from ._summary import METRIC_LABELS, format_metric

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0;
       color: #222; background: #fafafa; line-height: 1.45; }
main { max-width: 960px; margin: 0 auto; padding: 1.5em 2em 3em; background: #fff; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.2em; margin-top: 1.8em; border-bottom: 1px solid #ddd; }
.lead { color: #555; margin-top: 0; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.92em; }
th, td { padding: 0.3em 0.7em; border-bottom: 1px solid #e4e4e4; text-align: right; }
th:first-child, td:first-child { text-align: left; }
th { background: #f0f0f0; }
tr.chosen td { font-weight: 600; background: #fff4e5; }
figure { margin: 1em 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #555; font-size: 0.9em; }
dl.settings { display: grid; grid-template-columns: max-content auto; gap: 0.2em 1em; }
dl.settings dt { color: #555; }
dl.settings dd { margin: 0; }
code { background: #f3f3f3; padding: 0 0.25em; }
"""


def _img(name, png, alt):
    data = base64.b64encode(png).decode("ascii")
    return (
        f'<img src="data:image/png;base64,{data}" alt="{escape(alt)}" '
        f'data-file="{escape(name)}">'
    )


def _table(header, rows, row_classes=None):
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = []
    for i, row in enumerate(rows):
        cls = row_classes[i] if row_classes else ""
        cells = "".join(f"<td>{escape(str(c))}</td>" for c in row)
        attr = f' class="{cls}"' if cls else ""
        body.append(f"<tr{attr}>{cells}</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def _models_table(summary):
    n_encoded = summary["dataset"]["n_encoded"]
    header = ["Model", "Training eps", "Penalty"]
    header += [METRIC_LABELS[k] for k in METRIC_LABELS]
    header.append("Non-zero weights")
    rows = []
    for name in MODEL_NAMES:
        m = summary["models"][name]
        penalty = (
            f"L1, C = {m['C']:.4g}" if m["l1_ratio"] == 1 else f"L2, C = {m['C']:g}"
        )
        row = [m["title"], f"{m['epsilon']:g}", penalty]
        row += [format_metric(k, m[k]) for k in METRIC_LABELS]
        row[-1] = f"{row[-1]} / {n_encoded}"
        row.append(f"{m['n_nonzero_coef']} / {n_encoded}")
        rows.append(row)
    return _table(header, rows)


def _sweep_table(summary):
    sweep = summary["sweep"]
    header = ["eps", "CV accuracy", "CV robust accuracy", "CV mean Gini of IG"]
    rows, classes = [], []
    for i, eps in enumerate(sweep["epsilon"]):
        rows.append(
            [
                f"{eps:g}" + (" (chosen)" if i == sweep["chosen_index"] else ""),
                f"{100 * sweep['accuracy'][i]:.2f} ± "
                f"{100 * sweep['accuracy_std'][i]:.2f}%",
                f"{100 * sweep['robust_accuracy'][i]:.2f} ± "
                f"{100 * sweep['robust_accuracy_std'][i]:.2f}%",
                f"{sweep['gini'][i]:.3f} ± {sweep['gini_std'][i]:.3f}",
            ]
        )
        classes.append("chosen" if i == sweep["chosen_index"] else "")
    return _table(header, rows, classes)


def _impact_table(summary):
    impact = summary["feature_impact"]
    header = ["Feature"] + [summary["models"][n]["title"] for n in MODEL_NAMES]
    rows = []
    for i in shown_features(summary):
        rows.append(
            [impact["features"][i]] + [f"{impact[n][i]:.4f}" for n in MODEL_NAMES]
        )
    return _table(header, rows)


def _selection_text(summary):
    settings = summary["settings"]
    sweep = summary["sweep"]
    eps = summary["epsilon"]
    folds = settings["cv_folds"]
    if sweep["rule"] == "fixed":
        return (
            f"The adversarial model uses the requested eps = {eps:g}. The sweep "
            f"below ({folds}-fold cross-validation on the training split) is "
            "shown for context only."
        )
    return (
        f"eps = {eps:g} was chosen by {folds}-fold cross-validation on the "
        "training split with the paper's recipe: among the candidates whose "
        f"accuracy is within {100 * settings['tolerance']:g} percentage points "
        "of the best, the one with the highest mean Gini index of IG (the most "
        "concise explanations), the largest eps breaking ties "
        f"(Gini values within {settings['gini_tie']:g} count as equal)."
    )


def _settings_list(summary):
    data, settings = summary["dataset"], summary["settings"]
    items = {
        "Data": f"{data['name']} ({data['source']})",
        "Target": f"{data['target']} (positive class: {data['positive_class']})",
        "Rows": f"{data['n_samples']} ({data['n_train']} train, "
        f"{data['n_test']} test; test size {settings['test_size']:g}, "
        f"random state {settings['random_state']})",
        "Columns": f"{len(data['categorical'])} categorical (one-hot, missing "
        f"as its own category), {len(data['numeric'])} numeric (standardised) "
        f"-> {data['n_encoded']} encoded features",
        "Epsilon option": settings["epsilon_option"],
        "L1 model": f"lambda = {settings['l1_lambda']:g} on the mean loss, i.e. "
        f"C = 1 / (lambda * n_train) = {settings['l1_C']:.4g}",
        "Natural / adversarial penalty": f"L2, C = {settings['C']:g}",
        "Non-negligible impact": f">= {100 * settings['impact_threshold']:g}% of "
        "the largest feature-value impact of any model "
        f"({summary['impact_threshold']:.4g})",
        "Run time": f"{summary['timing_s']['total']:.1f} s",
    }
    if data["n_dropped_missing_target"]:
        items["Dropped rows"] = (
            f"{data['n_dropped_missing_target']} with a missing target"
        )
    body = "".join(
        f"<dt>{escape(k)}</dt><dd>{escape(str(v))}</dd>" for k, v in items.items()
    )
    return f'<dl class="settings">{body}</dl>'


def render_html(summary, figures):
    """The report page.

    Parameters
    ----------
    summary : dict
        As built by ``build_summary``.
    figures : dict of str to bytes
        PNG files by name.

    Returns
    -------
    html : str
    """
    data = summary["dataset"]
    eps = summary["epsilon"]
    adv, nat = summary["models"]["adversarial"], summary["models"]["natural"]
    n_shown = len(np.atleast_1d(shown_features(summary)))
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>skadv report: {escape(data['name'])}</title>",
        f"<style>{_CSS}</style></head><body><main>",
        f"<h1>Feature-impact report: {escape(data['name'])}</h1>",
        '<p class="lead">Natural, L1-regularised and adversarially trained '
        "logistic regression on the same split, explained with Integrated "
        "Gradients (Chalasani et al., ICML 2020).</p>",
        "<h2>Results on the test split</h2>",
        _models_table(summary),
        f"<p>Robust accuracy is measured at eps = {eps:g} (exact for a linear "
        "model: the worst l_inf perturbation of the encoded inputs). The Gini "
        "index of a row's |IG| is 0 for equal attributions and approaches 1 when "
        "one feature carries all of it. The adversarial model changes accuracy "
        f"by {100 * (adv['accuracy'] - nat['accuracy']):+.2f} points and the "
        f"mean Gini by {adv['gini'] - nat['gini']:+.3f}.</p>",
        "<h2>Feature impact</h2>",
        "<figure>",
        _img("feature_impact.png", figures["feature_impact.png"], "feature impact"),
        f"<figcaption>Feature impact (mean |IG| over the test rows, summed over "
        f"a categorical feature's one-hot columns) of the {n_shown} features "
        "reaching 5% of the largest impact, sorted by the natural model "
        "(as in the paper's Figures J.4 and J.5).</figcaption></figure>",
        _impact_table(summary),
        "<h2>Choosing epsilon</h2>",
        f"<p>{escape(_selection_text(summary))}</p>",
        "<figure>",
        _img("epsilon_sweep.png", figures["epsilon_sweep.png"], "epsilon sweep"),
        "<figcaption>Mean ± standard deviation over the folds. Robust accuracy "
        "is measured at each candidate's own eps; the dotted line is the "
        "accuracy tolerance, the dashed line the chosen eps.</figcaption>",
        "</figure>",
        _sweep_table(summary),
        "<h2>Weight concentration</h2>",
        "<figure>",
        _img("weights.png", figures["weights.png"], "weight concentration"),
        "<figcaption>Absolute weights of the encoded features, largest first, "
        "as shares of each model's L1 norm.</figcaption></figure>",
        "<h2>Data and settings</h2>",
        _settings_list(summary),
        "<p>Integrated Gradients explain the predicted probability of the true "
        "class from the all-zero encoded input (no category active, numeric "
        "columns at their training mean), computed exactly for linear models. "
        "Every number on this page is in <code>summary.json</code>.</p>",
        f'<p class="lead">skadv {escape(summary["skadv_version"])}</p>',
        "</main></body></html>",
    ]
    return "\n".join(parts)
