"""Reproduce the comparison of Chalasani et al. (ICML 2020) with skadv.

For Mushroom, Spambase, MNIST and Fashion-MNIST, train a natural, an
L1-regularised natural and an adversarially trained model, and report test
accuracy, robust accuracy at the training epsilon, the mean Gini index of the
Integrated Gradients over the test set and the wall time, beside the paper's
published numbers. Also draws IG saliency maps of test images (Figs. J.6/J.7).

Usage, from the repository root::

    python -m benchmarks.reproduce_paper --quick            # CPU, minutes
    python -m benchmarks.reproduce_paper --full --device cuda
    python -m benchmarks.reproduce_paper --smoke --output /tmp/paper.md

``--quick`` and ``--full`` write ``benchmarks/results/paper.md``, the raw
results it is rendered from (``paper.json`` beside it),
``benchmarks/results/paper_saliency.png`` and ``paper_frontier.png`` unless
``--output`` / ``--figure`` / ``--frontier-figure`` say otherwise; ``--smoke``
(tiny sizes, for tests) writes only where told. ``--json PATH`` also writes
the tabular headline numbers as ``{dataset: {model: {column: {"accuracy",
"gini", "gini_offset"}}}}`` for the columns ``published``, ``recipe`` (the
official recipe with Adam, the optimizer of the published result files) and
``exact``.
The image files are read from ``$SKADV_DATA`` (else ``shared/data`` beside the
checkout) unless ``--data-home`` names another folder; ``--checksums`` vouches
for a copy that is not the published one (see ``_image_data.py``).
"""

import json
import os
import time
from pathlib import Path

from ._cli import (
    RESULTS,
    benchmark_parser,
    command_line,
    device_description,
    environment,
    write_text,
)
from ._image_data import add_data_arguments
from ._paper_common import DATASETS, IMAGES, PROFILES, TABULAR
from ._paper_report import render_report

MODULE = "benchmarks.reproduce_paper"


def parse_args(argv=None):
    parser = benchmark_parser(
        __doc__,
        None,
        flags=("quick", "full", "smoke"),
        default="quick",
        mode_help={
            "quick": "CPU-sized run (default): image subsets, few epochs, short PGD.",
            "full": "the paper's schedule (hours on a CPU; meant for a GPU).",
            "smoke": "tiny sizes, seconds; numbers are meaningless (for tests).",
        },
        output_help="Markdown file to write, with its raw results beside it as "
        ".json (default: benchmarks/results/paper.md; --smoke writes none unless "
        "given).",
    )
    parser.add_argument(
        "--datasets",
        nargs="+",
        choices=DATASETS,
        default=list(DATASETS),
        help="datasets to run (default: all four).",
    )
    parser.add_argument(
        "--device",
        default=None,
        help="torch device of the networks: cpu, cuda, cuda:1, auto "
        "(default: cpu for --quick/--smoke, auto for --full).",
    )
    parser.add_argument(
        "--figure",
        type=Path,
        default=None,
        help="PNG of the saliency maps (default: beside the default output; "
        "--smoke draws none unless given).",
    )
    parser.add_argument(
        "--frontier-figure",
        type=Path,
        default=None,
        help="PNG of the equal-accuracy comparison (default: beside the default "
        "output; --smoke draws none unless given).",
    )
    parser.add_argument(
        "--json",
        type=Path,
        default=None,
        metavar="PATH",
        help="also write the tabular headline numbers (published, official "
        "recipe, exact optimum) to this JSON file.",
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="seed of the image models and subsets."
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="torch CPU threads (default: 1 for --quick/--smoke, which is much "
        "faster than 2 on a CPU shared with other jobs; torch's choice for --full).",
    )
    parser.add_argument(
        "--render",
        type=Path,
        default=None,
        metavar="RECORD",
        help="run nothing: write the Markdown report of the raw results RECORD "
        "(a .json that a run wrote) beside it, e.g. after editing the discussion.",
    )
    add_data_arguments(parser)
    return _with_defaults(parser.parse_args(argv))


