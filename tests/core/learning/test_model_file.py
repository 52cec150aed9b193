"""Model files are checked before anything uses them: the whole metadata against the schema, every tensor against
the network it describes, and every size before anything is decompressed or allocated.

Each bad file is a good one (the 0.2.0 test model: two networks, patch 7, width 8, hidden 16, bands a b c, classes
0 1) read with ``torch.load(weights_only=True)``, changed in one place and saved again; or a zip archive built by
hand. Every refusal must be a ModelFileError of MODEL naming the field, never another exception.
"""

import io
import json
import math
import os
import pickle
import re
import struct
import subprocess
import sys
import textwrap
import tracemalloc
import zipfile

import numpy as np
import pytest
import torch

from geochem_prospector.core.errors import ModelFileError
from geochem_prospector.core.learning import model_archive
from geochem_prospector.core.learning.estimator import PARAM_NAMES, PatchCNN
from geochem_prospector.core.learning.model_file import FORMAT
from geochem_prospector.core.learning.model_schema import SETTINGS
from geochem_prospector.core.learning.network import PatchNet, state_shapes
from tests.conftest import TEST_DATA

GOOD = os.path.join(TEST_DATA, "models", "patchcnn_0.2.0.pt")
GiB = 1024**3


def crafted(path, metadata=None, payload=None):
    """The good model with ``metadata(meta)`` and/or ``payload(payload)`` applied (each changes its argument)."""
    raw = torch.load(GOOD, weights_only=True)
    meta = json.loads(raw["metadata"])
    if metadata:
        metadata(meta)
    raw["metadata"] = json.dumps(meta)
    if payload:
        payload(raw)
    torch.save(raw, path)
    return str(path)


def refused(path) -> str:
    """The message of the ModelFileError loading ``path`` raises (any other exception fails the test)."""
    with pytest.raises(ModelFileError) as err:
        PatchCNN.load(str(path))
    message = str(err.value)
    assert err.value.parameter == "MODEL" and message.startswith("MODEL: "), message
    assert "train a new model with prospector:traincnn" in message, message
    return message


def _set(path, value):
    """A change setting ``path`` (dotted, e.g. settings.dropout) of the metadata to ``value``."""

    def change(meta):
        *parents, leaf = path.split(".")
        node = meta
        for key in parents:
            node = node[key]
        node[leaf] = value

    return change


def _delete(path):
    def change(meta):
        *parents, leaf = path.split(".")
        node = meta
        for key in parents:
            node = node[key]
        del node[leaf]

    return change


def _item(path, index, value):
    def change(meta):
        node = meta
        for key in path.split("."):
            node = node[key]
        node[index] = value

    return change


# ---- the good files still load ---------------------------------------------------------------------------------


def test_the_schema_covers_exactly_the_estimators_settings():
    assert set(SETTINGS) == set(PARAM_NAMES)


@pytest.mark.parametrize("patch_size", [5, 7, 9, 65])
def test_state_shapes_are_those_of_the_network(patch_size):
    net = PatchNet(3, 2, patch_size, 8, 16)
    assert state_shapes(3, 2, patch_size, 8, 16) == {k: tuple(v.shape) for k, v in net.state_dict().items()}


def test_the_0_2_0_file_and_an_unchanged_resave_load(tmp_path):
    expected = PatchCNN.load(GOOD)
    again = PatchCNN.load(crafted(tmp_path / "same.pt"))
    assert again.metadata_ == expected.metadata_ and len(again.nets_) == 2


def test_float64_weights_load_and_predict_as_float32(tmp_path):
    def to_double(raw):
        raw["weights"] = {k: v.double() for k, v in raw["weights"].items()}

    from tests.core.learning.test_cnn import synthetic

    bands, _ = synthetic()
    base = PatchCNN.load(GOOD).predict_proba(bands, "cpu", tile=16)
    np.testing.assert_array_equal(
        PatchCNN.load(crafted(tmp_path / "f64.pt", payload=to_double)).predict_proba(bands, "cpu", tile=16), base
    )


# ---- the metadata, field by field ------------------------------------------------------------------------------


def _quantiles(table):
    """INPUT_TRANSFORM quantile with this table of quantiles."""

    def change(meta):
        meta["settings"]["input_transform"] = "quantile"
        meta["normalisation"]["quantiles"] = table

    return change


