"""The report's one public function, and how its errors name what to change.

``skadv.generate_report`` is the only public name of the report; the package
behind it is private. Its errors name the parameter at fault as a Python caller
writes it (``target=``), and the command line rewrites them with the option
(``--target``).
"""

import importlib
import inspect
import pickle
import sys
import warnings

import pytest
from _small_models import report_frame

import skadv
import skadv._report
from skadv._cli import _flag, build_parser, main
from skadv._report import ReportInputError, _output, _report

pytest.importorskip("pandas")


def test_generate_report_is_the_one_public_entry():
    assert "generate_report" in skadv.__all__
    assert skadv.generate_report is skadv._report.generate_report
    assert skadv.generate_report.__module__ == "skadv._report._report"
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("skadv.report")


def test_resolving_generate_report_does_not_import_torch():
    import subprocess

    code = "import sys, skadv; skadv.generate_report; print('torch' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_every_option_sets_the_parameter_of_its_name():
    # The command line maps an error's parameter to an option by name alone;
    # each parameter it passes on must therefore have the option so named.
    parameters = inspect.signature(skadv.generate_report).parameters
    # Not offered on the command line: the stage callback and the threshold.
    offered = [p for p in parameters if p not in {"progress", "impact_threshold"}]
    assert offered
    parser = build_parser()
    # Options with a closed set of values get one of them; the others "1".
    values = {"baseline": "zero"}
    for name in offered:
        value = values.get(name, "1")
        args = parser.parse_args(["report", _flag(name), value])
        assert getattr(args, name) in (value, 1, [value]), name


@pytest.fixture
def data_csv(tmp_path):
    path = tmp_path / "small.csv"
    report_frame().to_csv(path, index=False)
    return path


def _not_a_report(tmp_path):
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("keep me")
    return busy


# name -> (library keywords, command-line options, parameter,
#          what Python callers read, what command-line users read)
CASES = {
    "missing target": (
        lambda data, tmp: {"data": data},
        lambda data, tmp: ["--data", data],
        "target",
        "target= is required with a data file; columns are: x, noise, kind, label",
        "--target is required with a data file; columns are: x, noise, kind, label",
    ),
    "bundled target": (
        lambda data, tmp: {"data": "mushroom", "target": "x"},
        lambda data, tmp: ["--data", "mushroom", "--target", "x"],
        "target",
        "target= applies to data files only; mushroom has its own target",
        "--target applies to data files only; mushroom has its own target",
    ),
    "epsilon": (
        lambda data, tmp: {"data": data, "target": "label", "epsilon": "abc"},
        lambda data, tmp: ["--data", data, "--target", "label", "--epsilon", "abc"],
        "epsilon",
        "could not parse epsilon='abc': expected 'auto'",
        "could not parse --epsilon 'abc': expected 'auto'",
    ),
    "out not a report": (
        lambda data, tmp: {"data": data, "target": "label", "out": _not_a_report(tmp)},
        lambda data, tmp: (
            ["--data", data, "--target", "label"] + ["--out", _not_a_report(tmp)]
        ),
        "out",
        "holds no skadv report; choose another out=",
        "holds no skadv report; choose another --out",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_errors_name_the_parameter_in_python_and_the_option_on_the_command_line(
    case, data_csv, tmp_path, capsys
):
    library, command_line, parameter, in_python, on_command_line = CASES[case]
    (tmp_path / "py").mkdir()
    keywords = {"out": tmp_path / "python", **library(data_csv, tmp_path / "py")}
    with pytest.raises(ReportInputError) as raised:
        skadv.generate_report(**keywords)
    assert in_python in str(raised.value)
    assert "--" not in str(raised.value)
    assert raised.value.parameter == parameter

    (tmp_path / "cli").mkdir()
    argv = command_line(data_csv, tmp_path / "cli")
    if "--out" not in argv:
        argv += ["--out", tmp_path / "cli" / "report"]
    status = main(["report", *map(str, argv), "--quiet"])
    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith("skadv: error: ") and on_command_line in err
    assert f"{parameter}=" not in err
    assert not (tmp_path / "python").exists()
    assert not (tmp_path / "cli" / "report").exists()


def test_out_as_the_working_folder_suggests_a_folder_both_ways(
    data_csv, tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ReportInputError, match="such as out='report'$"):
        skadv.generate_report(data_csv, target="label", out=".")
    argv = ["report", "--data", str(data_csv), "--target", "label", "--out", "."]
    assert main(argv) == 2
    assert capsys.readouterr().err.rstrip().endswith("such as --out 'report'")


def test_an_error_without_a_named_parameter_reads_the_same_everywhere():
    error = ReportInputError("column 'x' has only missing values")
    assert error.parameter is None
    assert error.worded(lambda name, value=None: "--" + name) == str(error)


def test_worded_errors_survive_pickling():
    # Errors may cross process boundaries (parallel sweeps); the wording
    # function does not pickle, the message and the parameter do.
    error = ReportInputError(
        lambda spell: f"raise {spell('test_size')}", parameter="test_size"
    )
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is ReportInputError
    assert str(copy) == "raise test_size=" and copy.parameter == "test_size"


def test_out_of_range_option_names_its_parameter(tmp_path):
    with pytest.raises(ReportInputError, match="^cv must be") as raised:
        skadv.generate_report(report_frame(), target="label", cv=1, out=tmp_path)
    assert raised.value.parameter == "cv"


def test_a_kept_old_report_warns_at_the_callers_line(tmp_path):
    old = tmp_path / "old"
    old.mkdir()
    (old / "summary.json").write_text("{}")
    (old / "appeared later.txt").write_text("not the report's")
    with pytest.warns(UserWarning, match="kept there") as record:
        _output._discard_old(old)
    assert record[0].filename == __file__
    assert (old / "appeared later.txt").exists()


def test_warnings_of_the_fits_are_issued_again_at_the_callers_line(
    tmp_path, monkeypatch
):
    fit_models = _report.fit_models

    def fit_and_warn(*args, **kwargs):
        warnings.warn("something odd in the fit", RuntimeWarning, stacklevel=1)
        return fit_models(*args, **kwargs)

    monkeypatch.setattr(_report, "fit_models", fit_and_warn)
    frame = report_frame(n=80)
    with pytest.warns(RuntimeWarning, match="something odd") as record:
        line = inspect.currentframe().f_lineno + 1
        skadv.generate_report(frame, target="label", epsilon="0.1", out=tmp_path / "r")
    odd = [w for w in record if "something odd" in str(w.message)]
    assert len(odd) == 1
    assert (odd[0].filename, odd[0].lineno) == (__file__, line)
