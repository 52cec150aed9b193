"""Readable reports: p-values as a reader takes them, marker labels that do not overlap, plots that scale."""

import re

from geochem_prospector.core.reports.evaluation import STYLE, format_p_value
from geochem_prospector.core.reports.svgplot import LABEL_CHAR_WIDTH, LABEL_LINE, Marker, Series, line_plot


def test_p_value_with_no_random_placement_as_good_reads_below_one_over_n():
    assert format_p_value(1 / 1001, 1000) == "< 0.001 (1,000 resamples)"  # was printed '0.000999'
    assert format_p_value(1 / 201, 200) == "< 0.005 (200 resamples)"
    assert format_p_value(13 / 1001, 1000) == "0.013 (1,000 resamples)"


def _labels(svg):
    return [
        (float(x), float(y), anchor, text)
        for x, y, anchor, text in re.findall(
            r'<text x="([\d.]+)" y="([\d.]+)" text-anchor="(\w+)" fill="[^"]+">([^<]+)<', svg
        )
    ]


def _span(x, anchor, text):
    width = LABEL_CHAR_WIDTH * len(text)
    return (x - width, x) if anchor == "end" else (x, x + width)


def test_marker_labels_close_together_do_not_overlap():
    """Three markers a few pixels apart (as top 10 %, top 20 % and P-A on a steep success curve): by hand, each
    label's box must clear the others by a full line."""
    markers = [Marker(10, 80, "top 10 %: 80 %"), Marker(12, 82, "top 20 %: 82 %"), Marker(14, 81, "P-A: 81 %")]
    svg = line_plot([Series([0, 100], [0, 100], "diagonal")], "t", "x", "y", (0, 100), (0, 100), markers)
    labels = _labels(svg)
    assert len(labels) == 3
    for i, (x1, y1, a1, t1) in enumerate(labels):
        for x2, y2, a2, t2 in labels[i + 1 :]:
            lo1, hi1 = _span(x1, a1, t1)
            lo2, hi2 = _span(x2, a2, t2)
            if lo1 < hi2 and lo2 < hi1:  # they share columns: they must be a line apart
                assert abs(y1 - y2) >= LABEL_LINE, (t1, y1, t2, y2)


def test_markers_far_apart_keep_their_place():
    markers = [Marker(10, 20, "a"), Marker(80, 90, "b")]
    svg = line_plot([Series([0, 100], [0, 100], "d")], "t", "x", "y", (0, 100), (0, 100), markers)
    (_, ya, _, _), (_, yb, _, _) = _labels(svg)
    # 380 px high, plot 34..328: y = 34 + (1 - v/100) * 294, label 7 px above the point
    assert ya == round(34 + 0.8 * 294 - 7, 1) and yb == round(34 + 0.1 * 294 - 7, 1)


def test_report_plots_scale_to_the_page():
    assert ".plots svg{width:100%;max-width:900px;height:auto" in STYLE


def _training_page():
    from geochem_prospector.core.reports.training import training_report_html

    history = [
        {"iteration": i, "train_loss": 0.2 / i, "val_loss": 0.1, "train_accuracy": a, "val_accuracy": a}
        for i, a in ((10, 0.962), (20, 0.99), (30, 0.999))
    ]
    metrics = {"confusion_matrix": [[8548, 6], [1, 55]], "validation_accuracy": 0.999}
    return training_report_html({"history": history, "metrics": metrics, "classes": [0, 1]})


def test_training_accuracy_is_shown_beside_calling_every_cell_the_commonest_class():
    """The demo's accuracy 0.999 came with no context on labels 99 % barren; by hand from the confusion matrix:
    (8548 + 6) / (8548 + 6 + 1 + 55) = 8554 / 8610 = 0.9935."""
    page = _training_page()
    assert re.search(r"commonest class \(for comparison\)</th><td>0\.993</td>", page)
    accuracy_svg = re.findall(r"<svg.*?</svg>", page, re.S)[1]
    assert "every validation cell called the commonest class" in accuracy_svg