METADATA_CASES = [
    # (id, change, text the message must hold)
    (
        "positive class not among classes",
        _set("positive_class", 5),
        "positive_class is 5, but it must be one of the classes (0, 1)",
    ),
    ("positive class as text", _set("positive_class", "1"), "positive_class is '1'"),
    (
        "grid with text for the pixel size",
        _set("grid.pixel_size", "100 m"),
        "grid.pixel_size is '100 m', but it must be a finite number greater than 0",
    ),
    ("grid with text for the width", _set("grid.width", "44"), "grid.width is '44'"),
    ("grid with a NaN corner", _set("grid.xmin", math.nan), "grid.xmin is NaN"),
    ("grid that is not an object", _set("grid", [40, 44]), "grid is a list of 2, but it must be a JSON object"),
    (
        "band names that are not strings",
        _set("band_names", [1, 2, 3]),
        "band_names[0] is 1, but it must be non-empty text",
    ),
    ("band name empty", _item("band_names", 1, ""), "band_names[1] has 0 characters"),
    ("band names twice", _set("band_names", ["a", "b", "a"]), "band_names[2] is 'a' a second time"),
    ("no band names", _set("band_names", []), "band_names is a list of 0, but it must be a list of 1 to 4,096 entries"),
    ("band names missing", _delete("band_names"), "band_names is missing"),
    (
        "fewer band names than the normalisation",
        _set("band_names", ["a", "b"]),
        "normalisation.median has 3 values for 2 bands",
    ),
    (
        "NaN normalisation (constant map)",
        _item("normalisation.median", 0, math.nan),
        "normalisation.median[0] is NaN, but it must be a finite number",
    ),
    ("infinite normalisation", _item("normalisation.median", 2, math.inf), "normalisation.median[2] is Infinity"),
    (
        "scale 0",
        _item("normalisation.scale", 1, 0.0),
        "normalisation.scale[1] is 0.0, but it must be a finite number greater than 0",
    ),
    ("negative scale", _item("normalisation.scale", 0, -1.0), "normalisation.scale[0] is -1.0"),
    ("NaN scale", _item("normalisation.scale", 0, math.nan), "normalisation.scale[0] is NaN"),
    (
        "scale for two of three bands",
        _set("normalisation.scale", [1.0, 1.0]),
        "normalisation.scale has 2 values for 3 bands",
    ),
    ("clip 0", _set("normalisation.clip", 0), "normalisation.clip is 0, but it must be a finite number greater than 0"),
    ("clip missing", _delete("normalisation.clip"), "normalisation.clip is missing"),
    (
        "unknown normalisation",
        _set("normalisation.mean", [0, 0, 0]),
        "normalisation.mean is not a known field of normalisation",
    ),
    ("one class", _set("classes", [1]), "classes is a list of 1, but it must be a list of 2 to 256 entries"),
    ("a class twice", _set("classes", [1, 1]), "classes[1] is 1 a second time"),
    ("classes as decimals", _set("classes", [0.0, 1.0]), "classes[0] is 0.0, but it must be a whole number"),
    ("classes as text", _set("classes", ["barren", "mineralised"]), "classes[0] is 'barren'"),
    ("class weights for three classes", _set("class_weights", [1, 1, 1]), "class_weights has 3 values for 2 classes"),
    ("patch size even", _set("patch_size", 8), "patch_size is 8, but it must be an odd whole number from 1 to 65"),
    (
        "patch size huge",
        _set("patch_size", 100_001),
        "patch_size is 100001, but it must be an odd whole number from 1 to 65",
    ),
    ("patch size as text", _set("patch_size", "7"), "patch_size is '7'"),
    (
        "patch size 3",
        lambda meta: (_set("patch_size", 3)(meta), _set("settings.patch_size", 3)(meta)),
        "patch_size is 3, but it must be 1 (a per-cell network) or an odd number from 5 to 65",
    ),
    (
        "unknown input transform",
        _set("settings.input_transform", "rank"),
        "settings.input_transform is 'rank', but it must be one of 'robust', 'quantile', 'piecewise'",
    ),
    (
        "quantile transform without its table",
        _set("settings.input_transform", "quantile"),
        "normalisation.quantiles is missing, but settings.input_transform is 'quantile'",
    ),
    (
        "quantiles without the quantile transform",
        _set("normalisation.quantiles", [[0.0, 1.0]] * 3),
        "normalisation.quantiles is present, but settings.input_transform is neither 'quantile' nor 'piecewise'",
    ),
    (
        "quantiles for two of three bands",
        _quantiles([[0.0, 1.0]] * 2),
        "normalisation.quantiles has 2 rows for 3 bands",
    ),
    (
        "quantiles of different lengths",
        _quantiles([[0.0, 1.0], [0.0, 1.0, 2.0], [0.0, 1.0]]),
        "normalisation.quantiles[1] has 3 values, but row 0 has 2",
    ),
    (
        "decreasing quantiles",
        _quantiles([[0.0, 1.0], [1.0, 0.5], [0.0, 1.0]]),
        "normalisation.quantiles[1] decreases somewhere",
    ),
    (
        "NaN quantile",
        _quantiles([[0.0, 1.0], [0.0, 1.0], [math.nan, 1.0]]),
        "normalisation.quantiles[2][0] is NaN, but it must be a finite number",
    ),
    ("one quantile", _quantiles([[0.0]] * 3), "normalisation.quantiles[0] is a list of 1"),
    (
        "piecewise encoding without its table",
        _set("settings.input_transform", "piecewise"),
        "normalisation.quantiles is missing, but settings.input_transform is 'piecewise'",
    ),
    (
        # the file's networks start with a convolution of the 3 bands themselves; a piecewise network starts
        # with the encoding (4 bins per band), then a convolution of 12 channels
        "piecewise table for networks trained without it",
        lambda meta: (
            _set("settings.input_transform", "piecewise")(meta),
            _set("normalisation.quantiles", [[0.0, 1.0, 2.0, 3.0, 4.0]] * 3)(meta),
        ),
        "weights of network 1 lack 'features.1.weight'",
    ),
    (
        "patch sizes disagree",
        _set("settings.patch_size", 9),
        "settings.patch_size is 9, but patch_size is 7; they must agree",
    ),
    (
        "dropout 1.5 (all-zero uncertainty)",
        _set("settings.dropout", 1.5),
        "settings.dropout is 1.5, but it must be a finite number at least 0 and less than 1",
    ),
    ("dropout 1", _set("settings.dropout", 1.0), "settings.dropout is 1.0"),
    (
        "negative MC samples",
        _set("settings.mc_samples", -1),
        "settings.mc_samples is -1, but it must be a whole number from 0 to 10,000",
    ),
    ("decimal MC samples", _set("settings.mc_samples", 2.5), "settings.mc_samples is 2.5"),
    ("width 0", _set("settings.width", 0), "settings.width is 0, but it must be a whole number from 1 to 1,024"),
    ("width huge", _set("settings.width", 10**6), "settings.width is 1000000"),
    ("hidden as text", _set("settings.hidden", "16"), "settings.hidden is '16'"),
    ("hidden true", _set("settings.hidden", True), "settings.hidden is true"),
    ("ensemble 0", _set("settings.ensemble", 0), "settings.ensemble is 0, but it must be a whole number from 1 to 100"),
    ("ensemble 101", _set("settings.ensemble", 101), "settings.ensemble is 101"),
    (
        "ensemble count mismatch",
        _set("settings.ensemble", 3),
        "settings.ensemble is 3, but the file holds 2 network(s)",
    ),
    ("unknown setting", _set("settings.learnin_rate", 0.01), "settings.learnin_rate is not a known field of settings"),
    ("learning rate NaN", _set("settings.learning_rate", math.nan), "settings.learning_rate is NaN"),
    (
        "learning rate 0",
        _set("settings.learning_rate", 0),
        "settings.learning_rate is 0, but it must be a finite number greater than 0 and less than 1",
    ),
    ("unknown device", _set("settings.device", "tpu"), "settings.device is 'tpu', but it must be text of the form"),
    (
        "unknown validation",
        _set("settings.validation", "random"),
        "settings.validation is 'random', but it must be one of 'blocks', 'clusters'",
    ),
    (
        "semi-supervised as text",
        _set("settings.semi_supervised", "yes"),
        "settings.semi_supervised is 'yes', but it must be true or false, or null",
    ),
    (
        "class balanced as 1",
        _set("settings.class_balanced", 1),
        "settings.class_balanced is 1, but it must be true or false",
    ),
    ("seed beyond 64 bits", _set("settings.seed", 2**70), "settings.seed is 1180591620717411303424"),
    ("settings missing", _delete("settings"), "settings is missing"),
    ("settings not an object", _set("settings", "fast"), "settings is 'fast', but it must be a JSON object"),
    ("history not a list", _set("history", {"epoch": 1}), "history is a JSON object, but it must be a list"),
    ("data hashes not text", _set("data_hashes.bands", 5), "data_hashes.bands is 5"),
    (
        "temperature 0",
        _set("calibration", {"combine": "logits", "temperature": 0}),
        "calibration.temperature is 0, but it must be a finite number at least 0.001 and at most 10000",
    ),
    (
        "temperature NaN",
        _set("calibration", {"combine": "logits", "temperature": math.nan}),
        "calibration.temperature is NaN",
    ),
    (
        "unknown combination",
        _set("calibration", {"combine": "median", "temperature": 1.0}),
        "calibration.combine is 'median', but it must be one of 'probabilities', 'logits'",
    ),
    (
        "calibration without temperature",
        _set("calibration", {"combine": "logits"}),
        "calibration.temperature is missing",
    ),
]


