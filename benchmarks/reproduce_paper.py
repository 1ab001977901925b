"""Reproduce the comparison of Chalasani et al. (ICML 2020) with skadv.

For Mushroom, Spambase, MNIST and Fashion-MNIST, train a natural, an
L1-regularised natural and an adversarially trained model, and report test
accuracy, robust accuracy at the training epsilon, the mean Gini index of the
Integrated Gradients over the test set and the wall time, beside the paper's
published numbers. Also draws IG saliency maps of test images (Figs. J.6/J.7).

Usage::

    python benchmarks/reproduce_paper.py --quick            # CPU, minutes
    python benchmarks/reproduce_paper.py --full --device cuda
    python benchmarks/reproduce_paper.py --smoke --output /tmp/paper.md

``--quick`` and ``--full`` write ``benchmarks/results/paper.md`` and
``benchmarks/results/paper_saliency.png`` unless ``--output`` / ``--figure``
say otherwise; ``--smoke`` (tiny sizes, for tests) writes only where told.
The image files are read from ``$SKADV_DATA`` (else ``shared/data`` beside the
checkout) unless ``--data-home`` names another folder; ``--checksums`` vouches
for a copy that is not the published one (see ``_image_data.py``).
"""

import argparse
import os
import shlex
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _image_data import add_data_arguments  # noqa: E402
from _paper_common import (  # noqa: E402
    DATASETS,
    IMAGES,
    PROFILES,
    TABULAR,
    environment,
)
from _paper_discussion import discussion  # noqa: E402
from _paper_report import render  # noqa: E402

RESULTS = HERE / "results"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--quick",
        dest="mode",
        action="store_const",
        const="quick",
        help="CPU-sized run (default): image subsets, few epochs, short PGD.",
    )
    mode.add_argument(
        "--full",
        dest="mode",
        action="store_const",
        const="full",
        help="the paper's schedule (hours on a CPU; meant for a GPU).",
    )
    mode.add_argument(
        "--smoke",
        dest="mode",
        action="store_const",
        const="smoke",
        help="tiny sizes, seconds; numbers are meaningless (for tests).",
    )
    parser.set_defaults(mode="quick")
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
        "--output",
        type=Path,
        default=None,
        help="Markdown file to write (default: benchmarks/results/paper.md; "
        "--smoke writes none unless given).",
    )
    parser.add_argument(
        "--figure",
        type=Path,
        default=None,
        help="PNG of the saliency maps (default: beside the default output; "
        "--smoke draws none unless given).",
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
    add_data_arguments(parser)
    args = parser.parse_args(argv)
    if args.mode != "smoke":
        if args.output is None:
            args.output = RESULTS / "paper.md"
        if args.figure is None and args.output == RESULTS / "paper.md":
            args.figure = RESULTS / "paper_saliency.png"
    if args.device is None:
        args.device = "auto" if args.mode == "full" else "cpu"
    if args.threads is None and args.mode != "full":
        args.threads = 1
    return args


def _device_description(results):
    used = sorted({r.extra["device"] for r in results if "device" in r.extra})
    if not used:
        return "none (no network trained)"
    import torch

    if any(d.startswith("cuda") for d in used):
        return f"{', '.join(used)} ({torch.cuda.get_device_name(0)})"
    threads = torch.get_num_threads()
    return f"{', '.join(used)} ({threads} torch thread{'s' if threads > 1 else ''})"


def _relative(path):
    try:
        return os.path.relpath(path, HERE.parent)
    except ValueError:
        return str(path)


def main(argv=None):
    args = parse_args(argv)
    profile = PROFILES[args.mode]
    command = "python " + " ".join(
        shlex.quote(a) for a in [_relative(__file__), *sys.argv[1:]]
    )
    start = time.perf_counter()
    results, preprocessing = [], {}

    tabular = [d for d in args.datasets if d in TABULAR]
    if tabular:
        from _paper_tabular import PREPROCESSING, run_tabular

        results += run_tabular(profile, tabular)
        preprocessing.update({d: PREPROCESSING[d] for d in tabular})

    images = [d for d in args.datasets if d in IMAGES]
    figure_data = {}
    if images:
        from _paper_images import IMAGE_PREPROCESSING, run_images

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

    figure_link = None
    if args.figure is not None and figure_data:
        from _paper_figure import saliency_figure

        saliency_figure(figure_data, args.figure, profile.figure_examples)
        if args.output is not None:
            figure_link = os.path.relpath(args.figure, args.output.parent)
        print(f"wrote {args.figure}")

    elapsed = time.perf_counter() - start
    env = environment(_device_description(results))
    text = render(
        results,
        env,
        profile,
        command,
        preprocessing,
        discussion(profile.name, elapsed / 60),
        figure_link,
    )
    if args.output is not None:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text, encoding="utf-8")
        print(f"wrote {args.output}")
    else:
        print(text)
    print(f"total wall time {elapsed / 60:.1f} min")


if __name__ == "__main__":
    main()
