"""The report's words: table cells, shared sentences and the terminal summary.

The HTML page and the text printed when a report is done say the same things
about the selection; the sentences are written once, here, from the summary
dictionary alone.
"""

from ._models import MODEL_NAMES

#: Columns of the models table, in order, by their key in a model's entry.
METRIC_LABELS = {
    "accuracy": "Accuracy",
    "majority_rate": "Majority rate",
    "balanced_accuracy": "Balanced accuracy",
    "roc_auc": "ROC AUC",
    "robust_accuracy": "Robust accuracy",
    "gini": "Gini (encoded)",
    "feature_gini": "Gini (features)",
    "n_impactful": "Impactful encoded features",
}
#: The terminal's narrower header, for the columns it prints.
_SHORT_LABELS = {
    "accuracy": "accuracy",
    "majority_rate": "majority",
    "roc_auc": "ROC AUC",
    "robust_accuracy": "robust acc",
    "gini": "Gini enc",
    "feature_gini": "Gini feat",
    "n_impactful": "impactful",
}
_RATES = frozenset(
    {"accuracy", "majority_rate", "balanced_accuracy", "robust_accuracy"}
)
_COLUMN = 11


def percent(value):
    """`value` in [0, 1] as a percentage with two decimals.

    Parameters
    ----------
    value : float

    Returns
    -------
    text : str

    Examples
    --------
    >>> from skadv._report._terminal import percent
    >>> percent(0.5)
    '50.00%'
    """
    return f"{100 * value:.2f}%"


def format_metric(key, value):
    """Text of one table cell.

    Parameters
    ----------
    key : str
        A key of :data:`METRIC_LABELS`.
    value : float, int or None
        None (a ROC AUC that is not defined) reads "n/a".

    Returns
    -------
    text : str

    Examples
    --------
    >>> from skadv._report._terminal import format_metric
    >>> format_metric("accuracy", 0.98523), format_metric("gini", 0.97712)
    ('98.52%', '0.977')
    >>> format_metric("roc_auc", None)
    'n/a'
    """
    if value is None:
        return "n/a"
    if key in _RATES:
        return percent(value)
    if key == "n_impactful":
        return str(int(value))
    return f"{value:.3f}"


def roc_auc_label(summary):
    """Header of the ROC AUC column: multiclass reports average one-vs-rest.

    Parameters
    ----------
    summary : dict
        A report summary (format 2).

    Returns
    -------
    label : str
    """
    if summary["dataset"]["task"] == "multiclass":
        return "ROC AUC (macro OvR)"
    return METRIC_LABELS["roc_auc"]


def no_more_concise_sentence(summary):
    """What the report says when the chosen epsilon is 0, or None.

    Parameters
    ----------
    summary : dict
        A report summary (format 2).

    Returns
    -------
    sentence : str or None
        None unless ``summary["no_more_concise"]`` is true.

    Examples
    --------
    >>> from skadv._report._terminal import no_more_concise_sentence
    >>> no_more_concise_sentence({"no_more_concise": False}) is None
    True
    """
    if not summary["no_more_concise"]:
        return None
    tolerance = summary["settings"]["tolerance"]
    return (
        "Adversarial training found no model more concise than the natural one "
        f"within the accuracy tolerance of {100 * tolerance:g} percentage points: "
        "the chosen epsilon is 0, so the adversarial model is the natural model. "
        "The frontier still shows every candidate."
    )


def _direction(difference):
    return "higher" if difference >= 0 else "lower"


def _spread(std):
    # None where no fold's own frontier covers the compared range.
    return f" ± {std:.3f}" if std is not None else " (spread over folds undefined)"


def equal_accuracy_sentence(summary):
    """The Gini difference of the two paths at equal accuracy, in words.

    Parameters
    ----------
    summary : dict
        A report summary (format 2).

    Returns
    -------
    sentence : str
        The differences with their spread, or why there are none.

    Examples
    --------
    >>> from skadv._report._terminal import equal_accuracy_sentence
    >>> equal_accuracy_sentence({"frontier": {"equal_accuracy": None}})[:32]
    'The accuracy ranges of the adver'
    """
    equal = summary["frontier"]["equal_accuracy"]
    if equal is None:
        return (
            "The accuracy ranges of the adversarial and the L1 paths do not "
            "overlap, so their Gini indices are not compared at equal accuracy."
        )
    encoded = equal["gini_difference"]
    feature = equal["feature_gini_difference"]
    low, high = equal["accuracy_low"], equal["accuracy_high"]
    where = (
        f"between {percent(low)} and {percent(high)}"
        if high > low
        else f"at {percent(low)}, the only accuracy both frontiers reach"
    )
    return (
        f"At equal accuracy ({where}), adversarial training's Gini index "
        f"is {abs(encoded):.3f}{_spread(equal['gini_difference_std'])} "
        f"{_direction(encoded)} than L1's at the encoded level and "
        f"{abs(feature):.3f}{_spread(equal['feature_gini_difference_std'])} "
        f"{_direction(feature)} at the original-feature level."
    )


def _header_line(summary):
    data = summary["dataset"]
    task = data["task"]
    if task == "multiclass":
        task = f"multiclass, {len(data['class_names'])} classes"
    return (
        f"{data['name']}: {data['n_train']} train / {data['n_test']} test rows "
        f"({task}), {data['n_encoded']} encoded features, chosen epsilon = "
        f"{summary['epsilon']:g} ({summary['epsilon_rule']}), "
        f"L1 lambda = {summary['l1_lambda']:g}"
    )


def _model_lines(summary):
    labels = dict(_SHORT_LABELS)
    if summary["dataset"]["task"] == "multiclass":
        labels["roc_auc"] = "AUC OvR"
    lines = [f"{'model':<14}" + "".join(f"{v:>{_COLUMN}}" for v in labels.values())]
    for name in MODEL_NAMES:
        entry = summary["models"][name]
        cells = "".join(
            f"{format_metric(key, entry[key]):>{_COLUMN}}" for key in labels
        )
        lines.append(f"{entry['title']:<14}{cells}")
    return lines


def _one_line(text):
    return " ".join(str(text).splitlines())


def terminal_summary(summary, out):
    """Short plain-text summary printed when the report is done.

    Parameters
    ----------
    summary : dict
        A report summary (format 2).
    out : pathlib.Path
        The report folder.

    Returns
    -------
    text : str
        Lines without a final newline: the data and the choice, one row per
        model, each warning, the no-more-concise sentence when it applies and
        the page's path.
    """
    majority = summary["majority_rate"]
    lines = [_header_line(summary), *_model_lines(summary)]
    lines.append(
        f"majority-class rate: {percent(majority['test'])} on the test split, "
        f"{percent(majority['cv'])} in cross-validation"
    )
    # A message quoting a column name may hold a line break: one line each.
    lines += [f"warning: {_one_line(w['message'])}" for w in summary["warnings"]]
    sentence = no_more_concise_sentence(summary)
    if sentence is not None:
        lines.append(sentence)
    lines.append(f"report: {out / 'index.html'}")
    return "\n".join(lines)