@pytest.mark.parametrize("change,expected", [c[1:] for c in METADATA_CASES], ids=[c[0] for c in METADATA_CASES])
def test_malformed_metadata_is_refused_naming_the_field(change, expected, tmp_path):
    message = refused(crafted(tmp_path / "bad.pt", metadata=change))
    assert expected in message, message
    assert message.startswith("MODEL: 'bad.pt' is not a usable model file: "), message


def test_a_format_1_file_lacking_newer_settings_takes_the_defaults(tmp_path):
    """0.1.x files have no settings.ensemble or early_stopping: the constructor's defaults (1 network) apply."""

    def to_version_1(raw):
        raw["format_version"] = 1
        raw["weights"] = {k.split(".", 1)[1]: v for k, v in raw["weights"].items() if k.startswith("member0.")}

    def older(meta):
        for key in ("ensemble", "early_stopping"):
            del meta["settings"][key]

    model = PatchCNN.load(crafted(tmp_path / "v1.pt", metadata=older, payload=to_version_1))
    assert len(model.nets_) == 1 and model.ensemble == 1 and model.early_stopping is True


@pytest.mark.parametrize(
    "text,expected",
    [("{", "metadata is not valid JSON"), ("[1, 2]", "metadata is not a JSON object"), (None, "metadata is missing")],
    ids=["not JSON", "a list", "not text"],
)
def test_metadata_that_is_not_a_json_object_is_refused(text, expected, tmp_path):
    def change(raw):
        raw["metadata"] = text

    assert expected in refused(crafted(tmp_path / "bad.pt", payload=change))