def _with_defaults(args):
    """Fill in the defaults that depend on the mode."""
    if args.mode != "smoke":
        if args.output is None:
            args.output = RESULTS / "paper.md"
        if args.output == RESULTS / "paper.md":
            if args.figure is None:
                args.figure = RESULTS / "paper_saliency.png"
            if args.frontier_figure is None:
                args.frontier_figure = RESULTS / "paper_frontier.png"
    if args.device is None:
        args.device = "auto" if args.mode == "full" else "cpu"
    if args.threads is None and args.mode != "full":
        args.threads = 1
    return args


def _device_description(results):
    used = [r.extra["device"] for r in results if "device" in r.extra]
    return device_description(used) if used else "none (no network trained)"


def _run(args, profile):
    """Train and evaluate; the results, preprocessing texts and figure data."""
    results, preprocessing, figure_data, frontier = [], {}, {}, {}
    tabular = [d for d in args.datasets if d in TABULAR]
    if tabular:
        from ._paper_frontier import run_frontier
        from ._paper_tabular import PREPROCESSING, run_tabular

        results += run_tabular(profile, tabular)
        frontier = run_frontier(profile, tabular)
        preprocessing.update({d: PREPROCESSING[d] for d in tabular})

    images = [d for d in args.datasets if d in IMAGES]
    if images:
        from ._paper_images import IMAGE_PREPROCESSING, run_images

        if args.threads is not None:
            import torch

            torch.set_num_threads(args.threads)

        image_results, figure_data = run_images(
            profile,
            images,
            args.device,
            seed=args.seed,
            data_home=args.data_home,
            checksums=args.checksums,
        )
        results += image_results
        preprocessing.update({d: IMAGE_PREPROCESSING[d] for d in images})
    return results, preprocessing, figure_data, frontier


def main(argv=None):
    args = parse_args(argv)
    if args.render is not None:
        record = json.loads(args.render.read_text(encoding="utf-8"))
        write_text(args.render.with_suffix(".md"), render_report(record))
        print(f"wrote {args.render.with_suffix('.md')}")
        return
    profile = PROFILES[args.mode]
    start = time.perf_counter()
    results, preprocessing, figure_data, frontier = _run(args, profile)

    figure_link, examples = None, {}
    if args.figure is not None and figure_data:
        from ._paper_figure import saliency_figure

        examples = saliency_figure(figure_data, args.figure, profile.figure_examples)
        if args.output is not None:
            figure_link = os.path.relpath(args.figure, args.output.parent)
        print(f"wrote {args.figure}")
    frontier_link = None
    if args.frontier_figure is not None and frontier:
        from ._paper_frontier_figure import frontier_figure

        frontier_figure(frontier, args.frontier_figure)
        if args.output is not None:
            frontier_link = os.path.relpath(args.frontier_figure, args.output.parent)
        print(f"wrote {args.frontier_figure}")

    elapsed = time.perf_counter() - start
    # Everything the report says comes from this record: the test-suite renders
    # it again and compares with the committed report.
    record = {
        "command": command_line(MODULE, argv),
        "mode": profile.name,
        "environment": environment(_device_description(results)),
        "minutes": elapsed / 60,
        "preprocessing": preprocessing,
        "figure": figure_link,
        "figure_examples": examples,
        "frontier_figure": frontier_link,
        "frontier": frontier,
        "results": [r.to_dict() for r in results],
    }
    if args.json is not None:
        from ._paper_report_tabular import headline_json

        write_text(args.json, json.dumps(headline_json(results), indent=1) + "\n")
        print(f"wrote {args.json}")
    if args.output is None:
        print(render_report(record))
    else:
        # The record first: a report that fails to render can be made again
        # from it with --render, without running anything again.
        raw = args.output.with_suffix(".json")
        write_text(raw, json.dumps(record, indent=1, ensure_ascii=False) + "\n")
        write_text(args.output, render_report(record))
        print(f"wrote {args.output} and {raw}")
    print(f"total wall time {elapsed / 60:.1f} min")


if __name__ == "__main__":
    main()