def test_training_accuracy_axis_spans_the_curves_not_zero_to_one():
    """The demo's accuracy curves (0.95-1) filled the top 2 % of a 0-1 axis. The lowest value, 0.962, floors to
    0.95 (a multiple of 0.05): the axis runs 0.95-1, so by hand (plot 34..328 px) 0.962 sits at
    34 + (1 - 0.012 / 0.05) * 294 = 257.4 px, and no tick lies below 0.95."""
    accuracy_svg = re.findall(r"<svg.*?</svg>", _training_page(), re.S)[1]
    y_ticks = [float(t) for t in re.findall(r'<text x="56" y="[\d.]+" text-anchor="end">([\d.]+)</text>', accuracy_svg)]
    assert min(y_ticks) >= 0.95 and max(y_ticks) == 1.0
    first_curve = re.search(r'<polyline points="([^"]+)"', accuracy_svg).group(1).split()
    assert first_curve[0].split(",")[1] == "257.4"


def test_marker_labels_at_the_top_of_the_plot_stay_below_the_title():
    """The demo's magnetics baseline captured 100 % of deposits in the top 10 %: the labels of points on the frame's
    top edge were drawn over the plot's title. By hand: the title's baseline is y = 20, the frame's top y = 34; a
    label needs a 15 px line, so its baseline must lie at or below 34 + 12 = 46 (12 px font inside the frame)."""
    markers = [Marker(10, 100, "top 10 %: 100 %"), Marker(20, 100, "top 20 %: 100 %"), Marker(1, 99, "P-A: 99 %")]
    svg = line_plot([Series([0, 100], [0, 100], "d")], "Success-rate curve", "x", "y", (0, 100), (0, 100), markers)
    labels = _labels(svg)
    assert len(labels) == 3 and all(y >= 34 + 12 for _, y, _, _ in labels), labels


def test_large_tick_values_read_in_full():
    """The demo's magnetics P-A plot labelled its threshold axis '1e+04' (nT). Ticks of 0-12,000 by hand: about 5
    steps of 2,400, rounded up to 2,500: 0, 2500, 5000, 7500, 10,000, the last written out."""
    svg = line_plot([Series([0, 12000], [0, 100], "d")], "t", "x", "y", (0, 12000), (0, 100))
    x_ticks = re.findall(r'<text x="[\d.]+" y="344" text-anchor="middle">([^<]+)</text>', svg)
    assert x_ticks == ["0", "2500", "5000", "7500", "10,000"] and "e+" not in svg


def test_training_report_says_what_the_network_was_distilled_from_and_which_bands_it_reads():
    from geochem_prospector.core.reports.training import training_report_html

    settings = {"teacher": "gradient_boosting", "distil_target": "log_odds", "distil_weight": 1.0, "band_sparsity": 2.0}
    metrics = {
        "bands_used": {"Sr": 1.0, "Th": 2 / 3, "Cr": 0.0},
        "band_sparsity_choice": {"0.25": 0.61, "2": 0.7},
    }
    page = training_report_html({"history": [], "metrics": metrics, "classes": [0, 1], "settings": settings})
    assert "gradient boosting trained on the training cells; the networks also learnt its log-odds" in page
    assert "they inherit its view of the area" in page
    assert "Sr (100%), Th (67%); unused: Cr; strength 2.0 (chosen by the validation cells&#x27; ROC AUC" in page
    plain = training_report_html({"history": [], "metrics": {}, "classes": [0, 1], "settings": {"teacher": "none"}})
    assert "Teacher (distillation)" not in plain and "Bands read" not in plain


def test_no_label_covers_another_markers_dot():
    """Sweep 24c: on the bundled evaluation the P-A label (pushed a line down off 'top 20 %') was drawn across the
    top-20 % dot. Each label's box (its width by LABEL_CHAR_WIDTH, 12 px glyphs above the baseline and 3 below)
    must clear every other marker's dot (radius 4), read from the SVG's circles."""
    markers = [Marker(10, 71, "top 10 %: 71 %"), Marker(20, 82, "top 20 %: 82 %"), Marker(17.6, 82.4, "P-A: 82 %")]
    svg = line_plot([Series([0, 100], [0, 100], "diagonal")], "t", "x", "y", (0, 100), (0, 100), markers)
    dots = [(float(x), float(y)) for x, y in re.findall(r'<circle cx="([\d.]+)" cy="([\d.]+)" r="4"', svg)]
    labels = _labels(svg)
    assert len(dots) == len(labels) == 3
    for k, (x, y, anchor, text) in enumerate(labels):
        lo, hi = _span(x, anchor, text)
        for j, (cx, cy) in enumerate(dots):
            if j == k:
                continue
            covers = lo < cx + 4 and cx - 4 < hi and y - 12 < cy + 4 and cy - 4 < y + 3
            assert not covers, (text, (x, y), j, (cx, cy))