@pytest.mark.parametrize(
    "version,expected",
    [
        (0, "format_version is 0"),
        ("2", "format_version is '2'"),
        (True, "format_version is True"),
        (3, "model format version 3, newer than this plugin reads (2); update the plugin"),
    ],
)
def test_format_versions_are_checked(version, expected, tmp_path):
    def change(raw):
        raw["format_version"] = version

    assert expected in refused(crafted(tmp_path / "bad.pt", payload=change))


#: wrong values of every type, put in turn into each field of the metadata
WRONG_VALUES = [None, "text", -1, 0, 1.5, 10**30, True, [], {}, math.nan]


def _paths(meta):
    yield from ("band_names", "normalisation", "patch_size", "classes", "positive_class", "grid", "settings")
    yield from ("class_weights", "metrics", "history", "member_histories", "data_hashes", "provenance")
    yield from (f"normalisation.{k}" for k in meta["normalisation"])
    yield from (f"grid.{k}" for k in ("xmin", "ymax", "pixel_size", "width", "height", "crs_wkt"))
    yield from (f"settings.{k}" for k in meta["settings"])


def test_any_wrong_value_in_any_field_is_a_model_file_error_naming_it(tmp_path):
    """Never a traceback: each field of the metadata in turn gets each of WRONG_VALUES; the file either loads
    (the value is allowed there, e.g. null for semi_supervised) or is refused with a message naming the field."""
    meta = json.loads(torch.load(GOOD, weights_only=True)["metadata"])
    tried = refusals = 0
    for path in _paths(meta):
        for value in WRONG_VALUES:
            tried += 1
            file = crafted(tmp_path / "bad.pt", metadata=_set(path, value))
            try:
                PatchCNN.load(file)
            except ModelFileError as exc:
                refusals += 1
                assert path in str(exc) or path.split(".")[-1] in str(exc), (path, value, str(exc))
    assert tried > 300 and refusals > 0.7 * tried


