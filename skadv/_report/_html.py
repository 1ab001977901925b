"""index.html: one self-contained page (inline CSS, images as data URIs).

The page has no scripts and refers to nothing outside itself, so it opens the
same way from a laptop, an e-mail attachment or an offline archive. Every
string that comes from the data (column, class and category names, file
names, warning messages) is escaped where it is written.
"""

import base64
from html import escape

from ._figures import impact_axis_label, shown_features
from ._models import MODEL_NAMES
from ._terminal import (
    METRIC_LABELS,
    equal_accuracy_sentence,
    format_metric,
    no_more_concise_sentence,
    percent,
    roc_auc_label,
)

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0;
       color: #222; background: #fafafa; line-height: 1.45; }
main { max-width: 1000px; margin: 0 auto; padding: 1.5em 2em 3em; background: #fff; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.2em; margin-top: 1.8em; border-bottom: 1px solid #ddd; }
h3 { font-size: 1.02em; margin-bottom: 0.2em; }
.lead { color: #555; margin-top: 0; }
.warnings { border: 2px solid #d9822b; background: #fff4e5; padding: 0.5em 1em;
            margin: 1em 0; }
.warnings ul { margin: 0.3em 0; padding-left: 1.3em; }
.notice { border-left: 4px solid #d9822b; padding-left: 0.8em; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.92em; }
th, td { padding: 0.3em 0.7em; border-bottom: 1px solid #e4e4e4; text-align: right; }
th:first-child, td:first-child { text-align: left; }
th { background: #f0f0f0; }
tr.chosen td { font-weight: 600; background: #fff4e5; }
tr.invalid td { color: #888; }
figure { margin: 1em 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #555; font-size: 0.9em; }
dl.facts { display: grid; grid-template-columns: max-content auto; gap: 0.2em 1em; }
dl.facts dt { color: #555; }
dl.facts dd { margin: 0; }
code { background: #f3f3f3; padding: 0 0.25em; }
"""

_BASELINES = {
    "mean": "from the training mean of the encoded inputs",
    "zero": "from the all-zero encoded input (the paper's choice)",
}


def _img(name, png, alt):
    data = base64.b64encode(png).decode("ascii")
    return (
        f'<img src="data:image/png;base64,{data}" alt="{escape(alt)}" '
        f'data-file="{escape(name)}">'
    )


def _figure(figures, name, alt, caption):
    return (
        f"<figure>{_img(name, figures[name], alt)}"
        f"<figcaption>{escape(caption)}</figcaption></figure>"
    )


def _table(header, rows, row_classes=None):
    """A table of escaped text; `row_classes` gives each row's CSS class."""
    head = "".join(f"<th>{escape(str(h))}</th>" for h in header)
    body = []
    for i, row in enumerate(rows):
        cls = row_classes[i] if row_classes else ""
        cells = "".join(f"<td>{escape(str(c))}</td>" for c in row)
        attr = f' class="{cls}"' if cls else ""
        body.append(f"<tr{attr}>{cells}</tr>")
    return f'<div class="scroll"><table><tr>{head}</tr>{"".join(body)}</table></div>'


def _facts(items):
    body = "".join(
        f"<dt>{escape(str(k))}</dt><dd>{escape(str(v))}</dd>" for k, v in items
    )
    return f'<dl class="facts">{body}</dl>'


def _paragraph(text, cls=None):
    attr = f' class="{cls}"' if cls else ""
    return f"<p{attr}>{escape(text)}</p>"


def _class_list(data):
    names = ", ".join(data["class_names"])
    if data["task"] == "binary":
        return f"{names} (positive class: {data['positive_class']})"
    return f"{len(data['class_names'])} classes: {names}"


def _header(summary):
    data, settings = summary["dataset"], summary["settings"]
    if data["test_source"] == "file":
        source = f"the held-out file {data['test_file']}"
    else:
        source = (
            f"a stratified random split of the table (test size "
            f"{settings['test_size']:g}, random state {settings['random_state']})"
        )
    rows = f"{data['n_samples']}"
    if data["n_dropped_missing_target"]:
        rows += f" ({data['n_dropped_missing_target']} more dropped: missing target)"
    return [
        f"<h1>Feature-impact report: {escape(data['name'])}</h1>",
        '<p class="lead">Natural, L1-regularised and adversarially trained '
        "logistic regression on the same split, explained with Integrated "
        "Gradients (Chalasani et al., ICML 2020).</p>",
        _facts(
            [
                ("Dataset", f"{data['name']} ({data['source']})"),
                ("Task", f"{data['task']}, target column {data['target']}"),
                ("Classes", _class_list(data)),
                ("Rows", rows),
                ("Split", f"{data['n_train']} train, {data['n_test']} test"),
                ("Test rows from", source),
            ]
        ),
    ]


def _warnings_box(summary):
    warnings = summary["warnings"]
    if not warnings:
        return []
    items = "".join(f"<li>{escape(w['message'])}</li>" for w in warnings)
    title = "Warning" if len(warnings) == 1 else f"{len(warnings)} warnings"
    return [f'<div class="warnings"><strong>{title}</strong><ul>{items}</ul></div>']


def _penalty(model):
    if model["l1_ratio"] == 1:
        lam = model["l1_lambda"]
        strength = f"lambda = {lam:g}, " if lam is not None else ""
        return f"L1, {strength}C = {model['C']:.4g}"
    return f"L2, C = {model['C']:g}"


def _models_table(summary):
    n_encoded = summary["dataset"]["n_encoded"]
    labels = dict(METRIC_LABELS)
    labels["roc_auc"] = roc_auc_label(summary)
    labels["robust_accuracy"] = f"Robust accuracy (eps = {summary['epsilon']:g})"
    header = ["Model", "Training eps", "Penalty", *labels.values(), "Non-zero weights"]
    rows = []
    for name in MODEL_NAMES:
        m = summary["models"][name]
        # A multiclass model has one row of weights per class.
        n_weights = n_encoded * len(summary["encoded_features"]["coef"][name])
        row = [m["title"], f"{m['epsilon']:g}", _penalty(m)]
        row += [format_metric(key, m[key]) for key in labels]
        row[-1] = f"{row[-1]} / {n_encoded}"
        row.append(f"{m['n_nonzero_coef']} / {n_weights}")
        rows.append(row)
    return _table(header, rows)


def _models_section(summary):
    majority = summary["majority_rate"]
    adv, nat = summary["models"]["adversarial"], summary["models"]["natural"]
    return [
        "<h2>Results on the test split</h2>",
        _models_table(summary),
        _paragraph(
            f"Majority-class rate (the accuracy of always answering the most "
            f"frequent class): {percent(majority['test'])} on the test split, "
            f"{percent(majority['cv'])} on average over the cross-validation "
            "folds. A model is only worth its explanations when it beats it."
        ),
        _paragraph(
            f"Robust accuracy is measured at eps = {summary['epsilon']:g} (exact "
            "for a linear model: the worst l_inf perturbation of the encoded "
            "inputs). The Gini index of a row's |IG| is 0 for equal attributions "
            "and approaches 1 when one input carries all of it; it is given over "
            "the encoded columns and over the original features (one-hot columns "
            "of a categorical feature summed). The adversarial model changes "
            f"accuracy by {100 * (adv['accuracy'] - nat['accuracy']):+.2f} points, "
            f"the encoded Gini by {adv['gini'] - nat['gini']:+.3f} and the feature "
            f"Gini by {adv['feature_gini'] - nat['feature_gini']:+.3f}."
        ),
    ]


def selection_sentence(summary):
    """How the adversarial model's epsilon and the L1 model's lambda were chosen.

    Parameters
    ----------
    summary : dict
        A report summary (format 2).

    Returns
    -------
    sentence : str
    """
    settings = summary["settings"]
    folds = settings["cv_folds"]
    rule = (
        "the paper's rule on its own path: among the valid candidates (more "
        "than one class predicted on every fold, some weight non-zero, accuracy "
        "above the majority rate by more than the cross-validation spread) "
        f"whose accuracy is within {100 * settings['tolerance']:g} percentage "
        "points of the best, the one with the highest mean Gini index of IG, "
        f"the strongest regularisation breaking ties (Gini values within "
        f"{settings['gini_tie']:g} count as equal)"
    )
    lam = f"lambda = {summary['l1_lambda']:g}"
    if summary["frontier"]["l1"]["chosen_index"] is None:
        lam_text = f"The L1 model uses the requested {lam}."
    else:
        lam_text = f"The L1 model's {lam} was chosen the same way on the L1 path."
    if summary["epsilon_rule"] == "fixed":
        return (
            f"The adversarial model uses the requested eps = "
            f"{summary['epsilon']:g}; the epsilon path below ({folds}-fold "
            "cross-validation on the training split) is shown for context. "
            f"{lam_text}"
        )
    return (
        f"eps = {summary['epsilon']:g} was chosen by {folds}-fold "
        f"cross-validation on the training split with {rule}. {lam_text}"
    )


def _flags(path, i):
    flags = [
        text
        for key, text in (("single_class", "one class"), ("all_zero", "all zero"))
        if path[key][i]
    ]
    if not path["valid"][i]:
        flags.append("invalid")
    return ", ".join(flags)


def _path_table(summary, name):
    path = summary["frontier"][name]
    symbol = "eps" if path["parameter"] == "epsilon" else "lambda"
    robust = f"CV robust accuracy (eps = {summary['settings']['robust_epsilon']:g})"
    header = [symbol, "CV accuracy", robust, "CV Gini (encoded)", "CV Gini (features)"]
    header += ["Non-zero weights", "Flags", "Chosen"]
    rows, classes = [], []
    for i, value in enumerate(path["values"]):
        chosen = i == path["chosen_index"]
        rows.append(
            [
                f"{value:g}",
                f"{percent(path['accuracy'][i])} ± {percent(path['accuracy_std'][i])}",
                f"{percent(path['robust_accuracy'][i])} ± "
                f"{percent(path['robust_accuracy_std'][i])}",
                f"{path['gini'][i]:.3f} ± {path['gini_std'][i]:.3f}",
                f"{path['feature_gini'][i]:.3f} ± {path['feature_gini_std'][i]:.3f}",
                f"{path['n_nonzero'][i]:.1f}",
                _flags(path, i),
                "chosen" if chosen else "",
            ]
        )
        classes.append("chosen" if chosen else "" if path["valid"][i] else "invalid")
    title = summary["models"][name]["title"]
    return [f"<h3>{escape(title)} path</h3>", _table(header, rows, classes)]


def _frontier_section(summary, figures):
    parts = ["<h2>Choosing epsilon and lambda: the frontier</h2>"]
    parts.append(_paragraph(selection_sentence(summary)))
    sentence = no_more_concise_sentence(summary)
    if sentence is not None:
        parts.append(_paragraph(sentence, "notice"))
    parts.append(_paragraph(equal_accuracy_sentence(summary)))
    parts.append(
        _figure(
            figures,
            "frontier.png",
            "conciseness frontier",
            "Mean ± standard deviation over the folds, clipped to [0, 1]. "
            "Hollow grey points are invalid candidates (one class predicted, "
            "all weights zero, or not above the majority rate by more than the "
            "spread); rings mark the chosen points; the dashed line is the "
            "majority-class rate.",
        )
    )
    for name in ("adversarial", "l1"):
        parts += _path_table(summary, name)
    return parts


def _impact_section(summary, figures):
    impact = summary["feature_impact"]
    index = shown_features(summary)
    header = ["Feature"] + [summary["models"][n]["title"] for n in MODEL_NAMES]
    rows = [
        [impact["features"][i]] + [f"{impact[n][i]:.4f}" for n in MODEL_NAMES]
        for i in index
    ]
    baseline = _BASELINES[summary["settings"]["baseline"]]
    return [
        "<h2>Feature impact</h2>",
        _paragraph(
            f"Integrated Gradients are computed {_ig_method(summary)}, {baseline}."
        ),
        _figure(
            figures,
            "feature_impact.png",
            "feature impact",
            f"{impact_axis_label(summary)}, for the {len(index)} features "
            "reaching 5% of the largest impact of any model, sorted by the "
            "natural model (as in the paper's Figures J.4 and J.5).",
        ),
        _table(header, rows),
    ]


def _ig_method(summary):
    if summary["dataset"]["task"] == "binary":
        return "exactly (the closed form for a logistic model)"
    return (
        "exactly, of each row's true class's own one-vs-rest sigmoid (the "
        "normalised probabilities have no closed form)"
    )


def _direction(value, target):
    if value > 0:
        return f"↑ towards {target}"
    if value < 0:
        return f"↓ away from {target}"
    return "none"


def _signed_section(summary):
    data = summary["dataset"]
    if data["task"] == "binary":
        output = f"the probability of the positive class {data['positive_class']}"
    else:
        output = (
            "the probability of each row's true class, averaged over the rows of "
            "each class (the class named in the last column)"
        )
    parts = [
        "<h2>Signed impact of category values and numeric columns</h2>",
        _paragraph(
            f"Attributions to {output}, each signed by the direction of its "
            "input's step from the baseline and averaged over the test rows, "
            f"for the {summary['settings']['top_values']} largest in magnitude "
            "per model: a positive value means that having the category value "
            "pushes the probability up. A numeric column is listed with the "
            "value (higher): its sign says whether higher values push it up."
        ),
    ]
    for name in MODEL_NAMES:
        model = summary["models"][name]
        rows = [
            [
                v["feature"],
                v["value"],
                f"{v['signed_impact']:+.4f}",
                _direction(v["signed_impact"], v["class"]),
            ]
            for v in model["top_values"]
        ]
        parts.append(f"<h3>{escape(model['title'])}</h3>")
        parts.append(_table(["Feature", "Value", "Signed impact", "Direction"], rows))
    return parts


def _per_class_section(summary):
    classes = summary["dataset"]["class_names"]
    models = summary["models"]
    parts = [
        "<h2>Per class</h2>",
        "<h3>Mean Gini of IG over the test rows of each true class</h3>",
        _table(
            ["Class"] + [models[n]["title"] for n in MODEL_NAMES],
            [
                [c] + [f"{models[n]['class_gini'][c]:.3f}" for n in MODEL_NAMES]
                for c in classes
            ],
        ),
    ]
    per_class = summary["feature_impact"]["per_class"]
    features = summary["feature_impact"]["features"]
    for name in MODEL_NAMES:
        rows = [
            [features[i]] + [f"{per_class[name][c][i]:.4f}" for c in classes]
            for i in shown_features(summary)
        ]
        title = escape(models[name]["title"])
        parts.append(f"<h3>Feature impact per class: {title}</h3>")
        parts.append(_table(["Feature", *classes], rows))
    return parts


def _confusion_section(summary):
    classes = summary["dataset"]["class_names"]
    parts = [
        "<h2>Confusion matrices on the test split</h2>",
        _paragraph("Rows: true class; columns: predicted class."),
    ]
    for name in MODEL_NAMES:
        model = summary["models"][name]
        rows = [
            [label, *counts]
            for label, counts in zip(classes, model["confusion_matrix"])
        ]
        parts.append(f"<h3>{escape(model['title'])}</h3>")
        parts.append(_table(["true \\ predicted", *classes], rows))
    return parts


def _weights_section(figures):
    return [
        "<h2>Weight concentration</h2>",
        _figure(
            figures,
            "weights.png",
            "weight concentration",
            "Absolute weights of the encoded features, largest first, as "
            "shares of their sum per model.",
        ),
    ]


def setting_text(value):
    """A settings value as the page shows it.

    Parameters
    ----------
    value : object
        A JSON value.

    Returns
    -------
    text : str

    Examples
    --------
    >>> from skadv._report._html import setting_text
    >>> setting_text([0.0, 0.05]), setting_text(None), setting_text(0.95)
    ('0, 0.05', 'none', '0.95')
    >>> print(setting_text(["", "?"]))
    "", "?"
    """
    if value is None:
        return "none"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, tuple)):
        # Quoted in a list, so that an empty string (a missing-value marker)
        # stays visible.
        items = [f'"{v}"' if isinstance(v, str) else setting_text(v) for v in value]
        return ", ".join(items) or "(empty)"
    return str(value)


_DROP_REASONS = {"requested": "asked to drop", "id_like": "looks like an ID"}


def _data_facts(summary):
    data = summary["dataset"]
    dropped = ", ".join(
        f"{d['column']} ({_DROP_REASONS.get(d['reason'], d['reason'])})"
        for d in data["dropped_columns"]
    )
    collapsed = ", ".join(
        f"{c['column']} ({c['n_categories']} categories)"
        for c in data["collapsed_columns"]
    )
    timing = summary["timing_s"]
    total = timing.get("total", sum(timing.values()))
    return [
        ("Categorical columns", ", ".join(data["categorical"]) or "none"),
        ("Numeric columns", ", ".join(data["numeric"]) or "none"),
        ("Encoded features", data["n_encoded"]),
        ("Dropped columns", dropped or "none"),
        ("High-cardinality columns collapsed", collapsed or "none"),
        ("Training class counts", _counts(data["train_class_counts"])),
        ("Test class counts", _counts(data["test_class_counts"])),
        ("Non-negligible impact", f"{summary['impact_threshold']:.4g}"),
        ("Run time", f"{total:.1f} s"),
    ]


def _counts(counts):
    return ", ".join(f"{label}: {n}" for label, n in counts.items())


def _settings_section(summary):
    settings = summary["settings"]
    body = "".join(
        f"<dt><code>{escape(key)}</code></dt><dd>{escape(setting_text(value))}</dd>"
        for key, value in settings.items()
    )
    return [
        "<h2>Data and settings</h2>",
        _facts(_data_facts(summary)),
        "<h3>Every setting of this run</h3>",
        f'<dl class="facts">{body}</dl>',
        "<p>Every number on this page is in <code>summary.json</code>.</p>",
        f'<p class="lead">skadv {escape(summary["skadv_version"])}</p>',
    ]


def render_html(summary, figures):
    """The report page.

    Parameters
    ----------
    summary : dict
        A report summary (format 2).
    figures : dict of str to bytes
        PNG files by name, as :func:`~skadv._report._figures.render_figures`
        returns them.

    Returns
    -------
    html : str
    """
    name = summary["dataset"]["name"]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>skadv report: {escape(name)}</title>",
        f"<style>{_CSS}</style></head><body><main>",
        *_header(summary),
        *_warnings_box(summary),
        *_models_section(summary),
        *_frontier_section(summary, figures),
        *_impact_section(summary, figures),
        *_signed_section(summary),
    ]
    if summary["dataset"]["task"] == "multiclass":
        parts += _per_class_section(summary)
    parts += _confusion_section(summary)
    parts += _weights_section(figures)
    parts += _settings_section(summary)
    parts.append("</main></body></html>")
    return "\n".join(parts)