# ---- the tensors: dtype, shape, storage --------------------------------------------------------------------------


def _weights(change):
    def apply(raw):
        change(raw["weights"])

    return apply


def _nan_weight(w):
    w["member0.fc.weight"] = w["member0.fc.weight"].clone()
    w["member0.fc.weight"][0, 0, 0, 0] = math.nan


TENSOR_CASES = [
    (
        "integer weights",
        lambda w: w.update({"member0.fc.weight": w["member0.fc.weight"].to(torch.int64)}),
        "weights 'member0.fc.weight' hold int64 numbers, but weights must be floating point",
    ),
    (
        "boolean weights",
        lambda w: w.update({"member1.out.bias": w["member1.out.bias"] > 0}),
        "weights 'member1.out.bias' hold bool numbers",
    ),
    (
        "wrong shape",
        lambda w: w.update({"member0.out.weight": torch.zeros(5, 5)}),
        "weights 'member0.out.weight' have shape [5, 5], but the network its metadata describes (band_names, classes, patch_size, settings.width and hidden) needs [2, 16, 1, 1]",
    ),
    ("a tensor missing", lambda w: w.pop("member1.fc.bias"), "weights of network 2 lack 'fc.bias'"),
    (
        "a tensor too many",
        lambda w: w.update({"member0.extra": torch.zeros(3)}),
        "weights 'member0.extra' is not a tensor of the network",
    ),
    (
        "a network too many",
        lambda w: w.update({k.replace("member1", "member2"): v for k, v in list(w.items()) if k.startswith("member1")}),
        "settings.ensemble is 2, but the file holds 3 network(s)",
    ),
    (
        "networks not numbered from 0",
        lambda w: [w.update({k.replace("member1", "member5"): w.pop(k)}) for k in list(w) if k.startswith("member1")],
        "weights number their networks [0, 5], not 0, 1, ...",
    ),
    (
        "text for a tensor",
        lambda w: w.update({"member0.fc.bias": "zeros"}),
        "weights 'member0.fc.bias' is not a tensor",
    ),
    (
        "a badly named tensor",
        lambda w: w.update({"net0.fc.weight": torch.zeros(1)}),
        "weights 'net0.fc.weight' is not named member<i>.<layer>",
    ),
    ("NaN weights", _nan_weight, "weights 'member0.fc.weight' hold NaN or infinite values"),
    (
        "a view of a larger storage",
        lambda w: w.update({"member0.fc.bias": torch.zeros(100_000)[:16]}),
        "weights are stored with 390.6 KiB",
    ),
]


@pytest.mark.parametrize("change,expected", [c[1:] for c in TENSOR_CASES], ids=[c[0] for c in TENSOR_CASES])
def test_malformed_weights_are_refused_naming_the_tensor(change, expected, tmp_path):
    message = refused(crafted(tmp_path / "bad.pt", payload=_weights(change)))
    assert expected in message, message


def test_weights_not_a_dictionary_are_refused(tmp_path):
    def change(raw):
        raw["weights"] = [torch.zeros(3)]

    assert "weights is not a dictionary of named tensors" in refused(crafted(tmp_path / "bad.pt", payload=change))


def test_settings_describing_a_network_too_large_to_hold_are_refused_before_any_allocation(tmp_path):
    """Schema-valid but enormous: patch 65, width 1024, hidden 4096 would be 60 GB of weights per network. The file
    is refused from its metadata alone, without building a network or reading a tensor."""

    def huge(meta):
        meta["patch_size"] = meta["settings"]["patch_size"] = 65
        meta["settings"].update(width=1024, hidden=4096)

    path = crafted(tmp_path / "huge.pt", metadata=huge)
    tracemalloc.start()
    try:
        message = refused(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "settings describe 2 network(s) of 15,108,973,570 weights each" in message, message
    assert "more than the 4.0 GiB a model file may hold" in message
    assert peak < 8 * 1024**2


# ---- the archive: sizes before anything is decompressed ------------------------------------------------------------


def _copy_archive(path, replace=None, compression=zipfile.ZIP_STORED, extra=()):
    """The good model's zip archive rewritten: ``replace`` maps an entry's last part (``data/0``) to a function
    writing its new content into an open entry; ``extra`` adds (name, bytes) entries."""
    with zipfile.ZipFile(GOOD) as src, zipfile.ZipFile(path, "w") as dst:
        for info in src.infolist():
            tail = info.filename.split("/", 1)[1]
            if replace and tail in replace:
                target = zipfile.ZipInfo(info.filename)
                target.compress_type = compression
                with dst.open(target, "w", force_zip64=True) as handle:
                    replace[tail](handle)
            else:
                dst.writestr(info, src.read(info.filename))
        for name, data in extra:
            dst.writestr(name, data)
    return str(path)


def _zeros(n_bytes):
    def write(handle):
        chunk = bytes(1024**2)
        for _ in range(n_bytes // len(chunk)):
            handle.write(chunk)
        handle.write(bytes(n_bytes % len(chunk)))

    return write


@pytest.fixture(scope="module")
def zip_bomb(tmp_path_factory):
    """The good model with its first storage (data/0, 864 bytes) replaced by 1 GiB of zeros, deflated: ~1 MB."""
    return _copy_archive(tmp_path_factory.mktemp("bomb") / "bomb.pt", {"data/0": _zeros(GiB)}, zipfile.ZIP_DEFLATED)


def test_a_zip_bomb_is_refused_without_allocating(zip_bomb):
    size = os.path.getsize(zip_bomb)
    with zipfile.ZipFile(zip_bomb) as archive:
        claimed = max(info.file_size for info in archive.infolist())
    assert size < 2 * 1024**2 and claimed == GiB
    tracemalloc.start()
    try:
        message = refused(zip_bomb)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    expected = r"^MODEL: 'bomb\.pt' is refused unread: entry '\.partial-x7n4htno/data/0' unpacks to 1\.0 GiB from 1,\d{3}\.\d KiB"
    assert re.search(expected, message), message
    assert "a zip bomb" in message
    assert peak < 4 * 1024**2, f"{peak:,} bytes traced while refusing"
    print(f"zip bomb: file {size:,} bytes, claims {claimed:,} bytes, traced peak {peak:,} bytes")


_PEAK_RSS = textwrap.dedent(
    """
    import re, sys
    import torch
    from geochem_prospector.core.learning.estimator import PatchCNN

    def status(key):
        return int(re.search(key + r":\\s+(\\d+) kB", open("/proc/self/status").read()).group(1)) * 1024

    with open("/proc/self/clear_refs", "w") as handle:
        handle.write("5")  # the peak (VmHWM) starts again from the current resident size
    before = status("VmRSS")
    try:
        {call}
    except Exception as exc:
        print(type(exc).__name__, file=sys.stderr)
    print(status("VmHWM") - before)
    """
)


def _peak_rss_increase(call, path):
    """Bytes by which the peak resident memory of a fresh interpreter grows while ``call`` loads ``path``."""
    code = _PEAK_RSS.format(call=call.format(path=repr(str(path))))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300, check=True)
    return int(out.stdout.split()[-1]), out.stderr


@pytest.mark.skipif(not os.path.exists("/proc/self/clear_refs"), reason="needs Linux's /proc/self/clear_refs")
def test_the_zip_bomb_refusal_keeps_peak_memory_flat_where_torch_load_alone_would_not(zip_bomb, tmp_path):
    """Peak RSS of a fresh process: refusing the 1 GiB bomb adds a few MiB at most; plain torch.load(weights_only=
    True) of a 64 MiB one (a smaller bomb, to spare the test machine) allocates all 64 MiB before it notices the
    entry's size is wrong, which is what the archive checks prevent."""
    grew, err = _peak_rss_increase("PatchCNN.load({path})", zip_bomb)
    assert "ModelFileError" in err and grew < 16 * 1024**2, (grew, err)
    small = _copy_archive(tmp_path / "bomb64.pt", {"data/0": _zeros(64 * 1024**2)}, zipfile.ZIP_DEFLATED)
    unguarded, err = _peak_rss_increase("torch.load({path}, weights_only=True)", small)
    assert "RuntimeError" in err and unguarded > 60 * 1024**2, (unguarded, err)
    print(f"peak RSS increase: refusing the 1 GiB bomb {grew:,} bytes; torch.load of a 64 MiB bomb {unguarded:,}")


def _claim(path, entry_tail, file_size=None, compress_size=None):
    """Patch the central directory so that an entry claims other sizes (the data itself is unchanged)."""
    data = bytearray(open(path, "rb").read())
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        name_len = struct.unpack_from("<H", data, at + 28)[0]
        name = bytes(data[at + 46 : at + 46 + name_len]).decode()
        if name.endswith(entry_tail):
            if compress_size is not None:
                struct.pack_into("<L", data, at + 20, compress_size)
            if file_size is not None:
                struct.pack_into("<L", data, at + 24, file_size)
        at = data.find(b"PK\x01\x02", at + 4)
    open(path, "wb").write(bytes(data))
    return path


def test_an_entry_claiming_more_data_than_the_file_holds_is_refused(tmp_path):
    path = _claim(_copy_archive(tmp_path / "claims.pt"), "/data/2", file_size=GiB, compress_size=GiB)
    assert "entry '.partial-x7n4htno/data/2' claims 1.0 GiB of data in a file of" in refused(path)


def test_a_stored_entry_claiming_to_unpack_to_more_than_it_holds_is_refused(tmp_path):
    path = _claim(_copy_archive(tmp_path / "claims.pt"), "/data/2", file_size=GiB)
    assert "entry '.partial-x7n4htno/data/2' unpacks to 1.0 GiB from 2.2 KiB" in refused(path)


def test_a_storage_entry_of_another_size_than_its_tensor_is_refused(tmp_path):
    path = _copy_archive(tmp_path / "bigger.pt", {"data/0": _zeros(2 * 1024**2)})
    message = refused(path)
    assert "entry '.partial-x7n4htno/data/0' unpacks to 2.0 MiB, but its tensors need 864 bytes" in message


def test_a_storage_entry_missing_is_refused(tmp_path):
    with zipfile.ZipFile(GOOD) as src, zipfile.ZipFile(tmp_path / "cut.pt", "w") as dst:
        for info in src.infolist():
            if not info.filename.endswith("/data/5"):
                dst.writestr(info, src.read(info.filename))
    assert "no zip entry '.partial-x7n4htno/data/5' for a tensor's data" in refused(tmp_path / "cut.pt")


def test_too_many_entries_are_refused_before_the_directory_is_read(tmp_path):
    extra = [(f".partial-x7n4htno/junk/{i}", b"") for i in range(3000)]
    path = _copy_archive(tmp_path / "many.pt", extra=extra)
    assert "its zip directory lists 3,022 entries in" in refused(path)


def test_a_large_record_or_pickle_is_refused(tmp_path, monkeypatch):
    path = _copy_archive(tmp_path / "record.pt", {"version": _zeros(1024**2)})
    assert "entry '.partial-x7n4htno/version' unpacks to 1.0 MiB (at most 64.0 KiB)" in refused(path)
    monkeypatch.setattr(model_archive, "MAX_PICKLE_BYTES", 1000)
    assert "entry '.partial-x7n4htno/data.pkl' unpacks to 4.1 KiB (at most 1,000 bytes)" in refused(GOOD)


@pytest.mark.parametrize(
    "layout,expected",
    [
        ({"data.pkl": b"x"}, "entries outside one folder"),
        ({"archive/version": b"3\n"}, "without torch's data.pkl"),
    ],
    ids=["entries at the top", "no data.pkl"],
)
def test_archives_not_laid_out_as_torch_save_writes_are_refused(layout, expected, tmp_path):
    with zipfile.ZipFile(tmp_path / "odd.pt", "w") as archive:
        for name, data in layout.items():
            archive.writestr(name, data)
    assert expected in refused(tmp_path / "odd.pt")


@pytest.mark.parametrize(
    "tail",
    [
        "../../evil.txt",
        "../evil.txt",
        "data/../../evil.txt",
        "./notes.txt",
        "data/./0x",
        "..\\..\\evil.txt",
        "notes.txt",
    ],
)
def test_entries_named_to_lie_outside_the_folder_are_refused(tail, tmp_path):
    """An entry beside torch's own whose name climbs out of the archive's folder where it would be unpacked
    (posixpath.normpath leaves the folder, or rewrites the name: '.', '..', a Windows backslash) is refused; a plain
    extra entry in the folder is read past (torch.load never reads it)."""
    import posixpath

    folder = zipfile.ZipFile(GOOD).namelist()[0].split("/")[0]
    name = f"{folder}/{tail}"
    path = _copy_archive(tmp_path / "odd.pt", extra=[(name, b"x")])
    normal = posixpath.normpath(name.replace("\\", "/"))
    if normal == name and normal.startswith(folder + "/"):
        PatchCNN.load(path)
    else:
        assert f"entry '{name}' is named to lie outside the archive's folder" in refused(path)


def test_a_file_cut_short_is_refused(tmp_path):
    whole = open(GOOD, "rb").read()
    (tmp_path / "cut.pt").write_bytes(whole[: len(whole) - 30])
    assert "not a GeoChem Prospector model file, is damaged" in refused(tmp_path / "cut.pt")


# ---- data.pkl: nothing but a dict of strings and tensors --------------------------------------------------------


class _Code:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def _archive_with_pickle(path, data):
    with zipfile.ZipFile(GOOD) as src, zipfile.ZipFile(path, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, data if info.filename.endswith("/data.pkl") else src.read(info.filename))
    return str(path)


def test_a_pickle_that_would_run_code_is_refused_unrun(tmp_path):
    marker = tmp_path / "pwned"
    raw = torch.load(GOOD, weights_only=True)
    raw["weights"]["member0.fc.bias"] = _Code(str(marker))
    torch.save(raw, tmp_path / "evil.pt")
    message = refused(tmp_path / "evil.pt")
    assert "holds objects that are unsafe to load (UnpicklingError: io.open is not allowed in a model file)" in message
    assert not marker.exists()


def test_a_pickle_overwriting_a_checked_tensor_record_is_refused(tmp_path):
    """pickle's BUILD opcode could replace a tensor record's checked shape after the fact: refused."""

    class Storage:
        pass

    storage = Storage()

    class Tensor:
        def __reduce__(self):
            args = (storage, 0, (8,), (1,), False, __import__("collections").OrderedDict())
            return (torch._utils._rebuild_tensor_v2, args, {"shape": (10**9,)})

    class Pickler(pickle.Pickler):
        def persistent_id(self, obj):
            return ("storage", torch.FloatStorage, "0", "cpu", 8) if obj is storage else None

    buffer = io.BytesIO()
    Pickler(buffer, protocol=2).dump(
        {"format": FORMAT, "format_version": 2, "metadata": "{}", "weights": {"member0.x": Tensor()}}
    )
    message = refused(_archive_with_pickle(tmp_path / "build.pt", buffer.getvalue()))
    assert "UnpicklingError: an object state where none belongs" in message


def test_a_foreign_torch_file_is_refused(tmp_path):
    torch.save({"conv.weight": torch.zeros(3)}, tmp_path / "foreign.pt")
    assert "is not a GeoChem Prospector model (unknown format: neither traincnn's nor trainmodel's)" in refused(
        tmp_path / "foreign.pt"
    )


def test_a_folder_given_as_the_model_is_named_a_folder_not_missing(tmp_path):
    """A folder named like the model (``model.pt/``, or the folder the model is in) exists: the message said it did
    not. os.path.isdir is the reference."""
    from geochem_prospector.core.learning.model_file import model_format

    folder = tmp_path / "model.pt"
    folder.mkdir()
    assert os.path.isdir(folder)
    with pytest.raises(ModelFileError, match=r"^MODEL: '.*model\.pt' is a folder, not a model file; give the \.pt"):
        model_format(str(folder))
    with pytest.raises(ModelFileError, match=r"^MODEL: the model file '.*absent\.pt' does not exist"):
        model_format(str(tmp_path / "absent.pt"))
